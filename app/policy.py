"""Who may see and do what: the one module that decides, for every channel.

Routes use the `can_*` predicates to answer 403/404 and templates use them to show or
hide a button; queries go through `visible_comments`, so a list, a page, a fragment, a
download and an export cannot disagree about what a viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, or_

from app.models import Comment, Space, User
from app.models.comments import STATUS_HIDDEN, STATUS_PUBLISHED
from app.models.spaces import (
    ATTRIBUTION_CHATHAM_HOUSE,
    ATTRIBUTION_CONSENT,
    ATTRIBUTION_NAMED,
    PRE_MODERATION,
)


class Authored(Protocol):
    """A comment as a model row or as a view: who wrote it, and where."""

    author_id: int
    space_id: int


class Moderated(Authored, Protocol):
    status: str


@dataclass(frozen=True)
class Person:
    """A signed-in account as a plain value, safe to use after the session has closed."""

    id: int
    display_name: str
    is_admin: bool
    locale: str
    created_at: datetime
    # Until the address is confirmed, the layout offers a new verification link.
    email_verified: bool = True

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(
            id=user.id,
            display_name=user.display_name,
            is_admin=user.is_admin,
            locale=user.locale,
            created_at=user.created_at,
            email_verified=user.email_verified_at is not None,
        )


@dataclass(frozen=True)
class Viewer:
    """The person behind a request (or nobody), the spaces they moderate and their bans."""

    user: Person | None = None
    moderated_space_ids: frozenset[int] = field(default_factory=frozenset)
    banned_everywhere: bool = False
    banned_space_ids: frozenset[int] = field(default_factory=frozenset)
    # Items waiting for a moderator's decision in the spaces this person moderates.
    queue_count: int = 0

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def is_admin(self) -> bool:
        return bool(self.user and self.user.is_admin)

    def moderates(self, space_id: int) -> bool:
        return self.is_admin or space_id in self.moderated_space_ids

    @property
    def moderates_any(self) -> bool:
        return self.is_admin or bool(self.moderated_space_ids)

    def banned_from(self, space_id: int) -> bool:
        return self.banned_everywhere or space_id in self.banned_space_ids


ANONYMOUS = Viewer()


def space_is_open(space: Space, now: datetime) -> bool:
    return space_phase(space.opens_at, space.closes_at, now) == "open"


def space_phase(opens_at: datetime, closes_at: datetime | None, now: datetime) -> str:
    """'soon', 'open' or 'closed': everything the clock changes on a reader's page."""
    if now < opens_at:
        return "soon"
    return "open" if closes_at is None or now < closes_at else "closed"


def can_post(viewer: Viewer, space: Space, now: datetime) -> bool:
    if not viewer.signed_in:
        return False
    if viewer.moderates(space.id):
        return True
    return space_is_open(space, now) and not viewer.banned_from(space.id)


def can_reply(viewer: Viewer, space: Space, now: datetime, *, thread_locked: bool) -> bool:
    return can_post(viewer, space, now) and (not thread_locked or viewer.moderates(space.id))


def needs_review(viewer: Viewer, space: Space) -> bool:
    """Whether a new comment waits in the queue before anyone else sees it."""
    return space.posting_policy == PRE_MODERATION and not viewer.moderates(space.id)


def can_ask_question(viewer: Viewer, space: Space) -> bool:
    return viewer.moderates(space.id)


def can_moderate(viewer: Viewer, space_id: int) -> bool:
    return viewer.moderates(space_id)


def can_administer(viewer: Viewer) -> bool:
    """Site-wide settings, spaces, users, imports and exports of whole spaces."""
    return viewer.is_admin


def can_ban_everywhere(viewer: Viewer) -> bool:
    return viewer.is_admin


def can_read_audit(viewer: Viewer, space_id: int | None) -> bool:
    return viewer.is_admin if space_id is None else viewer.moderates(space_id)


def is_author(viewer: Viewer, comment: Authored) -> bool:
    return viewer.user_id is not None and viewer.user_id == comment.author_id


def can_edit(viewer: Viewer, comment: Moderated, space: Space, now: datetime) -> bool:
    """Authors edit their own words while the space is open and they may post there."""
    if not is_author(viewer, comment) or comment.status == STATUS_HIDDEN:
        return False
    return viewer.moderates(space.id) or (
        space_is_open(space, now) and not viewer.banned_from(space.id)
    )


def can_translate(viewer: Viewer, comment: Moderated, space: Space, now: datetime) -> bool:
    return can_edit(viewer, comment, space, now)


def can_flag(viewer: Viewer, comment: Moderated) -> bool:
    return (
        viewer.signed_in
        and not is_author(viewer, comment)
        and comment.status == STATUS_PUBLISHED
        and not viewer.banned_from(comment.space_id)
    )


def can_see_content(viewer: Viewer, comment: Moderated) -> bool:
    """Published text is public; anything else only for its author and the moderators."""
    return (
        comment.status == STATUS_PUBLISHED
        or is_author(viewer, comment)
        or viewer.moderates(comment.space_id)
    )


def can_view_history(viewer: Viewer, comment: Moderated) -> bool:
    return is_author(viewer, comment) or viewer.moderates(comment.space_id)


def visible_comments(query: Select[Any], viewer: Viewer, *, listing: bool = False) -> Select[Any]:
    """Narrow a comment query to what this viewer may see.

    In a thread listing, hidden comments stay as placeholders so their replies keep
    their place; anywhere else (a permalink, a download, an export) they do not exist
    for those who may not see them.
    """
    if viewer.is_admin:
        return query
    allowed: list[Any] = [Comment.status == STATUS_PUBLISHED]
    if listing:
        allowed.append(Comment.status == STATUS_HIDDEN)
    if viewer.user_id is not None:
        allowed.append(Comment.author_id == viewer.user_id)
    if viewer.moderated_space_ids:
        allowed.append(Comment.space_id.in_(viewer.moderated_space_ids))
    return query.where(or_(*allowed))


def may_name(
    viewer: Viewer,
    space: Space,
    *,
    author_id: int,
    author_is_moderator: bool,
    named_consent: bool,
) -> bool:
    """Whether this viewer may see who wrote a comment, under the space's attribution rule.

    Moderators always know who wrote what; moderators' own posts are official and signed.
    """
    if space.attribution == ATTRIBUTION_CHATHAM_HOUSE:
        named = False
    elif space.attribution == ATTRIBUTION_CONSENT:
        named = named_consent
    else:
        named = True
    return named or author_is_moderator or viewer.moderates(space.id) or viewer.user_id == author_id


def named_in_export(space: Space, *, author_is_moderator: bool, named_consent: bool) -> bool:
    """Whether a note, digest or export may carry an author's name.

    Unlike pages, exports leave the site: they never say more than the space's rule
    allows, whoever makes them. Moderators' own questions are official and signed.
    """
    if author_is_moderator or space.attribution == ATTRIBUTION_NAMED:
        return True
    return space.attribution == ATTRIBUTION_CONSENT and named_consent
