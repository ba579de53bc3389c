"""Rebuilding the whole search index from the comments and translations as they are.

The triggers keep the index current; this is for after a restore from elsewhere, a new
stemmer release (PyStemmer, or PostgreSQL's), or a hand-made change with the triggers
off. One transaction: searches see the old index until it commits.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.fulltext.sqlite import FTS_TABLE, TERMS_FUNCTION

# Assembled from this module's constants only (S608 sees f-strings, not input).
_SQLITE = (
    "DELETE FROM search_entries",
    "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "  # noqa: S608
    f"SELECT id, lang, 0, {TERMS_FUNCTION}(lang, body_html, 0), "
    f"{TERMS_FUNCTION}(lang, body_html, 1) FROM comments",
    "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "  # noqa: S608
    f"SELECT comment_id, lang, 1, {TERMS_FUNCTION}(lang, body_html, 0), "
    f"{TERMS_FUNCTION}(lang, body_html, 1) FROM comment_translations",
    # From the entries just written, compacting the index as it goes.
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",  # noqa: S608
)
_POSTGRESQL = (
    "DELETE FROM search_entries",
    "INSERT INTO search_entries (comment_id, lang, translated, document) "
    "SELECT id, lang, false, roundtable_search_document(lang, body_html) FROM comments",
    "INSERT INTO search_entries (comment_id, lang, translated, document) "
    "SELECT comment_id, lang, true, roundtable_search_document(lang, body_html) "
    "FROM comment_translations",
)


def rebuild(connection: Connection) -> int:
    """Index every text again; the number of entries made."""
    statements = _SQLITE if connection.dialect.name == "sqlite" else _POSTGRESQL
    made = 0
    for statement in statements:
        result = connection.execute(text(statement))
        if statement.startswith("INSERT INTO search_entries"):
            made += max(result.rowcount, 0)
    return made
