"""Engine and session factory; the request's unit of work commits in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Execution option of a unit of work that will write (see `transaction`).
WRITES = "roundtable_writes"


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs and defers BEGIN oddly;
    # take control of it as SQLAlchemy's documentation recommends.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # FULL: a commit is on disk before the request is answered, even if the machine
        # loses power (NORMAL in WAL mode may lose the last commits then).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    # A deferred transaction that has read cannot take the write lock once another writer
    # has committed since: SQLite answers "database is locked" at once, without waiting.
    # Units of work that will write take the lock up front (waiting up to busy_timeout).
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def discard_changes(session: Session) -> None:
    """Ask the unit of work to roll back instead of committing (a refused form, say)."""
    session.info["discard"] = True


@contextmanager
def transaction(factory: sessionmaker[Session], *, writes: bool = True) -> Iterator[Session]:
    """The one place that commits: services only flush.

    `writes=False` (safe requests) lets SQLite readers run side by side.
    """
    with factory(execution_options={WRITES: writes}) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if session.info.pop("discard", False):
            session.rollback()
        else:
            session.commit()
