"""A migrated database of its own, for tests whose transactions must really commit.

The shared test database rolls every test back; racing requests, live servers and a
killed server need commits that other connections (and processes) see. SQLite: a file
under tmp; PostgreSQL: `<test database>_<suffix>`.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, make_url, text

from app.migrate import alembic_config, upgrade


def create(tmp_dir: Path, suffix: str, *, revision: str = "head") -> str:
    """The URL of a new database, migrated up to `revision`."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_dir / f'{suffix}.db'}"
    else:
        parsed = make_url(base)
        name = f"{parsed.database}_{suffix}"
        drop_first = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        as_admin(base, drop_first, f'CREATE DATABASE "{name}"')
        url = parsed.set(database=name).render_as_string(hide_password=False)
    if revision == "head":
        upgrade(url)
    else:
        command.upgrade(alembic_config(url), revision)
    return url


def drop(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        as_admin(url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def as_admin(url: str, *statements: str) -> None:
    # CREATE/DROP DATABASE cannot run inside the database concerned, nor in a transaction.
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()
