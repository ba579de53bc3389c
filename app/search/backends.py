"""The one search statement, with the database's own matching and scoring inside it.

A search reads at most CANDIDATES matching texts, the most recent first (the oldest first
for a search in date order from the oldest), with the reader's gate and filters applied as
they are read; relevance orders those. A search matching more says so and asks to be
narrowed: its cost is bounded whatever it matches, which is what keeps the common words of
a consultation ("migrants", "travailleurs") as quick to search as its rare ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session, aliased

from app.fulltext import postgresql, sqlite
from app.fulltext.query import SearchQuery
from app.models import Comment, SearchEntry

# Texts read at most (a comment and its translations count as several).
CANDIDATES = 300


def without_parallel_workers(db: Session) -> None:
    """PostgreSQL: no parallel workers for this transaction's search.

    Starting them costs more (some 10 ms) than the search they would share, and on a
    busy server they take the cores other requests are waiting for.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def candidates(
    dialect: str,
    query: SearchQuery,
    languages: tuple[str, ...],
    conditions: list[ColumnElement[bool]],
    *,
    oldest_first: bool = False,
) -> Any:
    """A subquery of the matching entries the reader may see, with a `score`.

    The comments are the ORM's entity, so the read gate narrows them to what the session's
    reader may see; `conditions` on them are the caller's filters.
    """
    entry_order = SearchEntry.id.asc() if oldest_first else SearchEntry.id.desc()
    columns = (SearchEntry.id, SearchEntry.comment_id, SearchEntry.lang, SearchEntry.translated)
    if dialect == "sqlite":
        # Scored as the candidates are read, from the stems the entry holds.
        scored = (
            select(
                *columns,
                sqlite.score(query, languages, SearchEntry.__tablename__).label("score"),
                Comment.created_at,
            )
            .select_from(sqlite.fts)
            .join(SearchEntry, SearchEntry.id == sqlite.fts.c.rowid)
            .join(Comment, Comment.id == SearchEntry.comment_id)
            .where(sqlite.matches(query, languages), *conditions)
            .order_by(sqlite.fts.c.rowid.asc() if oldest_first else sqlite.fts.c.rowid.desc())
            .limit(CANDIDATES)
        )
        return scored.subquery("hits")
    # PostgreSQL ranks only the candidates: ts_rank reads each whole document.
    found = (
        select(*columns, Comment.created_at)
        .join(Comment, Comment.id == SearchEntry.comment_id)
        .where(postgresql.matches(query, languages), *conditions)
        .order_by(entry_order)
        .limit(CANDIDATES)
        .subquery("found")
    )
    entry = aliased(SearchEntry, name=postgresql.RANKED)
    score: ColumnElement[float] = postgresql.score(query, languages)
    return select(found, score.label("score")).join(entry, entry.id == found.c.id).subquery("hits")


def best_entry_first(hits: Any) -> ColumnElement[int]:
    """1 for each comment's best-scoring entry (its own text before a translation on a tie)."""
    return func.row_number().over(
        partition_by=hits.c.comment_id,
        order_by=(hits.c.score.desc(), hits.c.translated, hits.c.lang),
    )
