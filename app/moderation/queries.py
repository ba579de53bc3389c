"""Select builders for the moderation queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, union
from sqlalchemy.orm import Session

from app.models import Ban, Comment, Flag, User
from app.models.comments import STATUS_HIDDEN, STATUS_PENDING
from app.policy import Purpose, for_purpose

QUEUE_FILTERS = ("pending", "flagged", "hidden")


def open_flag_counts() -> Select:  # type: ignore[type-arg]
    return (
        select(Flag.comment_id, func.count(Flag.id).label("flags"))
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.comment_id)
        .subquery()  # type: ignore[return-value]
    )


def queue(space_id: int, show: str, limit: int = 200) -> Select:  # type: ignore[type-arg]
    """Comments needing a decision, oldest first, with their open flag count."""
    flags = open_flag_counts()
    query = (
        select(
            Comment.id,
            Comment.status,
            Comment.kind,
            Comment.lang,
            Comment.body_html,
            Comment.created_at,
            Comment.moderation_reason,
            User.display_name.label("author_name"),
            User.id.label("author_id"),
            func.coalesce(flags.c.flags, 0).label("flags"),
        )
        .join(User, User.id == Comment.author_id)
        .outerjoin(flags, flags.c.comment_id == Comment.id)
        .where(Comment.space_id == space_id)
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    )
    if show == "pending":
        return query.where(Comment.status == STATUS_PENDING)
    if show == "hidden":
        return query.where(Comment.status == STATUS_HIDDEN)
    return query.where(flags.c.flags > 0)


def counts(space_id: int) -> Select:  # type: ignore[type-arg]
    """(pending, flagged) for a space, for the moderators' navigation."""
    pending = (
        select(func.count(Comment.id))
        .where(Comment.space_id == space_id, Comment.status == STATUS_PENDING)
        .scalar_subquery()
    )
    flagged = (
        select(func.count(func.distinct(Flag.comment_id)))
        .join(Comment, Comment.id == Flag.comment_id)
        .where(Comment.space_id == space_id, Flag.resolved_at.is_(None))
        .scalar_subquery()
    )
    return select(pending.label("pending"), flagged.label("flagged"))


def waiting_count(space_ids: Sequence[int] | None) -> Select:  # type: ignore[type-arg]
    """Pending comments plus comments with open flags, in these spaces (None: all)."""
    pending = select(Comment.id).where(Comment.status == STATUS_PENDING)
    flagged = select(Flag.comment_id.label("id")).where(Flag.resolved_at.is_(None))
    if space_ids is not None:
        pending = pending.where(Comment.space_id.in_(space_ids))
        flagged = flagged.join(Comment, Comment.id == Flag.comment_id).where(
            Comment.space_id.in_(space_ids)
        )
    waiting = union(pending, flagged).subquery()
    # Counted while the reader is being resolved, before the gate knows who reads: the
    # caller names the spaces this person moderates.
    return for_purpose(select(func.count()).select_from(waiting), Purpose.QUEUE)


def flags_for(comment_id: int) -> Select:  # type: ignore[type-arg]
    return (
        select(Flag.reason, Flag.details, Flag.created_at, Flag.resolved_at, Flag.resolution)
        .where(Flag.comment_id == comment_id)
        .order_by(Flag.created_at)
    )


def open_flags_by_comment(db: Session, comment_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Open reports on these comments, reporter-free: moderators judge the words, not who."""
    found: dict[int, list[Row[Any]]] = defaultdict(list)
    if comment_ids:
        rows = db.execute(
            select(Flag.comment_id, Flag.reason, Flag.details, Flag.created_at)
            .where(Flag.comment_id.in_(comment_ids), Flag.resolved_at.is_(None))
            .order_by(Flag.created_at)
        )
        for row in rows:
            found[row.comment_id].append(row)
    return found


def active_bans(space_id: int | None, now: datetime) -> Select:  # type: ignore[type-arg]
    """Suspensions in force for a space (or site-wide ones when space_id is None)."""
    query = (
        select(Ban.id, Ban.reason, Ban.starts_at, Ban.ends_at, Ban.space_id, User.display_name)
        .join(User, User.id == Ban.user_id)
        .where(
            Ban.lifted_at.is_(None),
            Ban.starts_at <= now,
            or_(Ban.ends_at.is_(None), Ban.ends_at > now),
        )
        .order_by(Ban.starts_at.desc())
    )
    if space_id is None:
        return query.where(Ban.space_id.is_(None))
    return query.where(Ban.space_id == space_id)


def flag_reason_counts(space_id: int) -> Select:  # type: ignore[type-arg]
    """How often each reason was given in reports on this space, and how they ended."""
    return (
        select(Flag.reason, Flag.resolution, func.count(Flag.id))
        .join(Comment, Comment.id == Flag.comment_id)
        .where(Comment.space_id == space_id)
        .group_by(Flag.reason, Flag.resolution)
        .order_by(Flag.reason, Flag.resolution)
    )
