"""What moderators' pages read: counted right, and in statements that do not grow with the
number of spaces."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Space, User
from app.models.comments import CommentStatus
from app.moderation import flags, reads
from tests.conftest import StatementCounter
from tests.factories import Factory, sign_in
from tests.html import parse, texts

_SAVEPOINT = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")


def _busy_space(
    factory: Factory, mod: User, people: list[User], pending: int, flagged: int
) -> Space:
    """A space with `pending` comments awaiting review and `flagged` reported ones."""
    space = factory.space(moderators=(mod,), titles={"en": f"{pending} pending, {flagged} flagged"})
    question = factory.question(space, mod, "What should change first?")
    for _ in range(pending):
        factory.comment(
            space, people[0], "Awaiting review.", parent=question
        ).status = CommentStatus.PENDING
    for _ in range(flagged):
        reported = factory.comment(space, people[0], "Reported twice.", parent=question)
        for reporter in people[1:3]:
            flags.flag(
                factory.db,
                factory.viewer(reporter),
                reported,
                space,
                reason="spam",
                details="",
                now=datetime.now(UTC),
            )
    factory.db.flush()
    return space


def test_waiting_counts_each_space_in_one_statement(
    db: Session, factory: Factory, count_statements: StatementCounter
) -> None:
    mod = factory.user("Moderator Mona")
    people = [factory.user() for _ in range(3)]
    busy = _busy_space(factory, mod, people, pending=2, flagged=1)
    quiet = _busy_space(factory, mod, people, pending=0, flagged=0)
    reported = _busy_space(factory, mod, people, pending=0, flagged=3)
    count_statements.statements.clear()
    waiting = reads.waiting_by_space(db, [busy.id, quiet.id, reported.id])
    assert waiting == {
        busy.id: reads.Waiting(pending=2, flagged=1),
        quiet.id: reads.Waiting(pending=0, flagged=0),
        reported.id: reads.Waiting(pending=0, flagged=3),
    }
    assert sum(1 for s in count_statements.statements if not _SAVEPOINT.match(s)) == 1
    assert reads.waiting_by_space(db, []) == {}


def _home_statements(client: TestClient, counter: StatementCounter) -> tuple[int, list[list[str]]]:
    counter.statements.clear()
    response = client.get("/en/moderation")
    assert response.status_code == 200
    rows = [texts(row, "th, td")[:3] for row in parse(response.text).css("table.data tbody tr")]
    return sum(1 for s in counter.statements if not _SAVEPOINT.match(s)), rows


def test_the_moderation_home_reads_as_much_for_one_space_as_for_five(
    client: TestClient, factory: Factory, count_statements: StatementCounter
) -> None:
    mod = factory.user("Moderator Mona")
    people = [factory.user() for _ in range(3)]
    _busy_space(factory, mod, people, pending=1, flagged=2)
    factory.space()  # not theirs: not listed
    sign_in(client, mod)
    client.get("/en/moderation")  # per-process caches (templates) warmed
    one_space, rows = _home_statements(client, count_statements)
    assert rows == [["1 pending, 2 flagged", "1", "2"]]
    for pending in range(4):
        _busy_space(factory, mod, people, pending=pending, flagged=1)
    five_spaces, rows = _home_statements(client, count_statements)
    assert sorted(rows) == [
        ["0 pending, 1 flagged", "0", "1"],
        ["1 pending, 1 flagged", "1", "1"],
        ["1 pending, 2 flagged", "1", "2"],
        ["2 pending, 1 flagged", "2", "1"],
        ["3 pending, 1 flagged", "3", "1"],
    ]
    assert five_spaces == one_space
