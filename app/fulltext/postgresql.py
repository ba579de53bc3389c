"""PostgreSQL's index: a `tsvector` per entry, two text search configurations a language.

`roundtable_<lang>` stems with Snowball as written; `roundtable_<lang>_unaccent` removes
accents first (the `unaccent` extension). An entry's document is both vectors, so a word
matches whether it was typed with its accents or without; the migration defines the
configurations, a GIN index and the triggers that keep documents current.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, not_, or_
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY, TSVECTOR

from app.fulltext.query import SearchQuery, Term

# The entries as the candidates' statement reads them, and as they are ranked after it.
ENTRIES = "search_entries"
RANKED = "ranked_entry"


def _document(table: str) -> ColumnElement[Any]:
    return literal_column(f"{table}.document", TSVECTOR)


def _lang(table: str) -> ColumnElement[str]:
    return literal_column(f"{table}.lang")


def configurations(lang: str) -> tuple[str, str]:
    return f"roundtable_{lang}", f"roundtable_{lang}_unaccent"


def _configuration(name: str) -> ColumnElement[Any]:
    # A literal, not a bound parameter cast to regconfig: the cast is only "stable", so
    # the planner would leave every tsquery to be built again for each row it reads;
    # with the configuration a constant, the whole tsquery is folded once, at planning
    # (and its statistics estimate the match). The names are ours (configurations()).
    return literal_column(f"'{name}'::regconfig", REGCONFIG)


def _term(lang: str, term: Term) -> ColumnElement[Any]:
    build = func.phraseto_tsquery if term.is_phrase else func.plainto_tsquery
    text = " ".join(term.words)
    exact, plain = (
        build(_configuration(name), text, type_=TSQUERY) for name in configurations(lang)
    )
    return exact.op("||", return_type=TSQUERY)(plain)


# Built once per language and terms (a search uses each twice, to match and to rank; the
# same words come back as one types): SQLAlchemy's expressions are immutable, and
# building these cost more than running them.
@lru_cache(maxsize=512)
def _joined(lang: str, terms: tuple[Term, ...], operator: str) -> ColumnElement[Any]:
    combined = _term(lang, terms[0])
    for term in terms[1:]:
        combined = combined.op(operator, return_type=TSQUERY)(_term(lang, term))
    return combined


def _all(lang: str, terms: tuple[Term, ...]) -> ColumnElement[Any]:
    return _joined(lang, terms, "&&")


def _matching(lang: str, query: SearchQuery) -> ColumnElement[bool]:
    document = _document(ENTRIES)
    found = document.bool_op("@@")(_all(lang, query.include))
    conditions = [_lang(ENTRIES) == lang, found]
    if query.exclude:
        conditions.append(not_(document.bool_op("@@")(_joined(lang, query.exclude, "||"))))
    return and_(*conditions)


def matches(query: SearchQuery, languages: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(_matching(lang, query) for lang in languages))


def score(query: SearchQuery, languages: tuple[str, ...]) -> ColumnElement[float]:
    """Higher is better: cover density in the entry's language (each occurrence counts,
    terms close together more), scaled down for long texts (of the entries aliased
    RANKED)."""
    return case(
        *(
            (
                _lang(RANKED) == lang,
                func.ts_rank_cd(_document(RANKED), _all(lang, query.include), 1),
            )
            for lang in languages
        ),
        else_=0.0,
    )
