"""The embedding queue and the themes lease under two workers at once.

Two real connections on a database of their own (tests/own_db.py). On PostgreSQL a
rendezvous holds each worker at its first write to the queue until both have read it:
the moment two workers would take the same job without row locks. SQLite has one writer
at a time, so there the second simply finds the first one's lease; the outcomes asserted
are the same.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.comments import editing
from app.db import create_db_engine, make_session_factory, transaction
from app.models import AnalysisJob, Comment, Embedding, Space, SpaceAnalysis, User
from app.models.analysis import OWN_TEXT
from app.policy import ANONYMOUS, Purpose, read_as
from app.synthesis import queue, worker
from app.synthesis.embedder import LocalEmbedder
from tests import own_db
from tests.factories import Factory
from tests.faults.test_races import Rendezvous

pytestmark = pytest.mark.faults

ROUNDS = 10
COMMENTS = 12


class Meeting(Rendezvous):
    """As Rendezvous, but a worker whose partner never writes (it found nothing to take,
    as it should) goes on after a moment instead of failing the round."""

    WAIT = 1.0

    def _hold(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.active or self.pattern is None or not self.pattern.match(statement):
            return
        key = id(conn.connection.dbapi_connection)
        with self.lock:
            if key in self.held or len(self.held) >= 2:
                return
            self.held.add(key)
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait(timeout=self.WAIT)


@dataclass
class Queue:
    engine: Engine
    factory: sessionmaker[Session]
    rendezvous: Rendezvous
    space: Space
    author: User
    comments: list[int]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    tmp: Path = tmp_path_factory.mktemp("analysis_races")
    url = own_db.create(tmp, "analysis_races")
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        people = Factory(db)
        author = people.user("Ama")
        space = people.space(slug="analysis-races")
        ids = [
            people.comment(space, author, f"Comment number {i} on fees and bank accounts.").id
            for i in range(COMMENTS)
        ]
    rendezvous = Meeting(engine)
    yield Queue(engine, factory, rendezvous, space, author, ids)
    rendezvous.close()
    engine.dispose()
    own_db.drop(url)


def _both(rendezvous: Rendezvous, tables: tuple[str, ...], work: Callable[[], Any]) -> list[Any]:
    rendezvous.arm(*tables)
    start = threading.Barrier(2, timeout=15)
    answers: list[Any] = [None, None]

    def run(i: int) -> None:
        start.wait()
        try:
            answers[i] = work()
        except BaseException as exc:  # reported below, never swallowed
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    rendezvous.disarm()
    assert not any(t.is_alive() for t in threads)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers


def _release_all(jobs: Queue) -> None:
    with transaction(jobs.factory) as db:
        db.execute(update(AnalysisJob).values(lease_until=None))
        db.execute(update(SpaceAnalysis).values(lease_until=None))


def test_two_workers_never_take_the_same_job(jobs: Queue) -> None:
    for _round in range(ROUNDS):
        _release_all(jobs)
        now = datetime.now(UTC)
        first, second = _both(
            jobs.rendezvous,
            ("analysis_jobs",),
            lambda now=now: queue.claim(jobs.factory, now, limit=COMMENTS // 2),
        )
        taken = [(c.comment_id, c.text_key) for c in first + second]
        assert len(taken) == len(set(taken)), "a job was leased to both workers"
        assert first
        assert second


def test_two_workers_recompute_a_space_once(jobs: Queue) -> None:
    with transaction(jobs.factory) as db:
        db.execute(update(AnalysisJob).values(attempts=queue.MAX_ATTEMPTS))  # none waiting
        db.merge(
            SpaceAnalysis(
                space_id=jobs.space.id,
                content_version=-1,
                comments=0,
                model="",
                wanted=True,
                computed_at=datetime.now(UTC) - timedelta(hours=1),
            )
        )
    try:
        for _round in range(ROUNDS):
            _release_all(jobs)
            now = datetime.now(UTC)
            answers = _both(
                jobs.rendezvous,
                ("space_analyses",),
                lambda now=now: worker.claim_space(jobs.factory, now, timedelta(0), jobs.space.id),
            )
            won = [a for a in answers if a is not None]
            assert len(won) == 1, f"the space was leased {len(won)} times"
    finally:
        with transaction(jobs.factory) as db:
            db.execute(update(AnalysisJob).values(attempts=0))


def test_a_text_changed_while_it_was_embedded_keeps_its_job(jobs: Queue) -> None:
    _release_all(jobs)
    comment_id = jobs.comments[0]
    now = datetime.now(UTC)
    claims = [c for c in queue.claim(jobs.factory, now, COMMENTS) if c.comment_id == comment_id]
    assert claims
    texts = queue.read_texts(jobs.factory, claims)
    # The author edits the comment while the worker is busy with the old words.
    with transaction(jobs.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        comment = db.get(Comment, comment_id)
        assert comment is not None
        editing.edit_comment(
            db,
            Factory(db).viewer(jobs.author),
            comment,
            jobs.space,
            body="New words on remittance fees, written after the worker read the old ones.",
            lang="en",
            now=datetime.now(UTC),
            max_chars=20_000,
        )
    embedder = LocalEmbedder()
    stored = queue.store(jobs.factory, texts, queue.embed(embedder, texts), embedder.name, now)
    assert stored == 0
    with transaction(jobs.factory, writes=False) as db:
        job = db.get(AnalysisJob, (comment_id, OWN_TEXT))
        assert job is not None
        assert job.generation == claims[0].generation + 1
        assert job.lease_until is None  # handed back at once, for the next round
        assert db.get(Embedding, (comment_id, OWN_TEXT)) is None
    # The next round embeds the words as they are now.
    made = queue.run_once(jobs.factory, embedder, datetime.now(UTC), limit=COMMENTS * 2)
    assert made >= 1
    with transaction(jobs.factory, writes=False) as db:
        embedding = db.get(Embedding, (comment_id, OWN_TEXT))
        assert embedding is not None
        assert embedding.comment_version == 2
        assert db.scalar(select(AnalysisJob).where(AnalysisJob.comment_id == comment_id)) is None
