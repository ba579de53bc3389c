"""A post sent twice (double click, retry after a lost answer, racing requests) is made once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.comments import editing, idempotency, posting
from app.db import create_db_engine, make_session_factory, transaction
from app.i18n import translations
from app.models import Comment, OutboxMessage, Space
from app.notifications.outbox import KIND_REPLY
from tests import own_db
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

HTMX = {"HX-Request": "true"}


def _count(db: Session, **where: object) -> int:
    query = select(func.count()).select_from(Comment).filter_by(**where)
    return int(db.scalar(query) or 0)


def _replies_notified(db: Session, comment_id: int) -> int:
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND_REPLY))
    return sum(1 for row in rows if row.payload.get("comment_id") == comment_id)


def _form_key(markup: str, selector: str = "form.compose") -> str:
    form = one(parse(markup), selector)
    return one(form, "input[name=idempotency_key]").attributes["value"] or ""


def test_every_posting_form_carries_a_fresh_valid_key(client: TestClient, setting: dict) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    pages = [
        client.get("/en/spaces/pathways").text,
        client.get("/en/spaces/pathways").text,
        client.get(f"/en/comments/{q.id}/reply").text,
        client.get(f"/en/comments/{q.id}/reply", headers=HTMX).text,
    ]
    keys = [
        _form_key(page, "form#post-form" if i < 2 else "form.compose")
        for i, page in enumerate(pages)
    ]
    assert len(set(keys)) == len(keys)
    assert all(idempotency.clean_key(key) == key for key in keys)


def test_form_sent_twice_redirects_to_one_comment(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    data = {"body": "Skills partnerships work.", "lang": "en", "parent_id": str(q.id)}
    data["idempotency_key"] = _form_key(client.get(f"/en/comments/{q.id}/reply").text)
    first = client.post("/en/spaces/pathways/comments", data=data)
    again = client.post("/en/spaces/pathways/comments", data=data)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    reply = db.scalar(select(Comment).where(Comment.idempotency_key == data["idempotency_key"]))
    assert reply is not None
    assert reply.parent_id == q.id
    assert first.headers["location"] == f"/en/comments/{q.id}?posted={reply.id}#c-{reply.id}"
    assert _count(db, parent_id=q.id) == 1
    # The moderator hears of the reply once, however often it was sent.
    assert _replies_notified(db, reply.id) == 1


def test_htmx_post_sent_twice_returns_the_same_card_with_a_new_key_each_time(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    sent = _form_key(client.get("/en/spaces/pathways").text, "form#post-form")
    data = {"body": "Hola a todos.", "lang": "es", "idempotency_key": sent}
    answers = [client.post("/en/spaces/pathways/comments", data=data, headers=HTMX) for _ in "ab"]
    cards = [one(parse(a.text), "article.comment").attributes["id"] for a in answers]
    assert [a.status_code for a in answers] == [200, 200]
    assert cards[0] == cards[1]
    assert _count(db, idempotency_key=sent) == 1
    # The form that replaces the one just sent must not swallow the next post.
    fresh = [_form_key(a.text, "[hx-swap-oob] form#post-form") for a in answers]
    assert sent not in fresh
    assert fresh[0] != fresh[1]
    following = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "And a second thought.", "lang": "en", "idempotency_key": fresh[0]},
        headers=HTMX,
    )
    assert one(parse(following.text), "article.comment").attributes["id"] != cards[0]
    assert _count(db, author_id=setting["alice"].id) == 2


def test_htmx_reply_sent_twice_is_posted_once(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    key = _form_key(client.get(f"/en/comments/{q.id}/reply", headers=HTMX).text)
    data = {"body": "A reply.", "lang": "en", "parent_id": str(q.id), "idempotency_key": key}
    for _ in range(3):
        response = client.post("/en/spaces/pathways/comments", data=data, headers=HTMX)
        assert response.status_code == 200
    assert _count(db, parent_id=q.id) == 1


def test_question_sent_twice_is_asked_once(client: TestClient, db: Session, setting: dict) -> None:
    sign_in(client, setting["mod"])
    data = {
        "body": "What should the note recommend?",
        "lang": "en",
        "as_question": "1",
        "idempotency_key": _form_key(client.get("/en/spaces/pathways").text, "form#post-form"),
    }
    locations = {
        client.post("/en/spaces/pathways/comments", data=data).headers["location"] for _ in "ab"
    }
    assert len(locations) == 1
    assert _count(db, kind="question") == 2  # the fixture's and this one


@pytest.mark.parametrize("htmx", [False, True])
def test_same_key_with_another_text_is_refused_with_the_text_kept(
    client: TestClient, db: Session, setting: dict, htmx: bool
) -> None:
    sign_in(client, setting["alice"], lang="fr")
    key = "form-" + "k" * 20
    headers = HTMX if htmx else {}
    first = {"body": "Premier texte.", "lang": "fr", "idempotency_key": key}
    client.post("/fr/spaces/pathways/comments", data=first, headers=headers)
    second = {**first, "body": "Un tout autre texte."}
    response = client.post("/fr/spaces/pathways/comments", data=second, headers=headers)
    assert response.status_code == 422
    tree = parse(response.text)
    assert one(tree, "textarea[name=body]").text() == "Un tout autre texte."
    english = (
        "This form was already used to post a different text, which is in the discussion. "
        "Your new text is kept below: send it again to post it as a new comment."
    )
    french = translations("fr").gettext(english)
    assert french != english
    assert texts(tree, ".error-summary li") == [" ".join(french.split())]
    assert _count(db, author_id=setting["alice"].id) == 1
    # Sending the kept text again, with the form's new key, posts it.
    second["idempotency_key"] = _form_key(response.text)
    assert second["idempotency_key"] != key
    again = client.post("/fr/spaces/pathways/comments", data=second, headers=headers)
    assert again.status_code == (200 if htmx else 303)
    assert _count(db, author_id=setting["alice"].id) == 2


@pytest.mark.parametrize("key", ["has space", "x" * 65, "<script>", "ключ"])
def test_malformed_keys_are_refused_with_a_translated_error(
    client: TestClient, db: Session, setting: dict, key: str
) -> None:
    sign_in(client, setting["alice"], lang="es")
    response = client.post(
        "/es/spaces/pathways/comments",
        data={"body": "Mi texto.", "lang": "es", "idempotency_key": key},
    )
    assert response.status_code == 422
    tree = parse(response.text)
    assert one(tree, "textarea[name=body]").text() == "Mi texto."
    english = (
        "This form carries an invalid submission key (at most %(max)d letters, digits, hyphens "
        "or underscores). Reload the page and send it again."
    )
    spanish = translations("es").gettext(english)
    assert spanish != english
    assert texts(tree, "#post-form-body-error") == [spanish % {"max": 64}]
    assert _count(db, author_id=setting["alice"].id) == 0


def test_posts_without_a_key_still_work_without_deduplication(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    data = {"body": "No script, old page.", "lang": "en"}
    for _ in "ab":
        assert client.post("/en/spaces/pathways/comments", data=data).status_code == 303
    assert _count(db, author_id=setting["alice"].id) == 2


def test_api_idempotency_key_header(client: TestClient, db: Session, setting: dict) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    payload = {"body": "Through the API.", "lang": "en", "parent_id": q.id}
    headers = {"Idempotency-Key": "3f0c9a52-7d1e-4b8a-9c6f-2e5d4a1b0c9d"}
    first = client.post("/api/v1/spaces/pathways/comments", json=payload, headers=headers)
    again = client.post("/api/v1/spaces/pathways/comments", json=payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(db, parent_id=q.id) == 1
    assert _replies_notified(db, first.json()["id"]) == 1
    other = client.post(
        "/api/v1/spaces/pathways/comments", json={**payload, "body": "Changed."}, headers=headers
    )
    assert other.status_code == 422
    assert set(other.json()["errors"]) == {"idempotency_key"}
    bad = client.post(
        "/api/v1/spaces/pathways/comments", json=payload, headers={"Idempotency-Key": "a b"}
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"idempotency_key"}
    # Without the header, each call is a new comment.
    for _ in "ab":
        client.post("/api/v1/spaces/pathways/comments", json=payload)
    assert _count(db, parent_id=q.id) == 3


def test_keys_belong_to_their_author(factory: Factory, db: Session, setting: dict) -> None:
    bob = factory.user("Bob")
    now = datetime.now(UTC)
    made = [
        posting.submit_comment(
            db,
            factory.viewer(person),
            setting["space"],
            body="Same words, same key.",
            lang="en",
            parent_id=None,
            now=now,
            max_chars=1000,
            idempotency_key="shared-key",
        ).comment
        for person in (setting["alice"], bob)
    ]
    assert made[0].id != made[1].id


def test_a_retry_still_matches_after_the_comment_was_edited(
    factory: Factory, db: Session, setting: dict
) -> None:
    viewer = factory.viewer(setting["alice"])
    now = datetime.now(UTC)
    common = {"lang": "en", "parent_id": None, "now": now, "max_chars": 1000}
    comment = posting.submit_comment(
        db, viewer, setting["space"], body="Draft.", idempotency_key="k1", **common
    ).comment
    editing.edit_comment(
        db, viewer, comment, setting["space"], body="Final.", lang="en", now=now, max_chars=1000
    )
    retried = posting.submit_comment(
        db, viewer, setting["space"], body="Draft.", idempotency_key="k1", **common
    )
    assert retried.comment.id == comment.id
    assert retried.replayed


def test_the_loser_of_a_race_rolls_back_to_a_savepoint_and_answers_the_winner(
    factory: Factory, db: Session, setting: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request that finds no comment with its key, then loses the insert to another."""
    viewer = factory.viewer(setting["alice"])
    q = setting["question"]
    common = {"lang": "en", "parent_id": q.id, "now": datetime.now(UTC), "max_chars": 1000}
    winner = posting.submit_comment(
        db, viewer, setting["space"], body="Racing.", idempotency_key="race", **common
    ).comment
    real_find = idempotency.find
    calls: list[str | None] = []

    def blind_first(session: Session, author_id: int, key: str | None) -> Comment | None:
        calls.append(key)
        return None if len(calls) == 1 else real_find(session, author_id, key)

    monkeypatch.setattr(idempotency, "find", blind_first)
    loser = posting.submit_comment(
        db, viewer, setting["space"], body="Racing.", idempotency_key="race", **common
    )
    assert len(calls) == 2  # looked once before inserting, once after the constraint said no
    assert loser.replayed
    assert loser.comment.id == winner.id
    # The unit of work is still usable, and nothing of the losing insert is left.
    assert _count(db, parent_id=q.id) == 1
    assert _replies_notified(db, winner.id) == 1


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    url = own_db.create(tmp_path, "race")
    engine = create_db_engine(url)
    yield engine
    engine.dispose()
    own_db.drop(url)


def test_concurrent_requests_with_the_same_key_make_one_comment(own_engine: Engine) -> None:
    """Two units of work on two connections. On PostgreSQL both look before either inserts
    (a barrier holds them); SQLite takes one writer at a time, so the second sees the first."""
    factory = make_session_factory(own_engine)
    with transaction(factory) as db:
        people = Factory(db)
        mod, alice = people.user("Mona"), people.user("Alice")
        space = people.space(moderators=(mod,))
        q = people.question(space, mod, "Which pathways?")
        viewer = people.viewer(alice)
    racing = own_engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2, timeout=10)
    real_find = idempotency.find
    results: list[int] = []
    errors: list[BaseException] = []

    def find_together(session: Session, author_id: int, key: str | None) -> Comment | None:
        found = real_find(session, author_id, key)
        if racing and threading.current_thread().name.startswith("race") and found is None:
            barrier.wait()  # neither has inserted yet: the constraint must decide
        return found

    def post() -> None:
        try:
            with transaction(factory) as db:
                posted = posting.submit_comment(
                    db,
                    viewer,
                    db.get_one(Space, space.id),
                    body="Sent twice at once.",
                    lang="en",
                    parent_id=q.id,
                    now=datetime.now(UTC),
                    max_chars=1000,
                    idempotency_key="same-key",
                ).comment
                results.append(posted.id)
        except BaseException as exc:
            errors.append(exc)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idempotency, "find", find_together)
        threads = [threading.Thread(target=post, name=f"race-{i}") for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    with factory() as db:
        assert _count(db, parent_id=q.id) == 1
        assert _replies_notified(db, results[0]) == 1
