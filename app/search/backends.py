"""The one search statement, with the database's own matching and scoring inside it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from app.fulltext import postgresql, sqlite
from app.fulltext.query import SearchQuery
from app.models import Comment, SearchEntry


def matching_entries(dialect: str, query: SearchQuery) -> Select[Any]:
    """Entries matching `query`, joined to their comments, with a `score` (higher: better).

    The comments are the ORM's entity, so the read gate narrows them to what the session's
    reader may see; conditions on them (filters) are added by the caller.
    """
    score: ColumnElement[float]
    statement = select(SearchEntry.comment_id, SearchEntry.lang, SearchEntry.translated)
    if dialect == "sqlite":
        score = sqlite.score()
        statement = statement.select_from(sqlite.fts).join(
            SearchEntry, SearchEntry.id == sqlite.fts.c.rowid
        )
        matched = sqlite.matches(query)
    else:
        score = postgresql.score(query)
        matched = postgresql.matches(query)
    return (
        statement.add_columns(score.label("score"), Comment.created_at)
        .join(Comment, Comment.id == SearchEntry.comment_id)
        .where(matched)
    )


def best_entry_first(hits: Any) -> ColumnElement[int]:
    """1 for each comment's best-scoring entry (its own text before a translation on a tie)."""
    return func.row_number().over(
        partition_by=hits.c.comment_id,
        order_by=(hits.c.score.desc(), hits.c.translated, hits.c.lang),
    )
