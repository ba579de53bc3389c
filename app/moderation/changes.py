"""What every moderation step shares: the moderator check, the reason, the audit event.

Every change and its audit event are flushed together; the request's unit of work
commits them as one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app import policy
from app.errors import Forbidden, FormErrors
from app.i18n import gettext
from app.models import Comment
from app.models.comments import CommentStatus
from app.models.moderation import AuditTarget, ModerationAction
from app.moderation import audit
from app.policy import Viewer

MAX_REASON = 1000


def clean_reason(raw: str, *, required: bool) -> str:
    reason = " ".join(raw.split())[:MAX_REASON]
    if required and not reason:
        raise FormErrors({"reason": gettext("Give a reason: it is kept in the audit log.")})
    return reason


def require_moderator(viewer: Viewer, space_id: int) -> None:
    if not policy.can_moderate(viewer, space_id):
        raise Forbidden(gettext("Only the space's moderators can do this."))


def log_comment(
    db: Session,
    viewer: Viewer | None,
    action: ModerationAction,
    comment: Comment,
    reason: str,
    now: datetime,
) -> None:
    """The audit event of a decision about one comment, flushed with the change itself."""
    audit.record(
        db,
        viewer,
        action,
        target_type=AuditTarget.COMMENT,
        target_id=comment.id,
        space_id=comment.space_id,
        reason=reason,
        now=now,
    )
    db.flush()


def set_status(
    db: Session,
    viewer: Viewer | None,
    comment: Comment,
    status: CommentStatus,
    action: ModerationAction,
    reason: str,
    now: datetime,
) -> None:
    comment.status = status
    comment.moderated_at = now
    comment.moderation_reason = reason
    # Only the system acts without a viewer: a hide by the flag threshold.
    comment.hidden_by_flags = viewer is None and status == CommentStatus.HIDDEN
    log_comment(db, viewer, action, comment, reason, now)
