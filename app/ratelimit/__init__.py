"""Rate limits that hold across every process: fixed windows counted in the database by
default, in Redis when ROUNDTABLE_REDIS_URL is set.

A hit costs one upsert or one Redis round trip. Routes count inside their own unit of
work (SQLite lets one writer at a time, so a second connection would wait on the first):
a request that completes, even with a form error, commits its hit. The per-address limit
on writes counts before any unit of work opens, in a transaction of its own.

Page views per address are too many to count one by one in the database: each process
counts them in memory and adds them to the shared counter a batch at a time (see
`Limiter.check_batched`), so the shared count lags by less than a batch per process.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from app.db import upsert, writer_turn
from app.errors import FormErrors
from app.i18n import ngettext
from app.models import RateCounter


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window: timedelta


# Sign-in guesses, per account and per address; posts per person (tighter for accounts
# less than a day old); reports per person per day; unsafe requests per address.
SIGN_IN_PER_ACCOUNT = Rule("sign-in-account", 10, timedelta(minutes=15))
SIGN_IN_PER_IP = Rule("sign-in-ip", 30, timedelta(minutes=15))
POSTS_PER_USER = Rule("posts", 30, timedelta(hours=1))
POSTS_PER_NEW_USER = Rule("posts-new", 6, timedelta(hours=1))
FLAGS_PER_USER = Rule("flags", 20, timedelta(days=1))
WRITES_PER_IP = Rule("writes-ip", 300, timedelta(minutes=1))
# Every request per address is limited too (ROUNDTABLE_REQUESTS_PER_MINUTE), counted in
# batches of this many per process.
REQUESTS_BATCH = 20
# E-mails people can make us send: a reset link per address typed and per client address,
# a new verification link per account. Each keeps a mailbox from being flooded.
RESET_PER_EMAIL = Rule("reset-email", 3, timedelta(hours=1))
RESET_PER_IP = Rule("reset-ip", 20, timedelta(hours=1))
VERIFY_RESEND_PER_USER = Rule("verify-resend", 3, timedelta(hours=1))
NEW_ACCOUNT = timedelta(days=1)


class TooMany(Exception):
    """A rule's limit is reached; answered with 429 and Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after}s")
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "Too many attempts in a short time. Please wait %(num)d minute and try again.",
            "Too many attempts in a short time. Please wait %(num)d minutes and try again.",
            minutes,
        )

    @property
    def headers(self) -> dict[str, str]:
        """What a 429 answer carries: when to try again."""
        return {"Retry-After": str(self.retry_after)}

    def as_form_error(self, field: str) -> FormErrors:
        return FormErrors({field: self.message})


class Backend(Protocol):
    def hit(
        self, key: str, window_start: datetime, ttl: int, db: Session | None, amount: int = 1
    ) -> int: ...


class DatabaseBackend:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hit(
        self, key: str, window_start: datetime, ttl: int, db: Session | None, amount: int = 1
    ) -> int:
        bind = db.get_bind() if db is not None else self.engine
        statement = (
            upsert(bind, RateCounter)
            .values(key=key, window_start=window_start, count=amount)
            .on_conflict_do_update(
                index_elements=["key", "window_start"],
                set_={"count": RateCounter.count + amount},
            )
            .returning(RateCounter.count)
        )
        if db is not None:
            return int(db.execute(statement).scalar_one())
        # A write of its own: it takes its turn with the app's other writers (SQLite).
        with writer_turn(self.engine), self.engine.begin() as connection:
            return int(connection.execute(statement).scalar_one())

    def prune(self, before: datetime) -> None:
        with writer_turn(self.engine), self.engine.begin() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.window_start < before))


def prune_counters(db: Session, before: datetime) -> None:
    """Drop database counters of windows that closed before `before` (Redis expires its own)."""
    db.execute(delete(RateCounter).where(RateCounter.window_start < before))


class RedisBackend:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def hit(
        self, key: str, window_start: datetime, ttl: int, db: Session | None, amount: int = 1
    ) -> int:
        name = f"rt:rl:{key}:{int(window_start.timestamp())}"
        pipe = self.client.pipeline()
        pipe.incr(name, amount)
        pipe.expire(name, ttl)
        count, _ = pipe.execute()
        return int(count)


class Limiter:
    def __init__(self, backend: Backend, *, enabled: bool = True) -> None:
        self.backend = backend
        self.enabled = enabled
        # check_batched's state: this process's uncounted hits and the subjects it already
        # knows are over the limit, for the current window only.
        self._window: dict[str, int] = {}
        self._pending: dict[tuple[str, str], int] = {}
        self._blocked: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def would_flush(self, rule: Rule, subject: str, batch: int) -> bool:
        """Whether the next `check_batched` of this subject will reach the backend."""
        return self._pending.get((rule.name, subject), 0) + 1 >= batch

    def check_batched(
        self, rule: Rule, subject: str, batch: int, now: datetime | None = None
    ) -> None:
        """Count one hit in memory; every `batch` hits, add them to the shared counter.

        Cheap enough for every request. Raises TooMany once the shared count is past the
        limit, and from then on without asking the backend until the window ends.
        """
        if not self.enabled:
            return
        now = now or datetime.now(UTC)
        seconds = int(rule.window.total_seconds())
        start_ts = int(now.timestamp()) // seconds * seconds
        key = (rule.name, subject)
        with self._lock:
            if self._window.get(rule.name) != start_ts:
                self._window[rule.name] = start_ts
                for table in (self._pending, self._blocked):
                    for stale in [k for k in table if k[0] == rule.name]:
                        del table[stale]
            if key in self._blocked:
                raise TooMany(retry_after=max(1, start_ts + seconds - int(now.timestamp())))
            pending = self._pending.get(key, 0) + 1
            if pending < batch:
                self._pending[key] = pending
                return
            self._pending.pop(key, None)
        window_start = datetime.fromtimestamp(start_ts, UTC)
        count = self.backend.hit(f"{rule.name}:{subject}", window_start, seconds, None, pending)
        if count > rule.limit:
            with self._lock:
                self._blocked[key] = start_ts
            raise TooMany(retry_after=max(1, start_ts + seconds - int(now.timestamp())))

    def check(
        self, rule: Rule, subject: str, now: datetime | None = None, *, db: Session | None = None
    ) -> None:
        """Count one hit of `subject` under `rule`; raise TooMany past the limit."""
        if not self.enabled:
            return
        now = now or datetime.now(UTC)
        seconds = int(rule.window.total_seconds())
        start_ts = int(now.timestamp()) // seconds * seconds
        window_start = datetime.fromtimestamp(start_ts, UTC)
        count = self.backend.hit(f"{rule.name}:{subject}", window_start, seconds, db)
        if count > rule.limit:
            raise TooMany(retry_after=max(1, start_ts + seconds - int(now.timestamp())))


def posts_rule(account_created: datetime, now: datetime) -> Rule:
    return POSTS_PER_NEW_USER if now - account_created < NEW_ACCOUNT else POSTS_PER_USER
