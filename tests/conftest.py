"""Test database built by the Alembic migrations; every test rolls back.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (CI runs both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import create_db_engine
from app.main import create_app
from app.migrate import upgrade
from app.policy import ANONYMOUS, GatedSession, Purpose, read_as
from app.web.csrf import COOKIE as CSRF_COOKIE
from app.web.csrf import SAFE_METHODS
from tests.factories import Factory
from tests.read_gate import WITNESS


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.db'}"


def reset_database(engine: Engine) -> None:
    """Start from nothing, so the schema under test is exactly what migrations build."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Production-cost argon2 would make each sign-in in the suite take a good part of a second."""
    from argon2 import PasswordHasher

    from app.accounts import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    reset_database(engine)
    upgrade(database_url)
    event.listen(engine, "before_cursor_execute", WITNESS)
    yield engine
    event.remove(engine, "before_cursor_execute", WITNESS)
    engine.dispose()


@pytest.fixture(autouse=True)
def read_gate_witnessed() -> Iterator[None]:
    """Fail the test that made the application read participants' words past the gate."""
    WITNESS.take()
    yield
    unmarked = WITNESS.take()
    assert not unmarked, "read past app/policy.py's read gate:\n" + "\n---\n".join(unmarked)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the app release a SAVEPOINT; the outer transaction is rolled back.
    return sessionmaker(
        bind=connection,
        class_=GatedSession,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        # The test's own eyes: it builds and inspects everything. What the application
        # shows is read in the application's own units of work, as their reader.
        read_as(session, ANONYMOUS, Purpose.SYSTEM)
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Rate limits get tests of their own (tests/ratelimit), with counters of their own.
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, page_comments=20, rate_limits=False
    )


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    application = create_app(settings)
    application.state.session_factory = session_factory
    return application


class BrowserLikeClient(TestClient):
    """A test client that, like our pages, sends the CSRF token with unsafe requests.

    tests/web/test_csrf.py uses a plain TestClient to prove requests without it fail.
    """

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if method.upper() not in SAFE_METHODS:
            if self.cookies.get(CSRF_COOKIE) is None:
                super().request("GET", "/healthz")
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.cookies.get(CSRF_COOKIE) or "")
            kwargs["headers"] = headers
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with BrowserLikeClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def factory(db: Session) -> Factory:
    return Factory(db)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_statements(connection: Connection) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection, "before_cursor_execute", counter)
