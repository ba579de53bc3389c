"""Draining the outbox: claim due messages, send them outside any transaction, record.

A claim is a lease: one short transaction pushes the claimed messages' next_attempt_at
forward (PostgreSQL skips rows another worker has locked; SQLite has one writer at a
time), so no other worker takes them while they are being sent. The outcome is recorded
per message, only while the lease is still ours. A worker that dies between sending and
recording leaves the message to be sent again when its lease runs out: delivery is at
least once, with the same Message-ID each time.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import rows_updated, transaction
from app.models import EmailOptOut, OutboxMessage, User
from app.notifications.mailer import Outgoing, Recipient, render_message, send_message
from app.notifications.outbox import ACCOUNT_KINDS, ALL_KINDS, queue_moderator_digest
from app.ratelimit import prune_counters

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=6)
DIGEST_EVERY = timedelta(minutes=15)  # how often to look; each moderator gets one a day
MAX_ERROR_CHARS = 2000
OPTED_OUT = "not sent: the recipient unsubscribed"

Sender = Callable[[EmailMessage, Settings], None]


@dataclass(frozen=True)
class Claim:
    outgoing: Outgoing
    attempts: int
    lease_until: datetime


def retry_delay(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, 1 min, 2 min, … at most 6 hours."""
    factor: int = 2 ** min(max(attempts - 1, 0), 20)  # int ** int is typed as any number
    return min(RETRY_BASE * factor, RETRY_MAX)


def claim(session_factory: sessionmaker[Session], now: datetime, limit: int) -> list[Claim]:
    """Lease up to `limit` due messages to this worker, in one short transaction."""
    lease_until = now + LEASE
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with transaction(session_factory) as db:
        rows = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until)
            .returning(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.recipient_id,
                OutboxMessage.payload,
                OutboxMessage.created_at,
                OutboxMessage.attempts,
            )
            .execution_options(synchronize_session=False)
        ).all()
        if not rows:
            return []
        recipient_ids = {row.recipient_id for row in rows}
        recipients = {
            user.id: Recipient(user.id, user.email, user.display_name, user.locale)
            for user in db.execute(
                select(User.id, User.email, User.display_name, User.locale).where(
                    User.id.in_(recipient_ids)
                )
            )
        }
        stopped: dict[int, set[str]] = defaultdict(set)
        for user_id, kind in db.execute(
            select(EmailOptOut.user_id, EmailOptOut.kind).where(
                EmailOptOut.user_id.in_(recipient_ids)
            )
        ):
            stopped[user_id].add(kind)
        claims, skipped = [], []
        for row in sorted(rows, key=lambda r: r.id):
            # Nobody opts out of account e-mails: a reset link must arrive after "stop all".
            opt_outs = set() if row.kind in ACCOUNT_KINDS else stopped[row.recipient_id]
            if row.recipient_id not in recipients or {row.kind, ALL_KINDS} & opt_outs:
                skipped.append(row.id)
                continue
            outgoing = Outgoing(
                id=row.id,
                kind=row.kind,
                payload=row.payload,
                created_at=row.created_at,
                recipient=recipients[row.recipient_id],
            )
            claims.append(Claim(outgoing, row.attempts, lease_until))
        if skipped:
            db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(skipped))
                .values(failed_at=now, last_error=OPTED_OUT)
                .execution_options(synchronize_session=False)
            )
    return claims


def drain(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    limit: int = 50,
    *,
    send: Sender = send_message,
) -> int:
    """Send what is due; returns how many were sent. `now` fixes the clock (tests)."""

    def clock() -> datetime:
        return now if now is not None else datetime.now(UTC)

    claims = claim(session_factory, clock(), limit)
    started = time.monotonic()
    sent = 0
    for index, item in enumerate(claims):
        if time.monotonic() - started > LEASE.total_seconds() / 2:
            # A slow server: hand the rest back before the lease could run out mid-send.
            _release(session_factory, claims[index:], clock())
            break
        try:
            send(render_message(item.outgoing, settings, clock()), settings)
        except Exception as exc:
            log.warning("outbox message %s not sent: %s", item.outgoing.id, exc)
            _record_failure(session_factory, item, exc, clock(), settings.outbox_max_attempts)
        else:
            _record_sent(session_factory, item, clock())
            sent += 1
    return sent


def _ours(item: Claim) -> list[ColumnElement[bool]]:
    """This message, still leased to this worker and not yet settled."""
    return [
        OutboxMessage.id == item.outgoing.id,
        OutboxMessage.next_attempt_at == item.lease_until,
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    ]


def _record_sent(session_factory: sessionmaker[Session], item: Claim, now: datetime) -> None:
    with transaction(session_factory) as db:
        matched = rows_updated(
            db,
            update(OutboxMessage)
            .where(*_ours(item))
            .values(
                sent_at=now,
                attempts=item.attempts + 1,
                last_error="",
                # A sent reset or verification link must not stay readable in the table.
                **({"payload": {}} if item.outgoing.kind in ACCOUNT_KINDS else {}),
            )
            .execution_options(synchronize_session=False),
        )
    if matched != 1:
        log.warning("outbox message %s: sent after its lease ran out", item.outgoing.id)


def _is_permanent(exc: Exception) -> bool:
    """The server refused the recipient outright: trying again will not help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _msg in exc.recipients.values()
    )


def _record_failure(
    session_factory: sessionmaker[Session],
    item: Claim,
    exc: Exception,
    now: datetime,
    max_attempts: int,
) -> None:
    attempts = item.attempts + 1
    values: dict[str, object] = {
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS],
    }
    if attempts >= max_attempts or _is_permanent(exc):
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = now + retry_delay(attempts)
    with transaction(session_factory) as db:
        db.execute(
            update(OutboxMessage)
            .where(*_ours(item))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _release(session_factory: sessionmaker[Session], items: Sequence[Claim], now: datetime) -> None:
    with transaction(session_factory) as db:
        for item in items:
            db.execute(
                update(OutboxMessage)
                .where(*_ours(item))
                .values(next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )


def run(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    once: bool = False,
    interval: float = 5.0,
    limit: int = 50,
    stop: threading.Event | None = None,
    digest_every: timedelta = DIGEST_EVERY,
    send: Sender = send_message,
) -> int:
    """Queue moderator digests now and then, drain the outbox every `interval` seconds
    until `stop` is set (or once); returns how many e-mails were sent."""
    stop = stop or threading.Event()
    total = 0
    next_digest = time.monotonic()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_digest:
                with transaction(session_factory) as db:
                    queued = len(queue_moderator_digest(db, datetime.now(UTC)))
                    # The same periodic chore: forget rate-limit windows long closed.
                    prune_counters(db, datetime.now(UTC) - timedelta(days=2))
                if queued:
                    log.info("queued %d moderator digest(s)", queued)
                next_digest = time.monotonic() + digest_every.total_seconds()
            while not stop.is_set():
                sent = drain(session_factory, settings, limit=limit, send=send)
                total += sent
                if sent:
                    log.info("sent %d e-mail(s)", sent)
                if sent < limit:
                    break
        except Exception:
            if once:
                raise
            log.exception("the notification worker hit an error; retrying")
        if once:
            break
        stop.wait(interval)
    return total
