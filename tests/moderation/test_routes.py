from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Ban, Comment, Flag, ModerationEvent, UserSession
from app.models.moderation import ModerationAction
from app.models.spaces import PostingPolicy
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


@pytest.fixture
def world(factory: Factory) -> dict:
    mod = factory.user("Moderator Mona")
    other_mod = factory.user("Moderator Omar")
    alice = factory.user("Alice Achieng")
    bob = factory.user("Bob Baptiste")
    space = factory.space(slug="pathways", moderators=(mod,))
    factory.space(slug="elsewhere", moderators=(other_mod,))
    question = factory.question(space, mod, "How can pathways be widened?")
    second = factory.question(space, mod, "What should employers do?")
    comment = factory.comment(space, alice, "Recognise **skills** earned abroad.", parent=question)
    reply = factory.comment(space, bob, "Agreed, and faster.", parent=comment)
    return {
        "mod": mod,
        "other_mod": other_mod,
        "alice": alice,
        "bob": bob,
        "space": space,
        "question": question,
        "second": second,
        "comment": comment,
        "reply": reply,
    }


def _events(db: Session, action: str) -> list[ModerationEvent]:
    return list(db.scalars(select(ModerationEvent).where(ModerationEvent.action == action)))


def test_hiding_leaves_a_placeholder_and_keeps_replies(
    client: TestClient, db: Session, world: dict
) -> None:
    sign_in(client, world["mod"])
    target = world["comment"]
    response = client.post(
        f"/en/comments/{target.id}/moderate", data={"action": "hide", "reason": "Off-topic advert"}
    )
    assert response.status_code == 303
    db.refresh(target)
    assert target.status == "hidden"
    [event] = _events(db, "hide")
    assert (event.actor_id, event.target_id, event.reason) == (
        world["mod"].id,
        target.id,
        "Off-topic advert",
    )

    client.cookies.clear()
    page = parse(client.get("/en/spaces/pathways").text)
    card = one(page, f"#c-{target.id}")
    assert "placeholder" in card.attributes["class"]
    assert texts(card, "h3")[0].startswith("Removed by a moderator on")
    assert "skills" not in card.text()
    assert one(page, f"#c-{world['reply'].id}")  # the reply stays visible
    # Hidden content is 404 for others on every channel, history included.
    for path in (
        f"/en/comments/{target.id}",
        f"/en/comments/{target.id}/history",
        f"/en/comments/{target.id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    # In JSON the thread keeps its shape: a placeholder without author or words.
    api = client.get("/api/v1/spaces/pathways/comments").json()
    [shown] = [c for c in api["comments"] if c["id"] == target.id]
    assert (shown["status"], shown["author"], shown["body_html"]) == ("hidden", None, "")
    assert "skills" not in str(api)


def test_restore_needs_a_reason_and_keeps_the_form(
    client: TestClient, db: Session, world: dict
) -> None:
    sign_in(client, world["mod"])
    target = world["comment"]
    client.post(f"/en/comments/{target.id}/moderate", data={"action": "hide", "reason": "x"})
    response = client.post(f"/en/comments/{target.id}/moderate", data={"action": "restore"})
    assert response.status_code == 422
    page = parse(response.text)
    assert texts(page, "#decide .error-summary li") == [
        "Give a reason: it is kept in the audit log."
    ]
    response = client.post(
        f"/fr/comments/{target.id}/moderate", data={"action": "restore", "reason": ""}
    )
    assert "Indiquez un motif" in texts(parse(response.text), "#decide .error-summary li")[0]
    client.post(
        f"/en/comments/{target.id}/moderate", data={"action": "restore", "reason": "Appeal upheld"}
    )
    db.refresh(target)
    assert target.status == "published"


def test_pre_moderation_queue_approve_and_reject(
    client: TestClient, db: Session, world: dict
) -> None:
    space = world["space"]
    space.posting_policy = PostingPolicy.PRE_MODERATION
    db.flush()
    sign_in(client, world["alice"])
    response = client.post(
        "/en/spaces/pathways/comments", data={"body": "Waiting for review.", "lang": "en"}
    )
    assert response.status_code == 303
    waiting = db.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert waiting is not None
    assert waiting.status == "pending"
    # The author sees it, with a note; the note on the redirect page says it awaits review.
    page = parse(client.get(response.headers["location"]).text)
    assert "once a moderator has approved it" in texts(page, "p.note")[0]
    assert texts(one(page, f"#c-{waiting.id}"), ".status-note")[0].startswith("Awaiting review")
    # Others do not.
    sign_in(client, world["bob"])
    assert client.get(f"/en/comments/{waiting.id}").status_code == 404
    assert not parse(client.get("/en/spaces/pathways").text).css(f"#c-{waiting.id}")
    # The moderator finds it in the queue with a count in the navigation.
    sign_in(client, world["mod"])
    queue = parse(client.get("/en/spaces/pathways/moderation").text)
    assert [n.attributes["value"] for n in queue.css("input[name=ids]")] == [str(waiting.id)]
    assert texts(queue, "header.site nav.account a[href='/en/moderation']") == [
        "Moderation 1 waiting"
    ]
    response = client.post(
        "/en/spaces/pathways/moderation",
        data={"ids": [str(waiting.id)], "action": "approve", "show": "pending"},
    )
    assert response.status_code == 303
    db.refresh(waiting)
    assert waiting.status == "published"
    second = client.post(
        "/en/spaces/pathways/comments", data={"body": "Moderators skip the queue.", "lang": "en"}
    )
    assert second.status_code == 303
    assert db.scalars(select(Comment).order_by(Comment.id.desc())).first().status == "published"


def test_bulk_actions_are_all_or_nothing(client: TestClient, db: Session, world: dict) -> None:
    sign_in(client, world["mod"])
    ids = [str(world["comment"].id), str(world["reply"].id)]
    response = client.post(
        "/en/spaces/pathways/moderation",
        data={"ids": ids, "action": "approve", "show": "pending"},
    )
    assert response.status_code == 422  # published comments cannot be approved
    assert texts(parse(response.text), ".error-summary li") == [
        "Only a comment awaiting review can be approved."
    ]
    assert _events(db, "approve") == []
    response = client.post(
        "/en/spaces/pathways/moderation",
        data={"ids": ids, "action": "hide", "reason": "Spam wave", "show": "flagged"},
    )
    assert response.status_code == 303
    assert len(_events(db, "hide")) == 2
    response = client.post("/en/spaces/pathways/moderation", data={"action": "hide"})
    assert texts(parse(response.text), ".error-summary li") == ["Select at least one comment."]


def test_flags_one_per_user_and_threshold_auto_hides(
    client: TestClient, db: Session, factory: Factory, world: dict
) -> None:
    space = world["space"]
    space.flag_threshold = 2
    db.flush()
    target = world["comment"]
    sign_in(client, world["bob"])
    form = parse(client.get(f"/en/comments/{target.id}/report").text)
    assert len(form.css("input[name=reason]")) == 5
    response = client.post(f"/en/comments/{target.id}/report", data={"reason": "other"})
    assert response.status_code == 422
    assert texts(parse(response.text), ".error-summary li") == [
        "Please say what is wrong with this comment."
    ]
    assert (
        client.post(f"/en/comments/{target.id}/report", data={"reason": "spam"}).status_code == 200
    )
    again = client.post(f"/en/comments/{target.id}/report", data={"reason": "spam"})
    assert texts(parse(again.text), ".error-summary li") == [
        "You have already reported this comment."
    ]
    db.refresh(target)
    assert target.status == "published"
    carol = factory.user("Carol Chen")
    sign_in(client, carol)
    client.post(
        f"/en/comments/{target.id}/report",
        data={"reason": "personal-data", "details": "A phone number"},
    )
    db.refresh(target)
    assert target.status == "hidden"
    [event] = _events(db, "auto-hide")
    assert event.actor_id is None
    assert len(list(db.scalars(select(Flag).where(Flag.comment_id == target.id)))) == 2
    # Authors cannot report themselves.
    sign_in(client, world["bob"])
    assert client.get(f"/en/comments/{world['reply'].id}/report").status_code == 403


def test_ban_revokes_sessions_and_stops_posting(
    client: TestClient, db: Session, world: dict
) -> None:
    alice = world["alice"]
    sign_in(client, alice)
    alice_cookie = client.cookies.get("rt_session")
    sign_in(client, world["mod"])
    ends = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    response = client.post(
        f"/en/comments/{world['comment'].id}/ban",
        data={"reason": "Repeated abuse", "ends_on": ends},
    )
    assert response.status_code == 303
    [ban] = db.scalars(select(Ban)).all()
    assert (ban.user_id, ban.space_id) == (alice.id, world["space"].id)
    assert db.scalars(select(UserSession).where(UserSession.user_id == alice.id)).all() == []
    client.cookies.clear()
    client.cookies.set("rt_session", alice_cookie or "")
    assert not parse(client.get("/en/").text).css("form[action='/en/sign-out']")
    sign_in(client, alice)
    page = parse(client.get("/en/spaces/pathways").text)
    assert not page.css("#post-form")
    response = client.post(
        "/en/spaces/pathways/comments", data={"body": "Still here", "lang": "en"}
    )
    assert response.status_code == 422
    assert "suspended" in texts(parse(response.text), ".error-summary li")[0]
    # A moderator of this space may not suspend everywhere; an end date must be in the future.
    sign_in(client, world["mod"])
    response = client.post(
        f"/en/comments/{world['reply'].id}/ban",
        data={"reason": "x", "ends_on": "2001-01-01"},
    )
    assert texts(parse(response.text), "#ban .error-summary li") == [
        "The end date must be in the future."
    ]
    assert (
        client.post(
            f"/en/comments/{world['reply'].id}/ban", data={"reason": "x", "everywhere": "1"}
        ).status_code
        == 403
    )
    client.post(f"/en/bans/{ban.id}/lift", data={"reason": "Served"})
    db.refresh(ban)
    assert ban.lifted_at is not None


def test_pin_lock_move_and_close(client: TestClient, db: Session, world: dict) -> None:
    sign_in(client, world["mod"])
    second = world["second"]
    client.post(f"/en/comments/{second.id}/moderate", data={"action": "pin"})
    page = parse(client.get("/en/spaces/pathways").text)
    ids = [n.attributes["id"] for n in page.css("#thread > article")]
    assert ids[0] == f"c-{second.id}"  # pinned questions come first
    client.post(f"/en/comments/{world['comment'].id}/moderate", data={"action": "lock"})
    sign_in(client, world["bob"])
    page = parse(client.get("/en/spaces/pathways").text)
    card = one(page, f"#c-{world['reply'].id}")
    assert not card.css("a[href$='/reply']")
    response = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "Sneaky", "lang": "en", "parent_id": str(world["reply"].id)},
    )
    assert response.status_code == 422
    sign_in(client, world["mod"])
    response = client.post(
        f"/en/comments/{world['comment'].id}/moderate",
        data={"action": "move", "question_id": str(second.id), "reason": "Belongs there"},
    )
    assert response.status_code == 303
    db.refresh(world["comment"])
    db.refresh(world["reply"])
    db.refresh(second)
    assert second.path.startswith("0")  # pinned
    assert world["comment"].parent_id == second.id
    assert world["reply"].path.startswith(world["comment"].path)
    assert world["comment"].path.startswith(second.path)
    response = client.post("/en/spaces/pathways/close", data={"reason": "Deadline moved"})
    assert response.status_code == 303
    db.refresh(world["space"])
    assert world["space"].closes_at is not None
    assert [e.action for e in db.scalars(select(ModerationEvent).order_by(ModerationEvent.id))] == [
        "pin",
        "lock",
        "move",
        "close-space",
    ]


def test_audit_log_filters_and_transparency_has_no_names(
    client: TestClient, db: Session, world: dict
) -> None:
    sign_in(client, world["mod"])
    client.post(
        f"/en/comments/{world['comment'].id}/moderate",
        data={"action": "hide", "reason": "Contains a phone number"},
    )
    client.post(f"/en/comments/{world['second'].id}/moderate", data={"action": "pin"})
    log = parse(client.get("/en/spaces/pathways/audit").text)
    assert [n.attributes["data-action"] for n in log.css("tr.event td[data-action]")] == [
        "pin",
        "hide",
    ]
    options = [o.attributes["value"] for o in log.css("#audit-filter-action option")]
    assert options == ["", *ModerationAction]
    filtered = parse(client.get("/en/spaces/pathways/audit?action=hide").text)
    assert len(filtered.css("tr.event")) == 1
    assert "Moderator Mona" in texts(filtered, "tr.event td")[1]
    client.cookies.clear()
    public = client.get("/en/spaces/pathways/transparency")
    assert public.status_code == 200
    tree = parse(public.text)
    assert {n.attributes["data-action"] for n in tree.css("th[data-action]")} == {"hide", "pin"}
    body = one(tree, "main").text()
    assert "Moderator Mona" not in body.split("Moderators")[-1]
    assert "phone number" not in body
    assert client.get("/en/spaces/pathways/audit").status_code == 403


def test_admin_audit_sees_every_space(client: TestClient, factory: Factory, world: dict) -> None:
    admin = factory.user("Ada Admin", admin=True)
    sign_in(client, world["mod"])
    client.post(f"/en/comments/{world['second'].id}/moderate", data={"action": "pin"})
    sign_in(client, admin)
    log = parse(client.get("/en/admin/audit").text)
    assert len(log.css("tr.event")) == 1
    sign_in(client, world["mod"])
    assert client.get("/en/admin/audit").status_code == 403
