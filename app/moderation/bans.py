"""Suspensions: from one space or, by an administrator, from every space."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app import policy
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import gettext
from app.models import Ban, User, UserSession
from app.models.moderation import AuditTarget, ModerationAction
from app.moderation import audit
from app.moderation.changes import clean_reason, require_moderator
from app.policy import Viewer


@dataclass(frozen=True)
class BanRequest:
    user_id: int
    space_id: int | None  # None: every space
    reason: str
    ends_at: datetime | None


def ban(db: Session, viewer: Viewer, request: BanRequest, *, now: datetime) -> Ban:
    """Suspend a person from posting; they keep reading, and are signed out everywhere."""
    if request.space_id is None:
        if not policy.can_ban_everywhere(viewer):
            raise Forbidden(gettext("Only administrators can suspend someone everywhere."))
    else:
        require_moderator(viewer, request.space_id)
    target = db.get(User, request.user_id)
    if target is None:
        raise NotFound
    if target.id == viewer.user_id or target.is_admin:
        raise FormErrors({"reason": gettext("This account cannot be suspended.")})
    if request.ends_at is not None and request.ends_at <= now:
        raise FormErrors({"ends_at": gettext("The end date must be in the future.")})
    assert viewer.user_id is not None
    record = Ban(
        user_id=target.id,
        space_id=request.space_id,
        reason=clean_reason(request.reason, required=True),
        starts_at=now,
        ends_at=request.ends_at,
        created_by_id=viewer.user_id,
    )
    db.add(record)
    # Revoked sessions: the suspension takes effect on their very next request.
    db.execute(delete(UserSession).where(UserSession.user_id == target.id))
    db.flush()
    audit.record(
        db,
        viewer,
        ModerationAction.BAN,
        target_type=AuditTarget.USER,
        target_id=target.id,
        space_id=request.space_id,
        reason=record.reason,
        now=now,
    )
    return record


def lift_ban(db: Session, viewer: Viewer, ban_id: int, *, reason: str, now: datetime) -> None:
    record = db.get(Ban, ban_id)
    if record is None:
        raise NotFound
    if record.space_id is None:
        if not policy.can_ban_everywhere(viewer):
            raise Forbidden(gettext("Only administrators can suspend someone everywhere."))
    else:
        require_moderator(viewer, record.space_id)
    record.lifted_at = now
    audit.record(
        db,
        viewer,
        ModerationAction.LIFT_BAN,
        target_type=AuditTarget.USER,
        target_id=record.user_id,
        space_id=record.space_id,
        reason=clean_reason(reason, required=False),
        now=now,
    )
    db.flush()


def parse_day(raw: str, field: str) -> datetime | None:
    """A date from an <input type=date> as midnight UTC; empty means none."""
    text = raw.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise FormErrors({field: gettext("Enter a date such as 2027-03-31.")}) from None
