"""SQLite's index: FTS5 over `search_entries`, whose stems this module computes.

Triggers (migrations/versions/…_search_index.py) keep `search_entries` current on every
write to comments and translations, calling TERMS_FUNCTION, which each connection
registers (app/db.py); FTS5 follows `search_entries` (external content) by triggers too.
A row holds two columns of stems per word, aligned word for word so phrases match in
either: `exact` (stems of the words as written) and `plain` (stems of the words without
accents); FTS5's `unicode61 remove_diacritics 2` tokenizer folds what accents are left.
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
    Column("lang", Text),
    Column("exact", Text),
    Column("plain", Text),
)


@lru_cache(maxsize=64)
def _terms(lang: str, html: str) -> tuple[str, str]:
    exact, plain = [], []
    for word in words_of(plain_text(html)):
        a, b = variants(lang, word.text)
        exact.append(a)
        plain.append(b)
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
    exact = _quoted(" ".join(a for a, _ in pairs))
    plain = _quoted(" ".join(b for _, b in pairs))
    return f"(exact : {exact} OR plain : {plain})"


def match_text(query: SearchQuery) -> str:
    """The FTS5 query: in each language, its stems of every term and none excluded."""
    per_language = []
    for lang in ALGORITHMS:
        expression = " AND ".join(
            [f"lang : {_quoted(lang)}"] + [_term(lang, t) for t in query.include]
        )
        for term in query.exclude:
            expression = f"({expression}) NOT {_term(lang, term)}"
        per_language.append(f"({expression})")
    return " OR ".join(per_language)


def matches(query: SearchQuery) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(match_text(query))


def score() -> ColumnElement[float]:
    """Higher is better. BM25 over the stems; the language column weighs nothing."""
    return -func.bm25(literal_column(FTS_TABLE), 0.0, 1.0, 1.0)
