"""Reports on comments: filing one, the threshold that hides, and closing them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import policy
from app.errors import Forbidden, FormErrors
from app.i18n import gettext
from app.models import Comment, Flag, Space
from app.models.base import state_or_none
from app.models.comments import CommentStatus
from app.models.moderation import FlagReason, FlagResolution, ModerationAction
from app.moderation.changes import (
    MAX_REASON,
    clean_reason,
    log_comment,
    require_moderator,
    set_status,
)
from app.policy import Viewer


def resolve_flags(db: Session, comment_id: int, resolution: FlagResolution, now: datetime) -> None:
    db.execute(
        update(Flag)
        .where(Flag.comment_id == comment_id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution)
    )


def dismiss_flags(
    db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime
) -> None:
    require_moderator(viewer, comment.space_id)
    resolve_flags(db, comment.id, FlagResolution.DISMISSED, now)
    text = clean_reason(reason, required=False)
    log_comment(db, viewer, ModerationAction.DISMISS_FLAGS, comment, text, now)


def flag(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    reason: str,
    details: str,
    now: datetime,
) -> Flag:
    """Report a comment; enough distinct reporters hide it until a moderator reviews it."""
    if not viewer.signed_in:
        raise Forbidden(gettext("Sign in to take part in the discussion."))
    if not policy.can_flag(viewer, comment):
        raise FormErrors({"reason": gettext("You cannot report this comment.")})
    chosen = state_or_none(FlagReason, reason)
    if chosen is None:
        raise FormErrors({"reason": gettext("Choose a reason for your report.")})
    text = " ".join(details.split())[:MAX_REASON]
    if chosen is FlagReason.OTHER and not text:
        raise FormErrors({"details": gettext("Please say what is wrong with this comment.")})
    assert viewer.user_id is not None
    if (
        db.scalar(
            select(Flag.id).where(Flag.comment_id == comment.id, Flag.user_id == viewer.user_id)
        )
        is not None
    ):
        raise FormErrors({"reason": gettext("You have already reported this comment.")})
    report = Flag(
        comment_id=comment.id, user_id=viewer.user_id, reason=chosen, details=text, created_at=now
    )
    db.add(report)
    db.flush()
    flaggers = (
        db.scalar(
            select(func.count(func.distinct(Flag.user_id))).where(
                Flag.comment_id == comment.id, Flag.resolved_at.is_(None)
            )
        )
        or 0
    )
    if flaggers >= space.flag_threshold and comment.status == CommentStatus.PUBLISHED:
        set_status(
            db,
            None,
            comment,
            CommentStatus.HIDDEN,
            ModerationAction.AUTO_HIDE,
            gettext("Reported by %(count)d participants; awaiting review.", count=flaggers),
            now,
        )
    return report
