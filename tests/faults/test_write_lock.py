"""Another process holds SQLite's write lock while posts arrive.

A backup, a shell or a second server holds the lock outside the app's writer queue; the
posts must wait for it (queue), not fail, as long as it is let go within the wait
(app.db.WRITE_WAIT_SECONDS), and only after that answer a clear, translated 503. The
work that needs no lock (Markdown, sanitising, language detection) is done before the
post takes its turn, so it never runs while the lock is held.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from app import db as app_db
from app.comments import posting
from app.db import create_db_engine, make_session_factory, transaction
from app.models import Comment
from app.policy import ANONYMOUS, Purpose, read_as
from tests.conftest import BrowserLikeClient
from tests.faults.conftest import Site, build_site, post
from tests.html import parse

pytestmark = pytest.mark.faults

HOLDER = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told, or that long
conn.execute("COMMIT")
"""


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[Site]:
    if "TEST_DATABASE_URL" in __import__("os").environ:
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows (test_races.py)")
    yield from build_site(tmp_path, "writelock")


@contextmanager
def lock_held_elsewhere(url: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process takes the write lock and keeps it `seconds`, or until the block ends."""
    path = make_url(url).database
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    try:
        yield holder
    finally:
        with contextlib.suppress(BrokenPipeError):  # it may have let go by itself
            holder.stdin.write("go\n")
            holder.stdin.close()
        holder.wait(timeout=seconds + 30)


def _posts_at_once(
    clients: list[BrowserLikeClient], texts: list[str]
) -> list[tuple[int, float, str]]:
    results: list[tuple[int, float, str]] = [(0, 0.0, "")] * len(texts)

    def send(i: int) -> None:
        started = time.monotonic()
        response = post(clients[i], texts[i])
        results[i] = (response.status_code, time.monotonic() - started, response.text)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _stored(url: str) -> list[str]:
    engine = create_db_engine(url)
    try:
        with transaction(make_session_factory(engine), writes=False) as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            return sorted(db.scalars(select(Comment.body_md)))
    finally:
        engine.dispose()


def test_posts_queue_behind_a_lock_held_longer_than_sqlites_old_timeout(
    sqlite_site: Site,
) -> None:
    """Held 7 s, past the 5 s busy timeout that used to refuse them: all wait, none fail."""
    texts = [f"Queued post {i}." for i in range(4)]
    clients = [sqlite_site.client() for _ in texts]  # signing in writes too: before the lock
    with lock_held_elsewhere(sqlite_site.url, 7.0):
        results = _posts_at_once(clients, texts)
    assert [status for status, _, _ in results] == [303] * 4, [r[2][:300] for r in results]
    assert min(waited for _, waited, _ in results) > 5.0  # they did wait for the holder
    assert _stored(sqlite_site.url) == sorted(texts)


def test_a_lock_held_past_the_wait_is_a_clear_translated_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "TEST_DATABASE_URL" in __import__("os").environ:
        pytest.skip("SQLite's database-wide write lock")
    monkeypatch.setattr(app_db, "WRITE_WAIT_SECONDS", 1.0)
    for site in build_site(tmp_path, "shortwait"):
        english, french = site.client(), site.client(lang="fr")
        with lock_held_elsewhere(site.url, 120.0):  # held until both were answered
            refused = post(english, "Too long a wait.")
            refused_fr = post(french, "Attente trop longue.", lang="fr")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"]
        assert parse(refused.text).css_first("h1").text(strip=True) == "Too busy to save"
        assert "Nothing was saved" in parse(refused.text).css_first("main").text()
        assert refused_fr.status_code == 503
        assert parse(refused_fr.text).css_first("h1").text(strip=True) == (
            "Trop occupé pour enregistrer"
        )
        # Once let go, the same post goes through.
        assert post(english, "Too long a wait.").status_code == 303
        assert _stored(site.url) == ["Too long a wait."]


def test_markdown_is_rendered_while_no_write_lock_is_held(
    sqlite_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the post's text is rendered, another connection can take the write lock."""
    path = make_url(sqlite_site.url).database
    seen: list[str] = []
    render = posting.render_markdown

    def watching(text: str) -> str:
        probe = sqlite3.connect(str(path), isolation_level=None, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError:
            seen.append("held")
        finally:
            probe.close()
        return render(text)

    monkeypatch.setattr(posting, "render_markdown", watching)
    client = sqlite_site.client()
    assert post(client, "Some *emphasis* and a [link](https://example.org).").status_code == 303
    assert len(_stored(sqlite_site.url)) == 1
    assert seen
    assert set(seen) == {"free"}, seen
