"""Comments and questions, their authors' translations, revisions and attachments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import LANG, Base, PathString, UTCDateTime, state_type, utcnow


class CommentKind(StrEnum):
    QUESTION = "question"  # posted by a moderator, numbered, the root of a thread
    COMMENT = "comment"


class CommentStatus(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"  # waiting in a pre-moderated space's queue
    HIDDEN = "hidden"  # removed by a moderator (or by flags), replies stay visible
    REJECTED = "rejected"  # refused from the queue: never published


class Comment(Base):
    """A question (moderators, numbered) or a comment; both thread the same way."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("space_id", "path", name="uq_comments_space_id_path"),
        Index("ix_comments_parent_id", "parent_id"),
        Index("ix_comments_author_id", "author_id"),
        # A space page counts published comments and finds locked threads on every view:
        # without these, both read every row (bodies included) of the space.
        Index("ix_comments_space_id_kind_status", "space_id", "kind", "status"),
        Index("ix_comments_space_id_locked", "space_id", "locked"),
        # A retried post carries the same key and finds the comment already made.
        UniqueConstraint(
            "author_id", "idempotency_key", name="uq_comments_author_id_idempotency_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True
    )
    # Materialised path: one fixed-width segment per ancestor, so ORDER BY path is
    # thread order and a whole space page is one range scan.
    path: Mapped[str] = mapped_column(PathString)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[CommentKind] = mapped_column(
        state_type(CommentKind, 16), default=CommentKind.COMMENT
    )
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lang: Mapped[str] = mapped_column(LANG)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CommentStatus] = mapped_column(
        state_type(CommentStatus, 16), default=CommentStatus.PUBLISHED
    )
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    # Hidden by the flag threshold, not by a moderator: the page says it awaits review.
    hidden_by_flags: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # On roots: a pinned question leads the page; a locked thread takes no new replies.
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Under the "consent" attribution rule: may this comment be cited by name?
    named_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Chosen by the client for each new post (form field or Idempotency-Key header).
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CommentTranslation(Base):
    """The author's own rendering of a comment (or a question) in another language."""

    __tablename__ = "comment_translations"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(LANG, primary_key=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CommentRevision(Base):
    """A superseded text of a comment or of one of its translations."""

    __tablename__ = "comment_revisions"
    __table_args__ = (Index("ix_comment_revisions_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(LANG)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # When this text was first published (it stopped being current at the next revision).
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Attachment(Base):
    """A position paper; the file lives outside the web root under a random name."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
