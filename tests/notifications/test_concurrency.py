"""Two workers at once: each due message is sent exactly once.

These tests commit (workers use their own connections) and delete what they made.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_session_factory, transaction
from app.models import OutboxMessage, User
from app.notifications import outbox, worker
from tests.notifications import mail_settings, smtp_server

PAYLOAD = {
    "comment_id": 1,
    "thread_id": 1,
    "space_slug": "s",
    "space_title": "Space",
    "excerpt": "Text.",
    "approved": True,
    "reason": "",
}


MARKER = f"concurrent-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def committed(engine: Engine) -> Iterator[sessionmaker[Session]]:
    factory = make_session_factory(engine)
    yield factory
    with transaction(factory) as db:
        users = select(User.id).where(User.email.like(f"{MARKER}-%"))
        db.execute(delete(OutboxMessage).where(OutboxMessage.recipient_id.in_(users)))
        db.execute(delete(User).where(User.email.like(f"{MARKER}-%")))


def _queue(factory: sessionmaker[Session], count: int) -> list[int]:
    due = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(factory) as db:
        users = [
            User(
                email=f"{MARKER}-{n}@example.org",
                display_name=f"Person {n}",
                display_name_key=f"{MARKER} {n}",
                password_hash="-",
            )
            for n in range(count)
        ]
        db.add_all(users)
        db.flush()
        messages = [
            OutboxMessage(
                kind=outbox.KIND_DECISION,
                recipient_id=user.id,
                payload=PAYLOAD,
                created_at=due,
                next_attempt_at=due,
            )
            for user in users
        ]
        db.add_all(messages)
        db.flush()
        return [m.id for m in messages]


def _outbox_id(message: EmailMessage) -> int:
    found = re.fullmatch(r"<outbox\.(\d+)\.\d+@[^>]+>", str(message["Message-ID"]))
    assert found is not None
    return int(found.group(1))


def test_two_concurrent_workers_send_each_message_once(
    committed: sessionmaker[Session], settings: Settings
) -> None:
    ids = _queue(committed, 30)
    counts = [0, 0]
    errors: list[BaseException] = []
    with smtp_server() as inbox:
        mail = mail_settings(settings, inbox.port)
        start = threading.Barrier(2)

        def work(slot: int) -> None:
            try:
                start.wait()
                for _round in range(30):  # bounded: a broken claim must not loop forever
                    sent = worker.drain(committed, mail, limit=4)
                    if not sent:
                        break
                    counts[slot] += sent
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
            assert not thread.is_alive()
        received = sorted(_outbox_id(m) for m in inbox.messages)

    assert errors == []
    assert sum(counts) == 30
    assert received == sorted(ids)  # every one, none twice
    with committed() as db:
        rows = db.execute(
            select(OutboxMessage.sent_at, OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
        ).all()
    assert all(sent_at is not None and attempts == 1 for sent_at, attempts in rows)


def test_rows_locked_by_another_worker_are_skipped(
    engine: Engine, committed: sessionmaker[Session], settings: Settings
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite lets one writer in at a time")
    ids = _queue(committed, 4)
    with smtp_server() as inbox, committed() as other_worker:
        mail = mail_settings(settings, inbox.port)
        # Another worker is in the middle of claiming the first two.
        other_worker.scalars(
            select(OutboxMessage.id).where(OutboxMessage.id.in_(ids[:2])).with_for_update()
        ).all()

        assert worker.drain(committed, mail, limit=10) == 2
        assert sorted(_outbox_id(m) for m in inbox.messages) == ids[2:]

        other_worker.rollback()
        assert worker.drain(committed, mail, limit=10) == 2
        assert sorted(_outbox_id(m) for m in inbox.messages) == ids
