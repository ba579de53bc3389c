"""Select builders for the moderation queue."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Select, Subquery, func, or_, select, union
from sqlalchemy.orm import Session

from app.models import Ban, Comment, Flag, NearDuplicate, Space, User
from app.models.comments import CommentStatus
from app.models.moderation import FlagReason, FlagResolution
from app.policy import Purpose, for_purpose

# comment_id, reason, details, created_at of a report not yet resolved.
OpenFlag = Row[int, FlagReason, str, datetime]


class QueueFilter(StrEnum):
    """Which part of a space's moderation queue a page lists."""

    PENDING = "pending"  # awaiting a decision in a pre-moderated space
    FLAGGED = "flagged"  # with open reports
    HIDDEN = "hidden"


def open_flag_counts() -> Subquery:
    return (
        select(Flag.comment_id, func.count(Flag.id).label("flags"))
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.comment_id)
        .subquery()
    )


def queue(space_id: int, show: QueueFilter, limit: int = 200) -> Select[*tuple[Any, ...]]:
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
    if show is QueueFilter.PENDING:
        return query.where(Comment.status == CommentStatus.PENDING)
    if show is QueueFilter.HIDDEN:
        return query.where(Comment.status == CommentStatus.HIDDEN)
    return query.where(flags.c.flags > 0)


def counts(space_ids: Sequence[int]) -> Select[int, int, int]:
    """(space_id, pending, flagged) of each of these spaces, in one statement."""
    pending = (
        select(func.count(Comment.id))
        .where(Comment.space_id == Space.id, Comment.status == CommentStatus.PENDING)
        .scalar_subquery()
    )
    flagged = (
        select(func.count(func.distinct(Flag.comment_id)))
        .join(Comment, Comment.id == Flag.comment_id)
        .where(Comment.space_id == Space.id, Flag.resolved_at.is_(None))
        .scalar_subquery()
    )
    return select(
        Space.id.label("space_id"), pending.label("pending"), flagged.label("flagged")
    ).where(Space.id.in_(space_ids))


def waiting_count(space_ids: Sequence[int] | None) -> Select[int]:
    """Pending comments plus comments with open flags, in these spaces (None: all)."""
    pending = select(Comment.id).where(Comment.status == CommentStatus.PENDING)
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


def flags_for(
    comment_id: int,
) -> Select[FlagReason, str, datetime, datetime | None, FlagResolution | None]:
    return (
        select(Flag.reason, Flag.details, Flag.created_at, Flag.resolved_at, Flag.resolution)
        .where(Flag.comment_id == comment_id)
        .order_by(Flag.created_at)
    )


def open_flags_by_comment(db: Session, comment_ids: Sequence[int]) -> dict[int, list[OpenFlag]]:
    """Open reports on these comments, reporter-free: moderators judge the words, not who."""
    found: dict[int, list[OpenFlag]] = defaultdict(list)
    if comment_ids:
        rows = db.execute(
            select(Flag.comment_id, Flag.reason, Flag.details, Flag.created_at)
            .where(Flag.comment_id.in_(comment_ids), Flag.resolved_at.is_(None))
            .order_by(Flag.created_at)
        )
        for row in rows:
            found[row.comment_id].append(row)
    return found


def active_bans(
    space_id: int | None, now: datetime
) -> Select[int, str, datetime, datetime | None, int | None, str]:
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


def flag_reason_counts(space_id: int) -> Select[FlagReason, FlagResolution | None, int]:
    """How often each reason was given in reports on this space, and how they ended."""
    return (
        select(Flag.reason, Flag.resolution, func.count(Flag.id))
        .join(Comment, Comment.id == Flag.comment_id)
        .where(Comment.space_id == space_id)
        .group_by(Flag.reason, Flag.resolution)
        .order_by(Flag.reason, Flag.resolution)
    )


def repeats_of(db: Session, comment_ids: Sequence[int]) -> dict[int, int]:
    """How many other comments each of these repeats (its group of near-duplicates, as
    the synthesis worker found it, less itself); comments in no group are left out."""
    rows = db.execute(
        select(NearDuplicate.comment_id, NearDuplicate.group_id).where(
            NearDuplicate.comment_id.in_(comment_ids)
        )
    ).all()
    if not rows:
        return {}
    sizes = Counter(
        db.scalars(
            select(NearDuplicate.group_id).where(
                NearDuplicate.group_id.in_({r.group_id for r in rows})
            )
        )
    )
    return {r.comment_id: sizes[r.group_id] - 1 for r in rows if sizes[r.group_id] > 1}
