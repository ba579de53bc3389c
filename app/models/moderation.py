"""Flags, bans and the append-only audit trail of moderation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, state_type, utcnow


class FlagReason(StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off-topic"
    PERSONAL_DATA = "personal-data"
    OTHER = "other"  # always with details


class FlagResolution(StrEnum):
    """What became of a report once a moderator acted on its comment."""

    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"


class ModerationAction(StrEnum):
    """An audit event's action, as stored; the transparency page counts them."""

    HIDE = "hide"
    AUTO_HIDE = "auto-hide"  # by the flag threshold, with no actor
    RESTORE = "restore"
    APPROVE = "approve"
    REJECT = "reject"
    DISMISS_FLAGS = "dismiss-flags"
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"
    MOVE = "move"
    CLOSE_SPACE = "close-space"
    BAN = "ban"
    LIFT_BAN = "lift-ban"
    SETTINGS = "settings"


class AuditTarget(StrEnum):
    """What an audit event acted on: its target_id is a row of this kind."""

    COMMENT = "comment"
    USER = "user"
    SPACE = "space"


class Flag(Base):
    """One person's report of one comment; a second report by the same person is refused."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id", name="uq_flags_comment_id_user_id"),
        Index("ix_flags_open", "resolved_at", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[FlagReason] = mapped_column(state_type(FlagReason, 20))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution: Mapped[FlagResolution | None] = mapped_column(
        state_type(FlagResolution, 20), nullable=True
    )


class Ban(Base):
    """A suspension from posting: site-wide when space_id is empty, open-ended without an end."""

    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ModerationEvent(Base):
    """An append-only record of one moderation action, written with the change itself."""

    __tablename__ = "moderation_events"
    __table_args__ = (Index("ix_moderation_events_space_id_created_at", "space_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("spaces.id", ondelete="SET NULL"), nullable=True
    )
    # Empty for the system itself (an automatic hide after enough flags).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[ModerationAction] = mapped_column(state_type(ModerationAction, 40))
    target_type: Mapped[AuditTarget] = mapped_column(state_type(AuditTarget, 20))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
