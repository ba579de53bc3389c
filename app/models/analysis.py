"""What the synthesis workbench computes from comments: embeddings, themes, duplicates,
objective suggestions, and the queue of texts waiting to be embedded.

None of these rows holds a participant's words: vectors, character offsets and ids only.
Whoever reads them reads the words through `comments` and `comment_translations`, under
the read gate.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import LANG, Base, UTCDateTime, state_type, utcnow

# The `text_key` of a comment's own text; a translation's is its language.
OWN_TEXT = ""


class AnalysisJob(Base):
    """A text of a comment to embed (again): kept by database triggers, never by hand.

    One row per text; a change while it waits only bumps `generation`, so a worker that
    embedded an older generation leaves the row for the next round.
    """

    __tablename__ = "analysis_jobs"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    text_key: Mapped[str] = mapped_column(LANG, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A worker's lease: nobody else takes the job before then (NULL: due now).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")


class Embedding(Base):
    """The vector of one text of a comment, and one per sentence of it."""

    __tablename__ = "embeddings"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    text_key: Mapped[str] = mapped_column(LANG, primary_key=True)
    lang: Mapped[str] = mapped_column(LANG)  # the language the text is written in
    comment_version: Mapped[int] = mapped_column(Integer)
    source_hash: Mapped[str] = mapped_column(String(64))  # curation.service.fingerprint
    model: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    # [[start, end], …] character offsets of each sentence in the text, and their vectors.
    sentences: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    sentence_vectors: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeKind(StrEnum):
    THEME = "theme"
    OTHER = "other"  # off-topic, very short, or like nothing else: set apart


class Theme(Base):
    """Comments of one question (or of participants' own posts) that say the same thing.

    Its id outlives recomputations: a new grouping is matched to the themes it resembles,
    so a moderator's name, merges, splits and moves stay with it.
    """

    __tablename__ = "themes"
    __table_args__ = (Index("ix_themes_space_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    question_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[ThemeKind] = mapped_column(state_type(ThemeKind, 10), default=ThemeKind.THEME)
    name: Mapped[str] = mapped_column(String(120), default="")  # a moderator's; wins
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # computed, per language
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # [{"comment_id", "text_key", "start", "end", "comment_version", "score"}, …]
    passages: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeMember(Base):
    __tablename__ = "theme_members"
    __table_args__ = (Index("ix_theme_members_theme_id", "theme_id"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    # Put there by a moderator (moved, split off, merged): recomputing never moves it.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class SpaceAnalysis(Base):
    """When a space's themes were last computed, and from which state of its comments."""

    __tablename__ = "space_analyses"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_version: Mapped[int] = mapped_column(Integer)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(String(80), default="")
    # Asked for by a moderator or by new embeddings; the worker recomputes and clears it.
    wanted: Mapped[bool] = mapped_column(Boolean, default=True)
    # The worker recomputing it holds it until then (NULL: nobody).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NearDuplicate(Base):
    """A comment that makes the same point as others: one group per `group_id` (the
    group's lowest comment id)."""

    __tablename__ = "near_duplicates"
    __table_args__ = (Index("ix_near_duplicates_space_id", "space_id"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(Integer)
    similarity: Mapped[float] = mapped_column(Float)


class SuggestionState(StrEnum):
    SUGGESTED = "suggested"
    DISMISSED = "dismissed"  # remembered: never suggested again for this comment


class ObjectiveSuggestion(Base):
    __tablename__ = "objective_suggestions"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[int] = mapped_column(Integer, primary_key=True)
    confidence: Mapped[float] = mapped_column(Float)
    state: Mapped[SuggestionState] = mapped_column(
        state_type(SuggestionState, 10), default=SuggestionState.SUGGESTED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
