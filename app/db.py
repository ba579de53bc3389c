"""Engine and session factory; the request's unit of work commits in one place."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Update,
    create_engine,
    event,
    inspect,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from app.fulltext import sqlite as fulltext_sqlite
from app.policy import GatedSession

# Execution option of a unit of work that will write (see `transaction`).
WRITES = "roundtable_writes"
# How long a SQLite writer queues for its turn (behind this process's other writers, then
# the other processes', then any other program's lock) before it is told the site is busy.
WRITE_WAIT_SECONDS = 15.0

log = logging.getLogger(__name__)


class WriterBusy(Exception):
    """A SQLite writer waited WRITE_WAIT_SECONDS for its turn: nothing was written."""


class WriterQueue:
    """SQLite's writers take turns here instead of in SQLite's busy handler.

    The busy handler polls (sleeping up to 100 ms a try), so under load a waiting writer
    can lose to newcomers until its timeout. Here the process's writers queue on a lock,
    and one of them at a time queues for the other processes' writers on an flock of a file
    beside the database, which the kernel hands over as soon as it is released (and
    releases by itself if the holder dies). SQLite's own lock then is nearly always free.
    """

    def __init__(self, lock_path: Path | None, wait: float) -> None:
        self.wait = wait
        self._path = lock_path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def acquire(self) -> None:
        # A plain Lock: FastAPI may enter a dependency in one worker thread and leave it
        # in another, and a Lock (unlike an RLock) may be released by any thread.
        if not self._lock.acquire(timeout=self.wait):
            raise WriterBusy(f"no turn to write after {self.wait:g} s")
        if self._path is None:
            return
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return  # no lock file (a read-only directory, say): SQLite's own lock decides
        # Blocking is bounded: the other process's holder is inside one transaction, and
        # this process's other writers wait on the lock above, with its timeout.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock
        self._lock.release()

    @contextmanager
    def turn(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The queue SQLite's writers of this engine take turns in; None on PostgreSQL."""
    return _QUEUES.get(engine)


@contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Hold this engine's turn to write (SQLite), for a transaction of one's own."""
    queue = writer_queue(engine)
    if queue is None:
        yield
        return
    with queue.turn():
        yield


def _configure_sqlite(engine: Engine, wait: float) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs and defers BEGIN oddly;
    # take control of it as SQLAlchemy's documentation recommends.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Only programs outside the writer queue (a backup, a shell) make a writer wait here.
        cursor.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
        # FULL: a commit is on disk before the request is answered, even if the machine
        # loses power (NORMAL in WAL mode may lose the last commits then).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
        # The search index's triggers stem each text written with this function.
        fulltext_sqlite.register(dbapi_connection)

    # A deferred transaction that has read cannot take the write lock once another writer
    # has committed since: SQLite answers "database is locked" at once, without waiting.
    # Units of work that will write take the lock up front (waiting up to busy_timeout).
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def create_db_engine(url: str, *, echo: bool = False, write_wait: float | None = None) -> Engine:
    parsed = make_url(url)
    wait = WRITE_WAIT_SECONDS if write_wait is None else write_wait
    if parsed.get_backend_name() == "sqlite":
        lock_path: Path | None = None
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            lock_path = Path(parsed.database + "-writer")
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, wait)
        _QUEUES[engine] = WriterQueue(lock_path, wait)
        _watch_read_only(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True)
    _watch_read_only(engine)
    return engine


# SQLite's answers when the file (or its disk) no longer takes writes. A connection opened
# while the file was read-only stays read-only for good, so such a connection is thrown
# away rather than returned to the pool, and the next one reopens the file.
_SQLITE_UNWRITABLE = frozenset(
    {
        "SQLITE_READONLY",
        "SQLITE_READONLY_DBMOVED",
        "SQLITE_IOERR_WRITE",
        "SQLITE_IOERR_FSYNC",
        "SQLITE_CANTOPEN",
        "SQLITE_FULL",
    }
)
# PostgreSQL: read_only_sql_transaction (a standby, default_transaction_read_only).
_PG_READ_ONLY = "25006"


def unwritable_reason(error: BaseException | None) -> str | None:
    """Why the database refuses writes, if this driver error says it does."""
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "")
        if name in _SQLITE_UNWRITABLE or name.startswith("SQLITE_READONLY"):
            return f"{name}: {error}"
        return None
    if getattr(error, "sqlstate", None) == _PG_READ_ONLY:
        return f"read-only transaction: {str(error).strip()}"
    return None


class WriteHealth:
    """Whether this process last found the database refusing writes, and why.

    Set by any statement the database refuses as read-only, cleared by the next write that
    commits; /readyz reports it and the log says when it starts and ends.
    """

    def __init__(self) -> None:
        self.reason: str | None = None
        self.since: float | None = None
        self._lock = threading.Lock()

    def refused(self, reason: str) -> None:
        with self._lock:
            first = self.reason is None
            self.reason, self.since = reason, self.since or time.time()
        if first:
            log.error(
                "database refuses writes (read-only): %s; posts answer 503 until it "
                "takes writes again",
                reason,
            )

    def recovered(self) -> None:
        if self.reason is None:
            return
        with self._lock:
            was, self.reason, self.since = self.reason, None, None
        if was is not None:
            log.warning("database takes writes again (was: %s)", was)


_HEALTH: weakref.WeakKeyDictionary[Engine, WriteHealth] = weakref.WeakKeyDictionary()


def write_health(engine: Engine) -> WriteHealth:
    return _HEALTH.setdefault(engine, WriteHealth())


def _watch_read_only(engine: Engine) -> None:
    health = write_health(engine)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        reason = unwritable_reason(context.original_exception)
        if reason is None:
            return
        health.refused(reason)
        # Treated as a lost connection: the pool drops every connection it holds.
        context.is_disconnect = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # While writes are refused no connection is kept: one opened now would stay
        # read-only (SQLite opens a read-only file so for good; a PostgreSQL session keeps
        # its default_transaction_read_only) and go on refusing after the fault is gone.
        if health.reason is not None and dbapi_connection is not None:
            record.invalidate()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Gated: what participants wrote is read through app/policy.py's read gate.
    return sessionmaker(bind=engine, class_=GatedSession, expire_on_commit=False, autoflush=True)


def claim_version(session: Session, row: Any, seen: int, column: str = "version") -> bool:
    """Move a versioned row from version `seen` to the next, unless someone else did first.

    The optimistic lock of every save: `UPDATE … SET version = seen + 1 WHERE <key> AND
    version = seen`, so the database, not an earlier SELECT, decides who wins. On PostgreSQL
    the loser's UPDATE waits for the winner's commit and then matches nothing; the winner
    keeps the row locked until its own commit, so the rest of its save cannot interleave.
    False: the caller refreshes the row and merges, retries or answers 409.
    """
    mapper = inspect(row).mapper
    table = mapper.local_table
    key = mapper.primary_key_from_instance(row)
    statement = (
        update(table)
        .where(*(column == value for column, value in zip(mapper.primary_key, key, strict=True)))
        .where(table.c[column] == seen)
        .values({column: seen + 1})
    )
    if rows_updated(session, statement) != 1:
        return False
    set_committed_value(row, column, seen + 1)
    return True


def upsert(bind: Engine | Connection, entity: Any) -> sqlite_dialect.Insert | pg_dialect.Insert:
    """An INSERT into `entity` that can take ON CONFLICT, in the bind's own dialect (the
    clause is not in SQLAlchemy's generic insert, and SQLite and PostgreSQL spell it alike)."""
    if bind.dialect.name == "sqlite":
        return sqlite_dialect.insert(entity)
    return pg_dialect.insert(entity)


def rows_updated(session: Session, statement: Update) -> int:
    """How many rows an UPDATE matched (its condition decides a race: 1 won, 0 lost)."""
    result = session.execute(statement)
    # Typed as any Result; a DML statement's is always a cursor's, which has the count.
    assert isinstance(result, CursorResult)
    return result.rowcount


def hold_row(session: Session, row: Any, column: str = "version") -> None:
    """Lock a row until commit with a no-op UPDATE, for saves that name no version.

    On PostgreSQL it waits for any other writer of the row to commit, so what is read after
    it is what that writer left; SQLite already has one writer at a time.
    """
    mapper = inspect(row).mapper
    table = mapper.local_table
    key = mapper.primary_key_from_instance(row)
    session.execute(
        update(table)
        .where(*(c == value for c, value in zip(mapper.primary_key, key, strict=True)))
        .values({column: table.c[column]})
    )


def _engine_of(bind: Engine | Connection) -> Engine:
    # Tests bind their sessions to one connection, rolled back at the end.
    return bind if isinstance(bind, Engine) else bind.engine


@contextmanager
def transaction(factory: sessionmaker[Session], *, writes: bool = True) -> Iterator[Session]:
    """The one place that commits: services only flush. Any exception rolls back, a
    refused form's too (app/web/form_errors.py).

    `writes=False` (safe requests) lets SQLite readers run side by side; such a unit of
    work can still write in a short `writing` block of its own.
    """
    engine = _engine_of(factory.kw["bind"])
    with (
        writer_turn(engine) if writes else nullcontext(),
        factory(execution_options={WRITES: writes}) as session,
    ):
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
        if writes:
            write_health(engine).recovered()


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """A short write transaction inside a unit of work opened with `writes=False`.

    What needs no lock (reading the space, rendering Markdown, checking a file) is done
    before; here the unit of work ends its read transaction, waits for its turn to write,
    takes SQLite's write lock up front (BEGIN IMMEDIATE) and commits on leaving. Everything
    the write depends on must be read again inside the block: what was read before may
    have changed. On an exception it rolls back and re-raises.
    """
    engine = _engine_of(session.get_bind())
    session.commit()  # the read transaction: nothing is pending in it but housekeeping
    with writer_turn(engine):
        session.connection(execution_options={WRITES: True})
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        session.commit()
    write_health(engine).recovered()
