"""Helpers for the e-mailed account links: the queued mail, and the link inside it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxMessage, User


def queued(db: Session, user: User, kind: str) -> list[OutboxMessage]:
    """The account's queued messages of this kind, oldest first."""
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user.id, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def link_path(message: OutboxMessage, lang: str) -> str:
    """The path the e-mail's link opens, under the recipient's language prefix."""
    return f"/{lang}{message.payload['path']}"


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]
