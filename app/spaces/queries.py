"""Select builders for spaces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select

from app.models import Comment, Space, SpaceModerator, SpaceText, User
from app.models.comments import CommentKind
from app.models.spaces import AttributionRule
from app.policy import Purpose, for_purpose


def space_by_slug(slug: str) -> Select[Space]:
    return select(Space).where(Space.slug == slug)


def space_stamp(slug: str) -> Select[int, datetime, int, datetime, datetime | None]:
    return select(
        Space.id, Space.created_at, Space.content_version, Space.opens_at, Space.closes_at
    ).where(Space.slug == slug)


def texts_for(space_ids: Sequence[int]) -> Select[SpaceText]:
    return select(SpaceText).where(SpaceText.space_id.in_(space_ids))


def moderators_for(space_ids: Sequence[int]) -> Select[int, int, str]:
    return (
        select(SpaceModerator.space_id, User.id, User.display_name)
        .join(User, User.id == SpaceModerator.user_id)
        .where(SpaceModerator.space_id.in_(space_ids))
        .order_by(User.display_name_key)
    )


def space_titles() -> Select[int, str, AttributionRule, str, str, str]:
    """Each space's address, rule and title in each of its languages, newest first."""
    return (
        select(
            Space.id,
            Space.slug,
            Space.attribution,
            Space.original_lang,
            SpaceText.lang,
            SpaceText.title,
        )
        .join(SpaceText, SpaceText.space_id == Space.id)
        .order_by(Space.opens_at.desc(), Space.id)
    )


def moderator_ids() -> Select[int, int]:
    return select(SpaceModerator.space_id, SpaceModerator.user_id)


def all_spaces() -> Select[Space]:
    return select(Space).order_by(Space.opens_at.desc(), Space.id)


def comment_counts(space_ids: Sequence[int]) -> Select[int, int]:
    # The public counts: published only, whoever reads.
    return for_purpose(
        select(Comment.space_id, func.count(Comment.id))
        .where(Comment.space_id.in_(space_ids), Comment.kind == CommentKind.COMMENT)
        .group_by(Comment.space_id),
        Purpose.PUBLISHED,
    )
