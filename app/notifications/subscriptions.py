"""Who gets which e-mail: signed opt-out links, opt-outs, and following spaces.

An unsubscribe token names a person and a kind of e-mail (or "all"); it is signed with
the site's secret key, so it cannot be altered or made up, and it does not expire: an
old e-mail's link keeps working, and it can do nothing but stop e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.i18n import gettext
from app.models import EmailOptOut, Follow, Space, User
from app.notifications.outbox import (
    ALL_KINDS,
    KIND_DECISION,
    KIND_DIGEST,
    KIND_NEW_COMMENT,
    KIND_REPLY,
    KINDS,
)
from app.web import urls

_SALT = "roundtable.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str  # one of KINDS, or ALL_KINDS


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def make_token(secret_key: str, user_id: int, kind: str) -> str:
    if kind not in (*KINDS, ALL_KINDS):
        raise ValueError(f"unknown kind of e-mail: {kind!r}")
    return _serializer(secret_key).dumps([user_id, kind])


def read_token(secret_key: str, token: str) -> Unsubscribe | None:
    """What a token asks for, or None when it was not signed by us (or is malformed)."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadData:
        return None
    match data:
        case [int(user_id), str(kind)] if kind in (*KINDS, ALL_KINDS):
            return Unsubscribe(user_id, kind)
    return None


def unsubscribe_url(base_url: str, locale: str, token: str) -> str:
    return urls.absolute_url(base_url, "unsubscribe", lang=locale, token=token)


def kind_label(kind: str) -> str:
    """What a kind of e-mail is, as the end of "You will no longer receive …"."""
    labels = {
        KIND_REPLY: gettext("e-mails about replies to your comments"),
        KIND_DECISION: gettext("e-mails about moderators' decisions on your comments"),
        KIND_NEW_COMMENT: gettext("e-mails about new comments in spaces you follow"),
        KIND_DIGEST: gettext("the daily moderation digest"),
        ALL_KINDS: gettext("any e-mail from Roundtable"),
    }
    return labels[kind]


def is_opted_out(db: Session, user_id: int, kind: str) -> bool:
    return (
        db.scalar(
            select(EmailOptOut.kind).where(
                EmailOptOut.user_id == user_id, EmailOptOut.kind.in_((kind, ALL_KINDS))
            )
        )
        is not None
    )


def opt_out(db: Session, request: Unsubscribe, now: datetime) -> bool:
    """Record the opt-out (once); False when the account no longer exists."""
    if db.get(User, request.user_id) is None:
        return False
    if db.get(EmailOptOut, (request.user_id, request.kind)) is None:
        db.add(EmailOptOut(user_id=request.user_id, kind=request.kind, created_at=now))
        db.flush()
    return True


def is_following(db: Session, user_id: int, space_id: int) -> bool:
    return db.get(Follow, (user_id, space_id)) is not None


def follow(db: Session, user_id: int, space_id: int, now: datetime) -> None:
    if not is_following(db, user_id, space_id):
        db.add(Follow(user_id=user_id, space_id=space_id, created_at=now))
        db.flush()


def unfollow(db: Session, user_id: int, space_id: int) -> None:
    db.execute(delete(Follow).where(Follow.user_id == user_id, Follow.space_id == space_id))


def space_to_follow(db: Session, slug: str) -> Space:
    """The space a follow or unfollow names by its address."""
    space = db.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise NotFound
    return space
