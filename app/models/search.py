"""The search index: one entry per text of a comment (its own, and each translation)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import LANG, Base

# What each database adds to the index in its own terms, which the models do not map
# (migrations create them; app/fulltext reads them): SQLite's stems and FTS5 table,
# PostgreSQL's tsvector and its GIN index.
DIALECT_COLUMNS = frozenset({"exact", "plain", "document"})
DIALECT_INDEXES = frozenset({"ix_search_entries_document"})
FTS_PREFIX = "search_fts"


class SearchEntry(Base):
    """Kept by database triggers on `comments` and `comment_translations`, never by hand."""

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    # The language the text is written in, and whether it is the author's translation.
    lang: Mapped[str] = mapped_column(LANG)
    translated: Mapped[bool] = mapped_column(Boolean, default=False)


def compared(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic's include_name: leave out the index parts the models do not map."""
    if type_ == "table":
        return not (name or "").startswith(FTS_PREFIX)
    if type_ == "column" and parent_names.get("table_name") == SearchEntry.__tablename__:
        return name not in DIALECT_COLUMNS
    if type_ == "index":
        return name not in DIALECT_INDEXES
    return True
