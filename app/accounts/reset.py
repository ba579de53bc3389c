"""Forgotten passwords: a single-use link by e-mail, then a new password."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import credentials, names, tokens
from app.errors import FormErrors
from app.models import User
from app.models.accounts import TokenPurpose
from app.notifications import outbox
from app.web import urls


def reset_path(token: str) -> str:
    """The link's path after the language prefix (the mail adds the recipient's)."""
    return urls.path_after_language("password_reset", token=token)


def request_reset(db: Session, email: str, *, now: datetime, lifetime: timedelta) -> None:
    """Queue a reset link when the address has an account; do nothing otherwise.

    The caller answers the same either way, so the form tells nobody who has an account.
    """
    user = db.scalar(select(User).where(User.email == names.clean_email(email)))
    if user is None:
        return
    token = tokens.issue(db, user, TokenPurpose.PASSWORD_RESET, now=now, lifetime=lifetime)
    payload: dict[str, object] = {
        "path": reset_path(token),
        "minutes": int(lifetime.total_seconds() // 60),
    }
    outbox.account_mail(db, outbox.KIND_PASSWORD_RESET, user, payload, now)


def user_for(db: Session, token: str, *, now: datetime) -> User:
    """The account a reset link is for; raises tokens.InvalidLink."""
    return tokens.redeemable(db, token, TokenPurpose.PASSWORD_RESET, now=now)[1]


def reset_password(db: Session, token: str, password: str, *, now: datetime) -> User:
    """Set the new password and spend the link.

    A refused password leaves the link usable (raises FormErrors); a link spent by a
    concurrent request raises tokens.InvalidLink. The mailbox received the link, so the
    address counts as verified too.
    """
    row, user = tokens.redeemable(db, token, TokenPurpose.PASSWORD_RESET, now=now)
    problem = credentials.new_password_problem(user, password)
    if problem:
        raise FormErrors({"password": problem})
    if not tokens.spend(db, row, now=now):
        raise tokens.InvalidLink
    credentials.set_password(db, user, password, now=now)
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.flush()
    return user
