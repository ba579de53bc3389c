"""Moderators' curation of a consultation: tags, excerpts, editorial states, note drafts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, state_type, utcnow

FREE_TAGS = ""  # the taxonomy key of a space's own free tags


class EditorialState(StrEnum):
    """Where a comment stands for the notes of its space."""

    CANDIDATE = "candidate"
    USED = "used"
    EXCLUDED = "excluded"  # always with a reason


class DraftState(StrEnum):
    """A note draft's review state; an approved draft is frozen."""

    DRAFT = "draft"
    IN_REVIEW = "in-review"
    APPROVED = "approved"


class Tag(Base):
    """A label a moderator puts on comments: a free tag of one space, or a taxonomy term."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("space_id", "taxonomy", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    taxonomy: Mapped[str] = mapped_column(String(20), default=FREE_TAGS)
    # Free tags: the case-folded label; taxonomy terms: the term's code (e.g. "17").
    code: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(80))


class CommentTag(Base):
    __tablename__ = "comment_tags"
    __table_args__ = (Index("ix_comment_tags_tag_id", "tag_id"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Excerpt(Base):
    """A passage a moderator marked in a comment, as it read when it was marked."""

    __tablename__ = "excerpts"
    __table_args__ = (Index("ix_excerpts_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(5))  # the version of the comment it was taken from
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)  # character offsets into that version's text
    end: Mapped[int] = mapped_column(Integer)
    # The comment's version number when marked, and a fingerprint of the text it read:
    # a later edit shows up as a provenance warning.
    comment_version: Mapped[int] = mapped_column(Integer, default=1)
    source_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Curation(Base):
    """A comment's editorial state and the note section it is meant for."""

    __tablename__ = "curations"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    state: Mapped[EditorialState] = mapped_column(
        state_type(EditorialState, 20), default=EditorialState.CANDIDATE
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(Base):
    """A comment or an excerpt set aside for one section of a space's notes."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_space_id_section", "space_id", "section"),
        UniqueConstraint("space_id", "section", "comment_id", "excerpt_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(40))  # a section key of the note templates
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    excerpt_id: Mapped[int | None] = mapped_column(
        ForeignKey("excerpts.id", ondelete="CASCADE"), nullable=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoteDraft(Base):
    """A note being written from a consultation; its content is a versioned document."""

    __tablename__ = "note_drafts"
    __table_args__ = (Index("ix_note_drafts_space_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    # Sections, paragraphs and quotes as plain data (see app/drafts/syntax.py).
    content: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[DraftState] = mapped_column(state_type(DraftState, 20), default=DraftState.DRAFT)
    word_target: Mapped[int] = mapped_column(Integer, default=1000)
    # Every save names the version it started from; a stale one gets 409, never an overwrite.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DraftRevision(Base):
    """Each saved version of a draft, and each change of state: the draft's history."""

    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("note_drafts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[DraftState] = mapped_column(state_type(DraftState, 20))
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
