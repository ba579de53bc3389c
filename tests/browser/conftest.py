"""A real server in a thread, on its own migrated database, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.comments import language
from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.demo.loader import load_demo
from app.main import create_app
from tests import own_db
from tests.live import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    missing = [p for p in (Path(CHROMIUM), AXE) if not p.exists()]
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if missing and os.environ.get("CI") != "true":
                item.add_marker(pytest.mark.skip(reason=f"missing: {missing} (run make test)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("live")
    url = own_db.create(data_dir, "live")
    engine = create_db_engine(url)
    with transaction(make_session_factory(engine)) as db:
        load_demo(db, now=datetime.now(UTC))
    engine.dispose()
    # As app/asgi.py does for a real worker: the first post must not load the models.
    language.warm_up()
    # The suite signs in as the demo's one administrator more often than the sign-in limit
    # allows in 15 minutes (tests/ratelimit tests the limits, with counters of their own).
    settings = Settings(data_dir=data_dir, database_url=url, rate_limits=False)
    with serving(create_app(settings)) as base:
        yield base


@pytest.fixture
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")
