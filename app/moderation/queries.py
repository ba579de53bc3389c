"""Select builders for the moderation queue."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app.models import Comment, Flag, User
from app.models.comments import STATUS_HIDDEN, STATUS_PENDING

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


def flags_for(comment_id: int) -> Select:  # type: ignore[type-arg]
    return (
        select(Flag.reason, Flag.details, Flag.created_at, Flag.resolved_at, Flag.resolution)
        .where(Flag.comment_id == comment_id)
        .order_by(Flag.created_at)
    )
