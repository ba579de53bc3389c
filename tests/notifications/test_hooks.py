"""Posting and moderating queue the right e-mails, in the same transaction."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Comment, Follow, OutboxMessage
from app.models.spaces import PostingPolicy
from tests.factories import Factory, sign_in


@pytest.fixture(autouse=True)
def queue_only_what_the_test_asks() -> None:
    """Unlike the other notification tests, these let posting queue its e-mails."""


def _queued(db: Session) -> list[tuple[str, int]]:
    rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [(m.kind, m.recipient_id) for m in rows]


def test_a_reply_and_a_new_comment_are_queued(
    client: TestClient, db: Session, factory: Factory
) -> None:
    alice, bob, fiona = factory.user("Alice"), factory.user("Bob"), factory.user("Fiona")
    space = factory.space(slug="pathways")
    parent = factory.comment(space, alice, "First thoughts.")
    db.add(Follow(user_id=fiona.id, space_id=space.id))
    db.flush()
    before = len(_queued(db))
    sign_in(client, bob)
    response = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "A reply.", "lang": "en", "parent_id": str(parent.id)},
    )
    assert response.status_code == 303
    assert _queued(db)[before:] == [("reply", alice.id), ("new_comment", fiona.id)]


def test_pending_comments_wait_for_the_decision(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona, alice = factory.user("Mona"), factory.user("Alice")
    space = factory.space(slug="pathways", moderators=(mona,))
    space.posting_policy = PostingPolicy.PRE_MODERATION
    parent = factory.comment(space, mona, "A moderator's opening remark.")
    db.flush()
    sign_in(client, alice)
    client.post(
        "/en/spaces/pathways/comments",
        data={"body": "Answering Mona.", "lang": "en", "parent_id": str(parent.id)},
    )
    client.post("/en/spaces/pathways/comments", data={"body": "Off topic.", "lang": "en"})
    assert ("reply", mona.id) not in _queued(db)  # nothing before review
    sign_in(client, mona)
    pending = db.scalars(
        select(Comment).where(Comment.status == "pending").order_by(Comment.id)
    ).all()
    answer, off_topic = pending
    client.post(f"/en/comments/{answer.id}/moderate", data={"action": "approve"})
    client.post(
        f"/en/comments/{off_topic.id}/moderate", data={"action": "reject", "reason": "Off topic"}
    )
    queued = _queued(db)
    assert queued.count(("decision", alice.id)) == 2
    assert ("reply", mona.id) in queued
    rejected = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert rejected is not None
    assert rejected.payload.get("reason") == "Off topic"
