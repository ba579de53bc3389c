"""SQLite's index: FTS5 over `search_entries`, whose stems this module computes.

Triggers (migrations/versions/…_search_index.py) keep `search_entries` current on every
write to comments and translations, calling TERMS_FUNCTION, which each connection
registers (app/db.py); FTS5 follows `search_entries` (external content) by triggers too.
A row holds two columns of stems per word, aligned word for word so phrases match in
either: `exact` (stems of the words as written) and `plain` (stems of the words without
accents, left empty when they are the same). Each stem carries its language
(`fr_travailleur`; the tokenizer keeps `_` inside a token), so a word's list of entries
holds only texts of one language: a query never reads past the entries of the languages it
asks.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from functools import lru_cache

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    literal_column,
)

from app.fulltext.query import SearchQuery, Term
from app.fulltext.words import ALGORITHMS, WORD, variants
from app.markup import plain_text

TERMS_FUNCTION = "roundtable_search_terms"
SCORE_FUNCTION = "roundtable_search_score"
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
    prefix = f"{lang}_"  # token(), inlined: this runs on every word of every post
    for word in WORD.findall(plain_text(html)):
        a, b = variants(lang, word)
        exact.append(prefix + a)
        plain.append(prefix + b)
    as_written, unaccented = " ".join(exact), " ".join(plain)
    # Most texts (nearly every English one) stem alike both ways: their `plain` is left
    # empty rather than indexed twice, and queries look for both forms in both columns.
    return as_written, "" if unaccented == as_written else unaccented


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
    connection.create_function(SCORE_FUNCTION, 4, score_entry, deterministic=True)


def _quoted(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'


def _term(lang: str, term: Term) -> str:
    pairs = [variants(lang, w) for w in term.words]
    exact = _quoted(" ".join(token(lang, a) for a, _ in pairs))
    plain = _quoted(" ".join(token(lang, b) for _, b in pairs))
    if exact == plain:
        # One phrase over both columns: its entries are read once, not twice.
        return f"{{exact plain}} : {exact}"
    # Either form in either column: a text whose two forms are alike holds them in
    # `exact` alone.
    return f"({{exact plain}} : {exact} OR {{exact plain}} : {plain})"


def _in_language(query: SearchQuery, lang: str) -> str:
    expression = " AND ".join(_term(lang, t) for t in query.include)
    for term in query.exclude:
        expression = f"({expression}) NOT {_term(lang, term)}"
    return f"({expression})"


def match_text(query: SearchQuery, languages: tuple[str, ...] = tuple(ALGORITHMS)) -> str:
    """The FTS5 query: in each language, its stems of every term and none excluded."""
    return " OR ".join(_in_language(query, lang) for lang in languages)


def matches(query: SearchQuery, languages: tuple[str, ...]) -> ColumnElement[bool]:
    return literal_column(FTS_TABLE).op("MATCH")(match_text(query, languages))


# Relevance as PostgreSQL's ts_rank_cd with normalisation 1 measures it, in outline
# (app/fulltext/postgresql.py): more occurrences of the terms, in a shorter text, rank
# higher. Here each term's occurrences saturate (BM25's k1), are summed, and the sum is
# divided by 1 + ln(length). Neither weighs a word by how rare it is: FTS5's bm25() does,
# by counting every text holding each word afresh in every statement, which cost more
# than the whole search on a large consultation.
K1 = 1.2


def score_spec(query: SearchQuery, languages: tuple[str, ...]) -> str:
    """The terms each language's entries are scored on, for SCORE_FUNCTION: per term, its
    stems as written and without accents (a phrase's stems space-separated)."""
    spec: dict[str, list[tuple[str, str]]] = {}
    for lang in languages:
        terms = []
        for term in query.include:
            pairs = [variants(lang, w) for w in term.words]
            terms.append(
                (
                    " ".join(token(lang, a) for a, _ in pairs),
                    " ".join(token(lang, b) for _, b in pairs),
                )
            )
        spec[lang] = terms
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=64)
def _spec(spec: str) -> dict[str, list[tuple[str, str]]]:
    # Space-padded, to be counted as whole stems in a space-padded text.
    return {
        lang: [(f" {a} ", f" {b} ") for a, b in terms] for lang, terms in json.loads(spec).items()
    }


def score_entry(spec: str, lang: str | None, exact: str | None, plain: str | None) -> float:
    """SCORE_FUNCTION: an entry's relevance to the terms of `spec` in its language.

    Occurrences are counted as substrings (a stem or a phrase's stems between spaces):
    a word repeated back to back counts once, which saturation nearly does anyway.
    """
    terms = _spec(spec).get(lang or "")
    if not terms or not exact:
        return 0.0
    # Texts without accents (most) have the same stems both ways: counted once.
    same = not plain or plain == exact
    exact = f" {exact} "
    plain = exact if same else f" {plain} "
    total = 0.0
    for as_written, unaccented in terms:
        found = exact.count(as_written)
        if plain is not exact or unaccented != as_written:
            found = max(found, plain.count(unaccented))
        total += found * (K1 + 1) / (found + K1)
    return total / (1 + math.log(exact.count(" ") - 1))


def score(query: SearchQuery, languages: tuple[str, ...], entries: str) -> ColumnElement[float]:
    """Higher is better: of each row of `entries` (the search_entries table's name in the
    statement, joined to the FTS5 cursor). Its stems are read there: through the FTS5
    table, each is a look-up of its own."""
    scored: ColumnElement[float] = getattr(func, SCORE_FUNCTION)(
        score_spec(query, languages),
        literal_column(f"{entries}.lang"),
        literal_column(f"{entries}.exact"),
        literal_column(f"{entries}.plain"),
        type_=Float,
    )
    return scored
