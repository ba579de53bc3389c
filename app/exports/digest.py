"""A space's digest: every published comment, grouped by question, threaded, for moderators.

`build_digest` reads published comments only, whoever asks (the read gate's `PUBLISHED`
purpose: an export leaves the site), into plain data that outlives the session;
`to_markdown`, `to_docx`, `to_csv` and `to_json` render it. Authors are named only as
`policy.named_in_export` allows; everyone else is "a participant".
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import i18n, policy
from app.comments import threading
from app.documents import csvsafe
from app.documents.docx import DocumentMetadata
from app.documents.docx import to_docx as documents_to_docx
from app.documents.markdown import Emph, Inline, MarkdownDocument, Ref, Source, Strong
from app.errors import NotFound
from app.i18n import gettext
from app.models import Comment, CommentTag, CommentTranslation, Curation, Space, Tag, User
from app.models.comments import KIND_COMMENT, KIND_QUESTION
from app.policy import Purpose, Viewer
from app.spaces import queries as space_queries
from app.spaces.service import pick_text

FORMATS = ("md", "docx", "csv", "json")
CSV_COLUMNS = (
    "id",
    "kind",
    "parent_id",
    "question",
    "depth",
    "path",
    "author",
    "lang",
    "created_at",
    "edited_at",
    "status",
    "editorial_state",
    "tags",
    "body",
    "translations",
)
# Sorts after every path character, closing a subtree's range (as comment queries do).
_PATH_END = "~"
_ROOT_SEGMENT = threading.SEGMENT_WIDTH + 2  # prefix character, digits, separator
# The first character of the paths of participants' own posts (questions have others).
_POST_PREFIX = threading.root_path(is_question=False, number=None, comment_id=0)[0]


@dataclass(frozen=True)
class Tagging:
    taxonomy: str
    code: str
    label: str

    @property
    def text(self) -> str:
        if not self.taxonomy:
            return self.label
        term = f"{self.taxonomy.upper()} {self.code}"
        return f"{term}: {self.label}" if self.label and self.label != self.code else term


@dataclass(frozen=True)
class Translation:
    lang: str
    body_md: str


@dataclass(frozen=True)
class Entry:
    """One question or comment as the digest shows it."""

    id: int
    kind: str
    parent_id: int | None
    number: int | None
    path: str
    depth: int
    lang: str
    author: str | None  # None: not to be named, under the space's rule
    author_is_moderator: bool
    created_at: datetime
    edited_at: datetime | None
    status: str
    editorial_state: str | None
    tags: tuple[Tagging, ...]
    body_md: str
    translations: tuple[Translation, ...]
    url: str

    @property
    def is_question(self) -> bool:
        return self.kind == KIND_QUESTION

    def text_in(self, lang: str) -> str:
        if lang != self.lang:
            for t in self.translations:
                if t.lang == lang:
                    return t.body_md
        return self.body_md


@dataclass(frozen=True)
class Coverage:
    comments: int
    contributors: int
    languages: tuple[str, ...]
    first: datetime | None
    last: datetime | None

    @classmethod
    def of(cls, entries: Sequence[Entry], author_ids: dict[int, int]) -> Coverage:
        comments = [e for e in entries if e.kind == KIND_COMMENT]
        dates = [e.created_at for e in comments]
        return cls(
            comments=len(comments),
            contributors=len({author_ids[e.id] for e in comments}),
            languages=tuple(sorted({e.lang for e in comments})),
            first=min(dates) if dates else None,
            last=max(dates) if dates else None,
        )


@dataclass
class Group:
    """One question and its threads, or (question None, number None) participants' posts.

    A question that is not published itself (number known, question None) still heads
    the published replies under it.
    """

    question: Entry | None
    number: int | None
    entries: list[Entry]  # thread order, without the question itself
    coverage: Coverage

    @property
    def is_posts(self) -> bool:
        return self.question is None and self.number is None


@dataclass
class Digest:
    space_id: int
    slug: str
    title: str
    lang: str
    attribution: str
    generated_at: datetime
    question_id: int | None
    groups: list[Group]
    coverage: Coverage
    entry_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def comment_count(self) -> int:
        return self.coverage.comments

    @property
    def size(self) -> int:
        """Questions and comments: what a renderer has to write."""
        return sum(len(g.entries) + (g.question is not None) for g in self.groups)

    def filename(self, fmt: str) -> str:
        number = next((g.number for g in self.groups if g.number is not None), None)
        scope = f"-q{number}" if self.question_id is not None and number else ""
        day = self.generated_at.astimezone(UTC).strftime("%Y%m%d")
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{self.slug}-digest{scope}-{self.lang}-{day}")
        return f"{stem}.{fmt}"


# -- reading ----------------------------------------------------------------------------


def _rows(space_id: int, within: str | None) -> Select:  # type: ignore[type-arg]
    query = (
        select(
            Comment.id,
            Comment.author_id,
            Comment.parent_id,
            Comment.path,
            Comment.kind,
            Comment.number,
            Comment.lang,
            Comment.body_md,
            Comment.created_at,
            Comment.edited_at,
            Comment.status,
            Comment.named_consent,
            User.display_name.label("author_name"),
        )
        .join(User, User.id == Comment.author_id)
        .where(Comment.space_id == space_id)
        .order_by(Comment.path)
    )
    if within:
        query = query.where(Comment.path >= within, Comment.path < within + _PATH_END)
    return query


def _ids(space_id: int, within: str | None) -> Select:  # type: ignore[type-arg]
    query = select(Comment.id).where(Comment.space_id == space_id)
    if within:
        query = query.where(Comment.path >= within, Comment.path < within + _PATH_END)
    return query


def _published(query: Select) -> Select:  # type: ignore[type-arg]
    """Every statement of a digest, subqueries included: it leaves the site."""
    return policy.for_purpose(query, Purpose.PUBLISHED)  # type: ignore[no-any-return]


def _question_path(db: Session, space: Space, question_id: int) -> str:
    query = select(Comment.path).where(
        Comment.id == question_id, Comment.space_id == space.id, Comment.kind == KIND_QUESTION
    )
    path = db.scalar(_published(query))
    if path is None:
        raise NotFound
    return path


def build_digest(
    db: Session,
    viewer: Viewer,
    space: Space,
    lang: str,
    question_id: int | None = None,
    *,
    base_url: str = "",
    now: datetime | None = None,
) -> Digest:
    """What may be exported of `space` (or of one question's thread), as plain data.

    Published only, for any `viewer` (the routes let only moderators ask).
    """
    within = _question_path(db, space, question_id) if question_id is not None else None
    rows = db.execute(_published(_rows(space.id, within))).all()
    ids = _ids(space.id, within)
    translations: dict[int, list[Translation]] = defaultdict(list)
    for t in db.execute(
        _published(
            select(
                CommentTranslation.comment_id, CommentTranslation.lang, CommentTranslation.body_md
            )
            .where(CommentTranslation.comment_id.in_(ids))
            .order_by(CommentTranslation.comment_id, CommentTranslation.lang)
        )
    ):
        translations[t.comment_id].append(Translation(t.lang, t.body_md))
    tags: dict[int, list[Tagging]] = defaultdict(list)
    for t in db.execute(
        _published(
            select(CommentTag.comment_id, Tag.taxonomy, Tag.code, Tag.label)
            .join(Tag, Tag.id == CommentTag.tag_id)
            .where(CommentTag.comment_id.in_(ids))
            .order_by(CommentTag.comment_id, Tag.taxonomy, Tag.label)
        )
    ):
        tags[t.comment_id].append(Tagging(t.taxonomy, t.code, t.label))
    states = {
        r.comment_id: r.state
        for r in db.execute(
            _published(
                select(Curation.comment_id, Curation.state).where(Curation.comment_id.in_(ids))
            )
        )
    }
    moderator_ids = {r.id for r in db.execute(space_queries.moderators_for([space.id]))}
    texts = list(db.scalars(space_queries.texts_for([space.id])))
    title = pick_text(texts, lang, space.original_lang).title if texts else space.slug

    base = base_url.rstrip("/")
    author_ids: dict[int, int] = {}
    entries: list[Entry] = []
    for r in rows:
        is_moderator = r.author_id in moderator_ids
        named = policy.named_in_export(
            space, author_is_moderator=is_moderator, named_consent=bool(r.named_consent)
        )
        author_ids[r.id] = r.author_id
        entries.append(
            Entry(
                id=r.id,
                kind=r.kind,
                parent_id=r.parent_id,
                number=r.number,
                path=r.path,
                depth=threading.depth_of(r.path),
                lang=r.lang,
                author=r.author_name if named else None,
                author_is_moderator=is_moderator,
                created_at=r.created_at,
                edited_at=r.edited_at,
                status=r.status,
                editorial_state=states.get(r.id),
                tags=tuple(tags.get(r.id, ())),
                body_md=r.body_md,
                translations=tuple(translations.get(r.id, ())),
                url=f"{base}/{lang}/comments/{r.id}",
            )
        )
    groups = _group(entries, author_ids)
    return Digest(
        space_id=space.id,
        slug=space.slug,
        title=title,
        lang=lang,
        attribution=space.attribution,
        generated_at=now or datetime.now(UTC),
        question_id=question_id,
        groups=groups,
        coverage=Coverage.of(entries, author_ids),
        entry_ids=frozenset(author_ids),
    )


def _group(entries: list[Entry], author_ids: dict[int, int]) -> list[Group]:
    """Split thread-ordered entries at their roots: one group per question, then one for
    every participant's own post and its replies."""
    by_root: dict[str, list[Entry]] = {}
    for e in entries:
        by_root.setdefault(e.path[:_ROOT_SEGMENT], []).append(e)
    groups: list[Group] = []
    posts: list[Entry] = []
    for root, members in by_root.items():
        if root.startswith(_POST_PREFIX):
            posts.extend(members)
            continue
        question = members[0] if members[0].path == root and members[0].is_question else None
        rest = members[1:] if question else members
        number = question.number if question else int(root[1:-1])
        groups.append(Group(question, number, rest, Coverage.of(rest, author_ids)))
    if posts:
        groups.append(Group(None, None, posts, Coverage.of(posts, author_ids)))
    return groups


# -- shared wording ---------------------------------------------------------------------


def _author(entry: Entry) -> str:
    return entry.author if entry.author is not None else gettext("a participant")


@lru_cache(maxsize=64)
def _language(code: str, lang: str) -> str:
    return i18n.language_name(code, lang)


@lru_cache(maxsize=4096)
def _day_in(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=i18n.date_locale(locale))  # as format_day


def _day(value: datetime) -> str:
    """A date in the digest's language; the same few days recur thousands of times."""
    return _day_in(value.date(), i18n.get_locale())


def _state(state: str) -> str:
    names = {
        "candidate": gettext("candidate"),
        "used": gettext("used"),
        "excluded": gettext("excluded"),
    }
    return names.get(state, state)


def _source(entry: Entry) -> Source:
    day = _day(entry.created_at)
    if entry.is_question:
        text = gettext("Question by %(author)s, %(date)s", author=_author(entry), date=day)
    else:
        text = gettext("Comment by %(author)s, %(date)s", author=_author(entry), date=day)
    return Source(f"{text} —" if entry.url.startswith("http") else text, entry.url)


def _first_line(markdown: str, limit: int = 160) -> str:
    line = next((ln for ln in markdown.strip().splitlines() if ln.strip()), "")
    line = line.lstrip("#>*- ").strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def group_title(group: Group, lang: str) -> str:
    if group.is_posts:
        return gettext("Participants' own posts")
    if group.question is None:
        return gettext("Question %(number)s (not published)", number=group.number)
    return gettext(
        "Question %(number)s: %(text)s",
        number=group.number,
        text=_first_line(group.question.text_in(lang)),
    )


def _span(coverage: Coverage) -> str:
    if coverage.first is None or coverage.last is None:
        return "—"
    first, last = _day(coverage.first), _day(coverage.last)
    return first if first == last else f"{first} – {last}"


def rule_text(attribution: str) -> str:
    if attribution == "chatham-house":
        return gettext(
            "Under the Chatham House rule of this space, contributors are not identified: "
            "they appear as “a participant”. Moderators’ questions are signed."
        )
    if attribution == "consent":
        return gettext(
            "Contributors are named only where they agreed to be; the others appear as "
            "“a participant”. Moderators’ questions are signed."
        )
    return gettext("Contributors are named, as the rule of this space provides.")


# -- Markdown and DOCX ------------------------------------------------------------------


def to_markdown(digest: Digest) -> str:
    """The digest as pandoc Markdown: coverage first, then each question's threads, every
    comment a numbered paragraph with its source in a footnote."""
    return document(digest).render()


def document(
    digest: Digest, *, on_progress: Callable[[float], None] | None = None
) -> MarkdownDocument:
    """The digest's document, which the Markdown and the DOCX are both made from."""
    with i18n.using(digest.lang):
        doc = MarkdownDocument(
            gettext("Digest: %(title)s", title=digest.title),
            digest.lang,
            {"date": _day(digest.generated_at)},
        )
        _coverage_section(doc, digest)
        done, total = 0, max(1, digest.size)
        for group in digest.groups:
            _group_section(doc, digest, group)
            done += len(group.entries) + (group.question is not None)
            if on_progress:
                on_progress(done / total)
        return doc


def _coverage_section(doc: MarkdownDocument, digest: Digest) -> None:
    lang = digest.lang
    total = digest.coverage
    doc.heading(1, gettext("Coverage"))
    doc.paragraph(
        gettext(
            "%(comments)s published comments by %(contributors)s contributors (%(span)s).",
            comments=total.comments,
            contributors=total.contributors,
            span=_span(total),
        )
    )
    doc.paragraph(rule_text(digest.attribution))
    if not digest.groups:
        doc.paragraph(gettext("Nothing has been published here yet."))
        return
    doc.table(
        [
            gettext("Question"),
            gettext("Comments"),
            gettext("Contributors"),
            gettext("Languages"),
            gettext("Dates"),
        ],
        [
            [
                group_title(g, lang),
                str(g.coverage.comments),
                str(g.coverage.contributors),
                ", ".join(_language(code, lang) for code in g.coverage.languages) or "—",
                _span(g.coverage),
            ]
            for g in digest.groups
        ],
    )


def _caption(entry: Entry, digest: Digest, group: Group) -> list[Inline]:
    lang = digest.lang
    pieces: list[Inline] = [Strong(_author(entry)), " · " + _day(entry.created_at)]
    if entry.edited_at:
        pieces.append(" " + gettext("(edited %(date)s)", date=_day(entry.edited_at)))
    pieces.append(" · " + _language(entry.lang, lang))
    # Replies to the question itself need no "in reply to": the heading says it.
    if entry.parent_id is not None and (group.is_posts or entry.depth > 1):
        if entry.parent_id in digest.entry_ids:
            pieces += [" · " + gettext("in reply to") + " ", Ref(f"c{entry.parent_id}")]
        else:
            pieces.append(" · " + gettext("in reply to a comment not in this digest"))
    if entry.tags:
        tags = ", ".join(t.text for t in entry.tags)
        pieces += [" · ", Emph(gettext("Tags: %(tags)s", tags=tags))]
    if entry.editorial_state:
        state = gettext("Editorial state: %(state)s", state=_state(entry.editorial_state))
        pieces += [" · ", Emph(state)]
    return pieces


def _translations(doc: MarkdownDocument, entry: Entry, lang: str, *, in_item: bool) -> None:
    for t in entry.translations:
        label = gettext("The author’s %(language)s version:", language=_language(t.lang, lang))
        doc.paragraph([Emph(label)], in_item=in_item)
        doc.quote(t.body_md, in_item=in_item)


def _group_section(doc: MarkdownDocument, digest: Digest, group: Group) -> None:
    lang = digest.lang
    doc.heading(1, group_title(group, lang))
    question = group.question
    if question is not None:
        doc.paragraph(
            [
                Strong(_author(question)),
                " · " + _day(question.created_at),
                " · " + _language(question.lang, lang),
            ]
        )
        doc.quote(question.body_md, _source(question))
        _translations(doc, question, lang, in_item=False)
    if not group.entries:
        doc.paragraph(gettext("No published comments."))
    for entry in group.entries:
        doc.numbered(_caption(entry, digest, group), [_source(entry)], label=f"c{entry.id}")
        doc.paragraph(entry.body_md, in_item=True)
        _translations(doc, entry, lang, in_item=True)


def to_docx(digest: Digest, *, on_progress: Callable[[float], None] | None = None) -> bytes:
    doc = document(digest, on_progress=(lambda f: on_progress(f * 0.3)) if on_progress else None)
    metadata = DocumentMetadata(doc.title, digest.lang, digest.generated_at)
    data = documents_to_docx(doc, metadata)
    if on_progress:
        on_progress(1.0)
    return data


# -- CSV and JSON -----------------------------------------------------------------------


def _entries(digest: Digest) -> Iterator[tuple[Group, Entry]]:
    for group in digest.groups:
        if group.question is not None:
            yield group, group.question
        for entry in group.entries:
            yield group, entry


def to_csv(digest: Digest) -> str:
    """One row per question or comment, every cell safe from formula injection. UTF-8 with
    a byte-order mark, so spreadsheets read accents right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with i18n.using(digest.lang):
        for group, e in _entries(digest):
            writer.writerow(
                csvsafe.row(
                    [
                        e.id,
                        e.kind,
                        e.parent_id,
                        group.number,
                        e.depth,
                        e.path,
                        _author(e),
                        e.lang,
                        e.created_at.astimezone(UTC).isoformat(),
                        e.edited_at.astimezone(UTC).isoformat() if e.edited_at else None,
                        e.status,
                        e.editorial_state,
                        "; ".join(t.text for t in e.tags),
                        e.body_md,
                        json.dumps({t.lang: t.body_md for t in e.translations}, ensure_ascii=False),
                    ]
                )
            )
    return out.getvalue()


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "parent_id": e.parent_id,
        "number": e.number,
        "path": e.path,
        "depth": e.depth,
        "lang": e.lang,
        "author": e.author,
        "named": e.author is not None,
        "author_is_moderator": e.author_is_moderator,
        "created_at": _iso(e.created_at),
        "edited_at": _iso(e.edited_at),
        "status": e.status,
        "editorial_state": e.editorial_state,
        "tags": [{"taxonomy": t.taxonomy, "code": t.code, "label": t.label} for t in e.tags],
        "body_md": e.body_md,
        "translations": [{"lang": t.lang, "body_md": t.body_md} for t in e.translations],
        "url": e.url,
    }


def _coverage_json(c: Coverage) -> dict[str, Any]:
    return {
        "comments": c.comments,
        "contributors": c.contributors,
        "languages": list(c.languages),
        "first": _iso(c.first),
        "last": _iso(c.last),
    }


def _threads(entries: list[Entry]) -> list[dict[str, Any]]:
    """Entries nested under their parents; those whose parent is absent start a thread."""
    nodes = {e.id: {**_entry_json(e), "replies": []} for e in entries}
    roots: list[dict[str, Any]] = []
    for e in entries:  # thread order: a parent always comes before its replies
        parent = nodes.get(e.parent_id) if e.parent_id is not None else None
        (parent["replies"] if parent else roots).append(nodes[e.id])
    return roots


def to_json(digest: Digest) -> str:
    """The digest as nested threads; `author` is null where the rule does not name."""
    document = {
        "format": "roundtable-digest",
        "version": 1,
        "space": {"slug": digest.slug, "title": digest.title, "attribution": digest.attribution},
        "lang": digest.lang,
        "generated_at": _iso(digest.generated_at),
        "coverage": _coverage_json(digest.coverage),
        "groups": [
            {
                "kind": "posts" if g.is_posts else "question",
                "number": g.number,
                "question": _entry_json(g.question) if g.question else None,
                "coverage": _coverage_json(g.coverage),
                "threads": _threads(g.entries),
            }
            for g in digest.groups
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
