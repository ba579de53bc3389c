"""A search as asked for in an address (`/{lang}/search?q=…`): read, checked, explained.

Pages and the JSON API read the same parameters here. Words that cannot be searched
and dates that are no dates come back as translated messages keyed by parameter,
with everything typed kept; a sort or filter value outside its list is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from app.fulltext.query import MAX_LENGTH, MAX_WORDS, QueryProblem, SearchQuery, parse
from app.i18n import LOCALES, gettext
from app.models.comments import CommentStatus
from app.models.curation import EditorialState

_E = TypeVar("_E", bound=StrEnum)

PAGE_SIZE = 20
# Far enough to browse; a search with more results than this is narrowed, not paged.
MAX_PAGE = 50


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


# Every parameter a search takes, as the address spells it.
NAMES = (
    "q",
    "space",
    "question",
    "language",
    "from",
    "to",
    "sort",
    "page",
    "objective",
    "tag",
    "state",
    "status",
)


@dataclass(frozen=True)
class SearchParams:
    """What was asked, as typed (`raw`, to fill the form again) and as understood."""

    raw: dict[str, str]
    query: SearchQuery
    space: str = ""  # a space's slug
    question: int | None = None  # a question's comment id
    lang: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    # Moderators only (the service ignores them for anyone else).
    objective: int | None = None
    tag: str = ""
    state: EditorialState | None = None
    status: CommentStatus = CommentStatus.PUBLISHED
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> bool:
        """Whether anything was typed: an empty box is a page to search from, no error."""
        return bool(self.raw.get("q", "").strip())

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    def address(self, **changes: str | int | None) -> dict[str, str]:
        """The query parameters of this search with some changed (None: dropped)."""
        values: dict[str, str] = {k: v for k, v in self.raw.items() if v}
        for name, value in changes.items():
            key = name.rstrip("_")  # from_ for "from"
            if value is None or value == "":
                values.pop(key, None)
            else:
                values[key] = str(value)
        return values


def query_problem(problem: QueryProblem) -> str:
    return {
        QueryProblem.EMPTY: gettext("Type one or more words to search for."),
        QueryProblem.TOO_LONG: gettext("This search is too long: keep it under %(num)s characters.")
        % {"num": MAX_LENGTH},
        QueryProblem.TOO_MANY_WORDS: gettext(
            "This search has too many words: use at most %(num)s, the most telling ones."
        )
        % {"num": MAX_WORDS},
        QueryProblem.ONLY_EXCLUDED: gettext(
            "Add a word to search for: words with a minus sign are only left out of results."
        ),
    }[problem]


def empty_query_message() -> str:
    return query_problem(QueryProblem.EMPTY)


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _visible(value: str) -> str:
    """A one-line value without control characters (a NUL cannot even be compared with)."""
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch == " ").split())


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _member(kind: type[_E], value: str) -> _E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def read(values: Mapping[str, str]) -> SearchParams:
    """The search these query parameters ask for (unknown parameters are not read)."""
    raw = {name: values.get(name, "") or "" for name in NAMES}
    errors: dict[str, str] = {}
    query = parse(raw["q"])
    if raw["q"].strip() and not query.ok:
        assert query.problem is not None
        errors["q"] = query_problem(query.problem)
    since, until = _date(raw["from"]), _date(raw["to"])
    for name, parsed in (("from", since), ("to", until)):
        if raw[name].strip() and parsed is None:
            errors[name] = gettext("Give a date as year-month-day, for example 2026-03-31.")
    if since and until and since > until:
        errors["to"] = gettext("The end of the period comes before its start.")
    page = _int(raw["page"]) or 1
    return SearchParams(
        raw=raw,
        query=query,
        space=raw["space"].strip(),
        question=_int(raw["question"]),
        lang=raw["language"] if raw["language"] in LOCALES else None,
        since=since,
        until=until,
        sort=_member(Sort, raw["sort"]) or Sort.RELEVANCE,
        page=min(max(page, 1), MAX_PAGE),
        objective=_int(raw["objective"]),
        tag=_visible(raw["tag"]),
        state=_member(EditorialState, raw["state"]),
        status=_member(CommentStatus, raw["status"]) or CommentStatus.PUBLISHED,
        errors=errors,
    )


def from_address(
    q: Annotated[
        str, Query(description='Words, "a phrase", -excluded', examples=["remittances"])
    ] = "",
    space: Annotated[str, Query(description="A space's address (slug)")] = "",
    question: Annotated[str, Query(description="A question's comment id (with space)")] = "",
    language: Annotated[str, Query(description="Only texts written in en, fr or es")] = "",
    from_: Annotated[str, Query(alias="from", description="From this day (YYYY-MM-DD)")] = "",
    to: Annotated[str, Query(description="Up to this day, included (YYYY-MM-DD)")] = "",
    sort: Annotated[str, Query(description="relevance (default), newest or oldest")] = "",
    page: Annotated[str, Query(description="Page of 20 results, from 1")] = "",
    objective: Annotated[str, Query(description="Moderators: a GCM objective, 1 to 23")] = "",
    tag: Annotated[str, Query(description="Moderators: a free tag")] = "",
    state: Annotated[str, Query(description="Moderators: candidate, used or excluded")] = "",
    status: Annotated[
        str, Query(description="Moderators: published (default), pending, hidden or rejected")
    ] = "",
) -> SearchParams:
    """The search an address asks for: one dependency for the page and the API."""
    return read(
        {
            "q": q,
            "space": space,
            "question": question,
            "language": language,
            "from": from_,
            "to": to,
            "sort": sort,
            "page": page,
            "objective": objective,
            "tag": tag,
            "state": state,
            "status": status,
        }
    )


SearchParamsDep = Annotated[SearchParams, Depends(from_address)]
