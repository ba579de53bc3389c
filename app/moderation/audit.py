"""The audit trail: one append-only event per moderation action, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import ModerationEvent, User
from app.models.moderation import AuditTarget, ModerationAction
from app.policy import Viewer


def record(
    db: Session,
    viewer: Viewer | None,
    action: ModerationAction,
    *,
    target_type: AuditTarget,
    target_id: int,
    space_id: int | None,
    reason: str = "",
    now: datetime,
) -> ModerationEvent:
    event = ModerationEvent(
        space_id=space_id,
        actor_id=viewer.user_id if viewer else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        created_at=now,
    )
    db.add(event)
    return event


def events(
    space_id: int | None, *, action: ModerationAction | None = None, limit: int = 200
) -> Select[ModerationEvent, str]:
    """Newest first, with the actor's name; all spaces when space_id is None."""
    query = (
        select(ModerationEvent, User.display_name.label("actor_name"))
        .outerjoin(User, User.id == ModerationEvent.actor_id)
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
        .limit(limit)
    )
    if space_id is not None:
        query = query.where(ModerationEvent.space_id == space_id)
    if action:
        query = query.where(ModerationEvent.action == action)
    return query


def counts(space_id: int) -> Select[ModerationAction, int]:
    """Actions and reasons counted, for the public transparency page (no names)."""
    return (
        select(ModerationEvent.action, func.count(ModerationEvent.id))
        .where(ModerationEvent.space_id == space_id)
        .group_by(ModerationEvent.action)
        .order_by(ModerationEvent.action)
    )


@dataclass(frozen=True)
class EventLine:
    """One audit event as the log page shows it."""

    created_at: datetime
    actor_name: str | None  # None: the system (an automatic hide)
    action: ModerationAction
    target_type: AuditTarget
    target_id: int
    target_name: str | None  # a suspended person's name
    space_id: int | None
    reason: str


def listing(
    db: Session, space_id: int | None, *, action: ModerationAction | None
) -> list[EventLine]:
    rows = db.execute(events(space_id, action=action)).all()
    user_ids = {
        r.ModerationEvent.target_id
        for r in rows
        if r.ModerationEvent.target_type == AuditTarget.USER
    }
    names = (
        {
            user_id: name
            for user_id, name in db.execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids))
            )
        }
        if user_ids
        else {}
    )
    return [
        EventLine(
            created_at=r.ModerationEvent.created_at,
            actor_name=r.actor_name,
            action=r.ModerationEvent.action,
            target_type=r.ModerationEvent.target_type,
            target_id=r.ModerationEvent.target_id,
            target_name=names.get(r.ModerationEvent.target_id),
            space_id=r.ModerationEvent.space_id,
            reason=r.ModerationEvent.reason,
        )
        for r in rows
    ]
