"""Proving an account's address: a link by e-mail, confirmed by a button.

Until an address is verified the outbox sends it no notifications (replies, followed
spaces, decisions, digests); account e-mails (this link, reset links) always go. Nothing
else is withheld: an unverified person can read, post and moderate as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import tokens
from app.models import User
from app.models.accounts import TokenPurpose
from app.notifications import outbox
from app.web import urls

LIFETIME = timedelta(days=7)


def verify_path(token: str) -> str:
    """The link's path after the language prefix (the mail adds the recipient's)."""
    return urls.path_after_language("verify_email", token=token)


def send_link(db: Session, user: User, *, now: datetime) -> None:
    """Queue a verification e-mail; earlier links stop working."""
    token = tokens.issue(db, user, TokenPurpose.VERIFY_EMAIL, now=now, lifetime=LIFETIME)
    payload: dict[str, object] = {"path": verify_path(token), "email": user.email}
    outbox.account_mail(db, outbox.KIND_VERIFY_EMAIL, user, payload, now)


def check(db: Session, token: str, *, now: datetime) -> User:
    """The account a verification link is for; raises tokens.InvalidLink."""
    return tokens.redeemable(db, token, TokenPurpose.VERIFY_EMAIL, now=now)[1]


def confirm(db: Session, token: str, *, now: datetime) -> User:
    """Mark the address verified. Only the address the link was sent to counts: the
    link stops working if the account's address changed since."""
    row, user = tokens.redeemable(db, token, TokenPurpose.VERIFY_EMAIL, now=now)
    if not tokens.spend(db, row, now=now):
        raise tokens.InvalidLink
    user.email_verified_at = now
    db.flush()
    return user
