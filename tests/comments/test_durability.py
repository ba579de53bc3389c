"""Acknowledged means committed: a post answered 303/200 survives the server being killed.

The slow test (`pytest -m durability`) serves the application with uvicorn in a child
process (forking_server.py) on production settings and a database of its own. Signed-in
clients post as a browser would (CSRF token, the key of the form they were given; some
posts sent twice at once, as by a double click). The test kills the server with SIGKILL
six times, each time once it is under load again, and restarts it; clients resend what got
no answer, with the same key. At the end every acknowledged post is there exactly once,
with one notification, and the database passes its integrity checks.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from app.comments import threads as paths
from app.db import create_db_engine, make_session_factory, transaction
from app.models import Comment, OutboxMessage
from app.notifications.outbox import KIND_REPLY
from tests import own_db
from tests.conftest import BrowserLikeClient
from tests.factories import PASSWORD, Factory, sign_in
from tests.html import one, parse
from tests.live import free_port

CLIENTS = 3
POSTS_PER_CLIENT = 15
KILLS = 6
TIME_LIMIT = 50.0  # seconds for the whole test; CI must stay well under a minute
ROOT = Path(__file__).resolve().parents[2]


# --- The unit of work commits before the answer leaves -------------------------------


class _Recorder:
    """ASGI wrapper noting when the response starts, in the same list as the commits."""

    def __init__(self, app: FastAPI, events: list[str]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.events.append(f"response {message['status']}")
            await send(message)

        await self.app(scope, receive, noting_send)


def test_the_post_is_committed_before_its_answer_starts(
    app: FastAPI, factory: Factory, session_factory: sessionmaker[Session]
) -> None:
    """FastAPI runs a `yield` dependency's exit after the response unless scoped to the
    function; app/web/deps.py scopes the unit of work so. This fails if that ever changes."""
    alice = factory.user()
    factory.space(slug="durable")
    events: list[str] = []
    event.listen(session_factory, "after_commit", lambda _s: events.append("commit"))
    with BrowserLikeClient(_Recorder(app, events), follow_redirects=False) as client:  # type: ignore[arg-type]
        sign_in(client, alice)
        events.clear()
        response = client.post("/en/spaces/durable/comments", data={"body": "Kept.", "lang": "en"})
    assert response.status_code == 303
    # Whatever commits the request makes, all of them come before the answer starts.
    assert "commit" in events
    assert events[-1] == "response 303"
    assert events.count("response 303") == 1


# --- The killed server ---------------------------------------------------------------


class Server:
    """The application served by uvicorn in a child process, on production settings from
    the environment (see forking_server.py for why it is forked rather than launched)."""

    def __init__(self, database_url: str, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ROUNDTABLE_")},
            "DATABASE_URL": database_url,
            "ROUNDTABLE_DATA_DIR": str(data_dir),
        }
        command = [sys.executable, "-m", "tests.comments.forking_server", str(self.port), str(log)]
        self.launcher = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pid = 0

    def start(self) -> None:
        assert self.launcher.stdin is not None
        assert self.launcher.stdout is not None
        self.launcher.stdin.write("start\n")
        self.launcher.stdin.flush()
        self.pid = int(self.launcher.stdout.readline())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.02)
        raise RuntimeError("server did not become ready")

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        assert self.launcher.stdin is not None
        self.launcher.stdin.close()
        try:
            self.launcher.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.launcher.kill()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.launcher.wait()


@dataclass(frozen=True)
class Ack:
    comment_id: int
    body: str
    parent_id: int | None


@dataclass
class Tally:
    acknowledged: dict[str, Ack] = field(default_factory=dict)
    retries: int = 0  # posts sent again after no answer
    double_sends: int = 0  # posts sent twice at once on two connections
    page_retries: int = 0  # pages (forms) asked for again
    retried_keys: set[str] = field(default_factory=set)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _posted_id(location: str) -> int:
    posted = re.search(r"[?&]posted=(\d+)", location)
    assert posted is not None, location
    return int(posted[1])


def _hidden(markup: str, form: str, name: str) -> str:
    return one(parse(markup), f"{form} input[name={name}]").attributes["value"] or ""


class Participant:
    """One browser: signs in, then posts replies without script and comments through htmx."""

    def __init__(
        self, n: int, server: Server, email: str, slug: str, question_id: int, tally: Tally
    ) -> None:
        self.n = n
        self.server = server
        self.email = email
        self.slug = slug
        self.question_id = question_id
        self.tally = tally
        self.http = self._client()
        self.twin = self.http  # a second connection, for double clicks (once signed in)
        self.next_htmx_key = ""  # the key of the form an htmx answer put in place

    def _client(self, cookies: httpx.Cookies | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base,
            timeout=10,
            follow_redirects=False,
            headers={"Origin": self.server.base},  # as a browser sends with every POST
            cookies=cookies,
        )

    def _until_answered(
        self, send: Callable[[], httpx.Response], key: str | None
    ) -> httpx.Response:
        """Send until the server answers; a lost answer is sent again as it was."""
        deadline = time.monotonic() + TIME_LIMIT
        while time.monotonic() < deadline:
            try:
                return send()
            except httpx.TransportError:
                with self.tally.lock:
                    if key is None:
                        self.tally.page_retries += 1
                    else:
                        self.tally.retries += 1
                        self.tally.retried_keys.add(key)
                time.sleep(0.1)
        raise TimeoutError(f"participant {self.n}: no answer before the deadline")

    def sign_in(self) -> None:
        page = self._until_answered(lambda: self.http.get("/en/sign-in"), None)
        data = {
            "email": self.email,
            "password": PASSWORD,
            "next": "/en/",
            "csrf_token": _hidden(page.text, "form#sign-in", "csrf_token"),
        }
        answer = self._until_answered(lambda: self.http.post("/en/sign-in", data=data), None)
        assert answer.status_code == 303, answer.text
        self.twin = self._client(self.http.cookies)

    def _post(
        self, data: dict[str, str], headers: dict[str, str], expect: int, *, twice: bool
    ) -> list[httpx.Response]:
        """The answer to a post; with `twice`, also to the same post sent at the same moment
        on another connection (a double click)."""
        if not twice:
            return [self._send(self.http, data, headers, expect)]
        answers: list[httpx.Response] = []
        twin = threading.Thread(
            target=lambda: answers.append(self._send(self.twin, data, headers, expect))
        )
        twin.start()
        first = self._send(self.http, data, headers, expect)
        twin.join()
        with self.tally.lock:
            self.tally.double_sends += 1
        return [first, *answers]

    def _send(
        self, client: httpx.Client, data: dict[str, str], headers: dict[str, str], expect: int
    ) -> httpx.Response:
        key = data["idempotency_key"]
        while True:
            answer = self._until_answered(
                lambda: client.post(f"/en/spaces/{self.slug}/comments", data=data, headers=headers),
                key,
            )
            if answer.status_code == expect:
                return answer
            with self.tally.lock:
                self.tally.unexpected.append(f"{answer.status_code}: {answer.text[:300]}")
            if len(self.tally.unexpected) > 5:
                raise AssertionError(self.tally.unexpected)
            time.sleep(0.2)

    def reply_without_script(self, body: str, *, twice: bool) -> None:
        page = self._until_answered(
            lambda: self.http.get(f"/en/comments/{self.question_id}/reply"), None
        )
        data = {
            "body": body,
            "lang": "en",
            "parent_id": str(self.question_id),
            "csrf_token": _hidden(page.text, "form.compose", "csrf_token"),
            "idempotency_key": _hidden(page.text, "form.compose", "idempotency_key"),
        }
        answers = self._post(data, {}, 303, twice=twice)
        ids = {_posted_id(answer.headers["location"]) for answer in answers}
        self._acknowledge(data["idempotency_key"], ids, body, self.question_id)

    def comment_with_htmx(self, body: str, *, twice: bool) -> None:
        if not self.next_htmx_key:
            page = self._until_answered(lambda: self.http.get(f"/en/spaces/{self.slug}"), None)
            self.next_htmx_key = _hidden(page.text, "form#post-form", "idempotency_key")
        data = {"body": body, "lang": "en", "idempotency_key": self.next_htmx_key}
        headers = {"HX-Request": "true", "X-CSRF-Token": self.http.cookies.get("rt_csrf") or ""}
        answers = self._post(data, headers, 200, twice=twice)
        cards = {one(parse(a.text), "article.comment").attributes["id"] or "" for a in answers}
        self.next_htmx_key = _hidden(
            answers[0].text, "[hx-swap-oob] form#post-form", "idempotency_key"
        )
        ids = {int(card.removeprefix("c-")) for card in cards}
        self._acknowledge(data["idempotency_key"], ids, body, None)

    def _acknowledge(self, key: str, ids: set[int], body: str, parent_id: int | None) -> None:
        with self.tally.lock:
            assert key not in self.tally.acknowledged, "a form handed out a key twice"
            assert len(ids) == 1, f"one post, answered with several comments: {ids}"
            self.tally.acknowledged[key] = Ack(ids.pop(), body, parent_id)

    def run(self, errors: list[BaseException]) -> None:
        try:
            for i in range(POSTS_PER_CLIENT):
                body = f"Participant {self.n}, post {i}: {random.getrandbits(48):x}"
                twice = i % 3 == 0
                if i % 2:
                    self.comment_with_htmx(body, twice=twice)
                else:
                    self.reply_without_script(body, twice=twice)
        except BaseException as exc:
            errors.append(exc)
        finally:
            self.http.close()
            self.twin.close()


@dataclass(frozen=True)
class Setting:
    emails: list[str]
    author_ids: list[int]
    slug: str
    question_id: int


def _prepare(engine: Engine) -> Setting:
    with transaction(make_session_factory(engine)) as db:
        people = Factory(db)
        mod = people.user("Mona Moderation Lead")
        users = [people.user(f"Participant {n}") for n in range(CLIENTS)]
        for user in users:  # past the tighter posting limit of day-old accounts
            user.created_at = datetime.now(UTC) - timedelta(days=2)
        space = people.space(moderators=(mod,))
        question = people.question(space, mod, "What must the note say?")
        return Setting([u.email for u in users], [u.id for u in users], space.slug, question.id)


def _check_database(engine: Engine, setting: Setting, tally: Tally) -> None:
    with make_session_factory(engine)() as db:
        rows = list(db.scalars(select(Comment).where(Comment.author_id.in_(setting.author_ids))))
        keys = Counter(row.idempotency_key for row in rows)
        assert [key for key, n in keys.items() if n > 1] == []
        # Every acknowledged post once; nothing that was not acknowledged; no duplicates.
        assert len(rows) == len(tally.acknowledged)
        by_key = {row.idempotency_key: row for row in rows}
        for key, ack in tally.acknowledged.items():
            row = by_key[key]
            assert (row.id, row.body_md, row.parent_id) == (ack.comment_id, ack.body, ack.parent_id)
        # The moderator heard once of each reply, retried or not.
        notified = Counter(
            m.payload.get("comment_id")
            for m in db.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND_REPLY))
        )
        replies = [a.comment_id for a in tally.acknowledged.values() if a.parent_id]
        assert sorted(notified.elements()) == sorted(replies)
        _check_paths(db)
        if engine.dialect.name == "sqlite":
            assert db.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert db.execute(text("PRAGMA foreign_key_check")).all() == []


def _check_paths(db: Session) -> None:
    """Materialised paths agree with parent links, and are unique in their space."""
    comments = {c.id: c for c in db.scalars(select(Comment))}
    for c in comments.values():
        if c.parent_id is None:
            expected = paths.root_path(
                is_question=c.kind == "question", number=c.number, comment_id=c.id
            )
        else:
            expected = paths.child_path(comments[c.parent_id].path, c.id)
        assert (c.path, c.depth) == (expected, paths.depth_of(expected)), c.id
    doubles = db.execute(
        select(Comment.space_id, Comment.path)
        .group_by(Comment.space_id, Comment.path)
        .having(func.count() > 1)
    ).all()
    assert doubles == []


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    url = own_db.create(tmp_path, "durability")
    engine = create_db_engine(url)
    yield engine
    engine.dispose()
    own_db.drop(url)


def _kill_repeatedly(server: Server, threads: list[threading.Thread], tally: Tally) -> int:
    """Kill once the restarted server is under load again (a few posts answered), at a
    random moment after that, when other requests are in flight."""
    kills = 0
    while kills < KILLS and any(t.is_alive() for t in threads):
        target = len(tally.acknowledged) + random.randint(1, 2)
        while len(tally.acknowledged) < target and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        time.sleep(random.uniform(0, 0.1))
        server.kill()
        kills += 1
        server.start()
    return kills


@pytest.mark.durability
def test_acknowledged_posts_survive_repeated_sigkill(
    own_engine: Engine, tmp_path: Path, record_property: Callable[[str, Any], None]
) -> None:
    started = time.monotonic()
    log = tmp_path / "server.log"
    # The launcher imports the application while the test data is written.
    server = Server(own_engine.url.render_as_string(hide_password=False), tmp_path, log)
    setting = _prepare(own_engine)
    tally = Tally()
    errors: list[BaseException] = []
    try:
        server.start()
        participants = [
            Participant(n, server, email, setting.slug, setting.question_id, tally)
            for n, email in enumerate(setting.emails)
        ]
        for participant in participants:
            participant.sign_in()
        threads = [
            threading.Thread(target=p.run, args=(errors,), daemon=True) for p in participants
        ]
        for thread in threads:
            thread.start()
        kills = _kill_repeatedly(server, threads, tally)
        for thread in threads:
            thread.join(timeout=max(1.0, TIME_LIMIT - (time.monotonic() - started)))
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    numbers = {
        "acknowledged": len(tally.acknowledged),
        "kills": kills,
        "retries": tally.retries,
        "retried_posts": len(tally.retried_keys),
        "double_sends": tally.double_sends,
        "page_retries": tally.page_retries,
        "seconds": round(elapsed, 1),
    }
    print(f"\ndurability ({own_engine.dialect.name}): {numbers}")
    for name, value in numbers.items():
        record_property(name, value)
    assert errors == [], (errors, log.read_text()[-3000:])
    assert not any(t.is_alive() for t in threads)
    assert tally.unexpected == []
    assert len(tally.acknowledged) == CLIENTS * POSTS_PER_CLIENT
    assert kills >= 5
    assert tally.retried_keys  # the kills did catch posts in flight
    _check_database(own_engine, setting, tally)
    assert elapsed < 60
