"""Single-use, expiring links sent by e-mail: issuing, reading and spending them.

The link carries a random token; only its sha256 is stored, as for sessions, so a copy of
the table opens nothing. A token is bound to one purpose and to the address it was sent to.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import rows_updated
from app.models import AccountToken, User
from app.models.accounts import TokenPurpose


class InvalidLink(Exception):
    """The link is unknown, altered, expired, spent, made for another purpose, or sent to
    an address the account no longer has; the page says the same for all."""


# Longer than any token we make (43 characters); refuses junk before hashing it.
_MAX_TOKEN_CHARS = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    db: Session, user: User, purpose: TokenPurpose, *, now: datetime, lifetime: timedelta
) -> str:
    """A new link for `purpose`; the person's older unused links for it stop working."""
    db.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.add(
        AccountToken(
            token_hash=token_hash(token),
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.flush()
    return token


def find(db: Session, token: str, purpose: TokenPurpose, *, now: datetime) -> AccountToken | None:
    """The unused, unexpired token of this purpose, or None."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    row = db.scalar(select(AccountToken).where(AccountToken.token_hash == token_hash(token)))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def redeemable(
    db: Session, token: str, purpose: TokenPurpose, *, now: datetime
) -> tuple[AccountToken, User]:
    """The token and its account, when the link may still be used; raises InvalidLink."""
    row = find(db, token, purpose, now=now)
    user = db.get(User, row.user_id) if row else None
    if row is None or user is None or user.email != row.email:
        raise InvalidLink
    return row, user


def spend(db: Session, row: AccountToken, *, now: datetime) -> bool:
    """Mark the token used; False when another request spent it first.

    A conditional UPDATE, not a read then a write: of two requests racing with the same
    link, exactly one sees its row change.
    """
    matched = rows_updated(
        db,
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False),
    )
    return matched == 1
