"""The database turns read-only while the site runs, then writable again.

SQLite: the database file and its write-ahead log are made immutable (`chattr +i`, which
stops root too; the shared-memory index stays writable, as SQLite maps it). Connections
already open then fail their writes with an I/O error, new ones open the file read-only
and stay so for good, which is why the pool must drop them. PostgreSQL: the database is
set `default_transaction_read_only` and its sessions are ended, as a failover to a standby
would; after the reset the pool still holds read-only sessions until it drops them.
Outcomes: posts answer a translated 503 that says why, /readyz answers 503 with the reason,
the log says why once, and once writable again posts and /readyz recover without a restart.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from app.db import create_db_engine, make_session_factory, transaction
from app.models import Comment
from app.policy import ANONYMOUS, Purpose, read_as
from tests.faults.conftest import Site, post
from tests.html import parse
from tests.own_db import as_admin

pytestmark = pytest.mark.faults


def _chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


@contextmanager
def _sqlite_read_only(url: str) -> Iterator[None]:
    database = Path(make_url(url).database or "")
    files = [p for p in (database, Path(f"{database}-wal")) if p.exists()]
    try:
        _chattr("+i", *files)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"chattr unavailable here: {exc}")
    try:
        yield
    finally:
        _chattr("-i", *files)


@contextmanager
def _postgres_read_only(url: str) -> Iterator[None]:
    name = make_url(url).database
    as_admin(
        url,
        f'ALTER DATABASE "{name}" SET default_transaction_read_only = on',
        # As a failover does: every session ends, the new ones are read-only.
        # The name is this test's own database, never input.
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",  # noqa: S608
    )
    try:
        yield
    finally:
        # Sessions opened meanwhile stay read-only: the app has to let go of them itself.
        as_admin(url, f'ALTER DATABASE "{name}" RESET default_transaction_read_only')


def _read_only(url: str) -> Iterator[None] | object:
    if make_url(url).get_backend_name() == "sqlite":
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        return _sqlite_read_only(url)
    return _postgres_read_only(url)


def _comments(url: str) -> list[str]:
    engine = create_db_engine(url)
    try:
        with transaction(make_session_factory(engine), writes=False) as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            return list(db.scalars(select(Comment.body_md).order_by(Comment.id)))
    finally:
        engine.dispose()


def test_read_only_database_is_reported_and_recovered_without_restart(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    client = site.client()
    french = site.client(lang="fr")
    assert post(client, "Before the fault.").status_code == 303
    assert client.get("/readyz").status_code == 200

    caplog.set_level(logging.INFO)
    with _read_only(site.url):  # type: ignore[attr-defined]
        refused = post(client, "During the fault.")
        assert refused.status_code == 503
        page = parse(refused.text)
        assert page.css_first("h1").text(strip=True) == "Saving is paused"
        assert "only allows reading" in page.css_first("main").text()
        assert refused.headers["Retry-After"]
        refused_fr = post(french, "Pendant la panne.", lang="fr")
        assert refused_fr.status_code == 503
        assert parse(refused_fr.text).css_first("h1").text(strip=True) == (
            "L’enregistrement est suspendu"
        )
        # Reading still works.
        assert client.get("/en/spaces/faults").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "read-only"
        assert ready.json()["reason"]
        said = [r for r in caplog.records if "refuses writes (read-only)" in r.getMessage()]
        assert len(said) == 1, "said once, when it started, not per request"
        assert said[0].levelno == logging.ERROR

    # Writable again: the same process recovers, nothing restarted.
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert post(client, "After the fault.").status_code == 303
    assert post(french, "Après la panne.", lang="fr").status_code == 303
    assert any("takes writes again" in r.getMessage() for r in caplog.records)
    assert _comments(site.url) == [
        "Before the fault.",
        "After the fault.",
        "Après la panne.",
    ]


def test_readyz_says_read_only_before_any_post_fails(site: Site) -> None:
    client = site.client(signed_in=False)
    assert client.get("/readyz").status_code == 200
    with _read_only(site.url):  # type: ignore[attr-defined]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "read-only"
    assert client.get("/readyz").status_code == 200
