"""Two moderators asking a question at the same moment get two different numbers."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.comments import posting, queries
from app.db import create_db_engine, make_session_factory, transaction
from app.models import Comment, Space
from tests import own_db
from tests.factories import Factory


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    url = own_db.create(tmp_path, "numbers")
    engine = create_db_engine(url)
    yield engine
    engine.dispose()
    own_db.drop(url)


def test_simultaneous_questions_are_numbered_one_after_the_other(own_engine: Engine) -> None:
    factory = make_session_factory(own_engine)
    with transaction(factory) as db:
        people = Factory(db)
        mona, omar = people.user("Mona"), people.user("Omar")
        space = people.space(moderators=(mona, omar))
        people.question(space, mona, "First question?")
        viewers = [people.viewer(mona), people.viewer(omar)]
    # Both wait here for each other before reading the next number. Unserialised, both would
    # read the same one; with the space locked, the second only arrives after the first
    # committed, so the first's wait times out and it goes on alone.
    barrier = threading.Barrier(2, timeout=2)
    real_next = queries.next_question_number
    errors: list[BaseException] = []

    def next_together(space_id: int):  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_next(space_id)

    def ask(index: int) -> None:
        try:
            with transaction(factory) as db:
                posting.ask_question(
                    db,
                    viewers[index],
                    db.get_one(Space, space.id),
                    text=f"Question from moderator {index}?",
                    lang="en",
                    now=datetime.now(UTC),
                    max_chars=1000,
                )
        except BaseException as exc:
            errors.append(exc)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "next_question_number", next_together)
        threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    with factory() as db:
        numbers = db.scalars(
            select(Comment.number).where(Comment.space_id == space.id).order_by(Comment.number)
        ).all()
    assert numbers == [1, 2, 3]
