"""Reading a page never fails because the session's expiry could not be slid forward."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from app.accounts import service as accounts
from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.main import create_app
from app.models import UserSession
from app.web.deps import SESSION_COOKIE
from tests import own_db
from tests.factories import Factory


def test_a_page_view_survives_a_busy_database(tmp_path: Path) -> None:
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite refuses to turn a reader into a writer; PostgreSQL just waits")
    url = own_db.create(tmp_path, "housekeeping")
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with transaction(factory) as db:
        alice = Factory(db).user("Alice Achieng")
        token = accounts.start_session(
            db, alice, now=long_ago, max_age=timedelta(days=14), agent="test"
        )
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url, rate_limits=False))

    # Another writer holds the lock while the page is read, then commits: the page's read
    # snapshot is stale by the time it wants to slide the session's expiry.
    holding = threading.Event()

    def writer() -> None:
        raw = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("UPDATE users SET locale = locale")
        holding.set()
        time.sleep(0.5)
        raw.execute("COMMIT")
        raw.close()

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait(5)
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        page = client.get("/en/account/sessions")
    thread.join()
    assert page.status_code == 200
    # The next quiet request does the postponed housekeeping.
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        assert client.get("/en/account/sessions").status_code == 200
    with factory() as db:
        [row] = db.query(UserSession).all()
        assert row.last_seen_at > long_ago
    engine.dispose()
