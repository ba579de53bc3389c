"""SQLite's index: FTS5 over `search_entries`, whose stems this module computes.

Triggers (migrations/versions/…_search_index.py) keep `search_entries` current on every
write to comments and translations, calling TERMS_FUNCTION, which each connection
registers (app/db.py); FTS5 follows `search_entries` (external content) by triggers too.
A row holds two columns of stems per word, aligned word for word so phrases match in
either: `exact` (stems of the words as written) and `plain` (stems of the words without
accents). Each stem carries its language (`fr_travailleur`; the tokenizer keeps `_` inside
a token), so a word's list of entries holds only texts of one language: a query never reads
past the entries of the languages it asks, and BM25 weighs a word by its frequency in that
language alone.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import lru_cache

from sqlalchemy import Column, ColumnElement, Integer, MetaData, Table, Text, func, literal_column

from app.fulltext.query import SearchQuery, Term
from app.fulltext.words import ALGORITHMS, variants, words_of
from app.markup import plain_text

TERMS_FUNCTION = "roundtable_search_terms"
FTS_TABLE = "search_fts"

log = logging.getLogger(__name__)

# The FTS5 table as SQLAlchemy reads it (not part of the models: FTS5 tables are no
# tables Alembic can compare).
fts = Table(
    FTS_TABLE,
    MetaData(),
    Column("rowid", Integer, primary_key=True),
    Column("exact", Text),
    Column("plain", Text),
)


def token(lang: str, form: str) -> str:
    """A stem as the index holds it: with its language."""
    return f"{lang}_{form}"


@lru_cache(maxsize=64)
def _terms(lang: str, html: str) -> tuple[str, str]:
    exact, plain = [], []
    for word in words_of(plain_text(html)):
        a, b = variants(lang, word.text)
        exact.append(token(lang, a))
        plain.append(token(lang, b))
    return " ".join(exact), " ".join(plain)


def index_terms(lang: str | None, html: str | None, which: int) -> str:
    """TERMS_FUNCTION: the `exact` (0) or `plain` (1) stems of a comment's HTML."""
    try:
        return _terms(lang or "", html or "")[1 if which else 0]
    except Exception:
        # A trigger must never make a comment unsavable: unindexed, it is found again
        # after `roundtable reindex`.
        log.exception("search terms failed; the text is saved unindexed")
        return ""


def register(connection: sqlite3.Connection) -> None:
    connection.create_function(TERMS_FUNCTION, 3, index_terms, deterministic=True)


def _quoted(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'


def _term(lang: str, term: Term) -> str:
    pairs = [variants(lang, w) for w in term.words]
    exact = _quoted(" ".join(token(lang, a) for a, _ in pairs))
    plain = _quoted(" ".join(token(lang, b) for _, b in pairs))
    if exact == plain:
        # One phrase over both columns: its entries are read once, not twice.
        return f"{{exact plain}} : {exact}"
    return f"(exact : {exact} OR plain : {plain})"


def match_text(query: SearchQuery, languages: tuple[str, ...] = tuple(ALGORITHMS)) -> str:
    """The FTS5 query: in each language, its stems of every term and none excluded."""
    per_language = []
    for lang in languages:
        expression = " AND ".join(_term(lang, t) for t in query.include)
        for term in query.exclude:
            expression = f"({expression}) NOT {_term(lang, term)}"
        per_language.append(f"({expression})")
    return " OR ".join(per_language)


def matches(query: SearchQuery, languages: tuple[str, ...]) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(match_text(query, languages))


def score() -> ColumnElement[float]:
    """Higher is better: BM25 over the stems."""
    return -func.bm25(literal_column(FTS_TABLE))
