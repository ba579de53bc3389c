"""Registering, signing in and out, and resolving a session cookie to a viewer."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.accounts import names, passwords
from app.accounts.tokens import token_hash as _token_hash
from app.errors import FormErrors
from app.i18n import LOCALES, gettext
from app.models import Ban, SpaceModerator, User, UserSession
from app.moderation import queries as moderation_queries
from app.policy import ANONYMOUS, Person, Suspension, Viewer

log = logging.getLogger(__name__)

# Refresh last_seen_at at most this often, so reading pages is not a write per request.
_TOUCH_EVERY = timedelta(minutes=15)


def account_of(db: Session, viewer: Viewer) -> User | None:
    """The signed-in reader's own account (None for a reader not signed in)."""
    return db.get(User, viewer.user_id) if viewer.user_id is not None else None


def register(db: Session, *, display_name: str, email: str, password: str, locale: str) -> User:
    name = names.clean_display_name(display_name)
    address = names.clean_email(email)
    errors: dict[str, str] = {}
    if not 2 <= len(name) <= 60:
        errors["display_name"] = gettext("Your name must be between 2 and 60 characters.")
    elif names.has_control_chars(name):
        errors["display_name"] = gettext("Your name contains characters that are not allowed.")
    elif names.is_reserved(name):
        errors["display_name"] = gettext("This name is reserved; please choose another.")
    if not names.looks_like_email(address):
        errors["email"] = gettext("Enter an e-mail address such as name@example.org.")
    weak = passwords.problem(password, personal=passwords.personal_words(name, address))
    if weak:
        errors["password"] = weak
    if not errors:
        key = names.display_name_key(name)
        taken = db.execute(
            select(User.email, User.display_name_key).where(
                (User.email == address) | (User.display_name_key == key)
            )
        ).all()
        if any(row.email == address for row in taken):
            errors["email"] = gettext("An account with this e-mail address already exists.")
        if any(row.display_name_key == key for row in taken):
            errors["display_name"] = gettext("This name is already taken; please choose another.")
    if errors:
        raise FormErrors(errors)
    user = User(
        email=address,
        display_name=name,
        display_name_key=names.display_name_key(name),
        password_hash=passwords.hash_password(password),
        locale=locale if locale in LOCALES else "en",
    )
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, *, email: str, password: str) -> User:
    user = db.scalar(select(User).where(User.email == names.clean_email(email)))
    if not passwords.verify_password(user.password_hash if user else None, password):
        raise FormErrors({"email": gettext("The e-mail address or password is not correct.")})
    assert user is not None
    return user


def start_session(db: Session, user: User, *, now: datetime, max_age: timedelta, agent: str) -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + max_age,
            user_agent=agent[:255],
        )
    )
    db.flush()
    return token


def end_session(db: Session, token: str) -> None:
    db.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))


def sessions_of(
    db: Session, user_id: int, current_token: str | None
) -> list[tuple[UserSession, bool]]:
    """A person's sign-ins, newest first, each marked whether it is this browser."""
    current = _token_hash(current_token) if current_token else ""
    rows = db.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [(row, row.token_hash == current) for row in rows]


def end_other_sessions(
    db: Session, user_id: int, current_token: str, *, session_id: int | None = None
) -> None:
    """End one other sign-in of this person (or all of them), never the current one."""
    query = delete(UserSession).where(
        UserSession.user_id == user_id, UserSession.token_hash != _token_hash(current_token)
    )
    if session_id is not None:
        query = query.where(UserSession.id == session_id)
    db.execute(query)


@contextmanager
def _if_writable(db: Session) -> Iterator[None]:
    """A housekeeping write made while reading a page, given up if the database says no.

    Page views run in read transactions; on SQLite one cannot become a writer while another
    request writes, and the refusal is immediate. Sliding a session's expiry (or deleting an
    expired one) can wait for the next request: the page must not fail for it.
    """
    try:
        with db.begin_nested():
            yield
            db.flush()
    except OperationalError:
        log.info("session housekeeping postponed: the database is busy")


def resolve_viewer(
    db: Session,
    token: str | None,
    *,
    now: datetime,
    max_age: timedelta,
    absolute: timedelta = timedelta(days=90),
) -> Viewer:
    if not token:
        return ANONYMOUS
    row = db.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return ANONYMOUS
    user_session, user = row
    # Idle timeout (expires_at slides with use) and absolute timeout (from sign-in).
    if user_session.expires_at <= now or user_session.created_at + absolute <= now:
        with _if_writable(db):
            db.delete(user_session)
        return ANONYMOUS
    if now - user_session.last_seen_at > _TOUCH_EVERY:
        with _if_writable(db):
            user_session.last_seen_at = now
            user_session.expires_at = now + max_age
    moderated = db.scalars(
        select(SpaceModerator.space_id).where(SpaceModerator.user_id == user.id)
    ).all()
    bans = db.scalars(active_bans(now).where(Ban.user_id == user.id)).all()
    waiting = (
        db.scalar(moderation_queries.waiting_count(None if user.is_admin else moderated))
        if user.is_admin or moderated
        else 0
    )
    return Viewer(
        user=Person.of(user),
        moderated_space_ids=frozenset(moderated),
        banned_everywhere=any(b.space_id is None for b in bans),
        banned_space_ids=frozenset(b.space_id for b in bans if b.space_id is not None),
        queue_count=waiting or 0,
        suspensions=tuple(
            Suspension(space_id=b.space_id, ends_at=b.ends_at, reason=b.reason)
            for b in sorted(bans, key=lambda b: b.id)
        ),
    )


def active_bans(now: datetime) -> Select[Ban]:
    return select(Ban).where(
        Ban.lifted_at.is_(None),
        Ban.starts_at <= now,
        or_(Ban.ends_at.is_(None), Ban.ends_at > now),
    )
