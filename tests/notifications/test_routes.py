"""Unsubscribe links (GET asks, POST acts) and following spaces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.models import EmailOptOut, Follow, User
from app.notifications import outbox, worker
from app.notifications.routes import router
from app.notifications.subscriptions import make_token
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts
from tests.notifications import Inbox, mail_settings, smtp_server, unsubscribe_path

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    # Until app.main includes the router (then this is a no-op).
    if not any(getattr(r, "path", "") == "/{lang}/unsubscribe/{token}" for r in app.routes):
        app.include_router(router)
    return app


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


def _opt_outs(db: Session) -> set[tuple[int, str]]:
    db.expire_all()
    return {(o.user_id, o.kind) for o in db.scalars(select(EmailOptOut))}


def _reply_mail(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    inbox: Inbox,
    locale: str = "en",
) -> tuple[User, str]:
    """Alice gets a reply notification; returns her and the mail's unsubscribe path."""
    alice = factory.user("Alice Achieng", locale=locale)
    bruno = factory.user("Bruno Barros")
    space = factory.space()
    parent = factory.comment(space, alice, "First.")
    assert outbox.notify_reply(db, factory.comment(space, bruno, "Re.", parent=parent), NOW)
    assert worker.drain(session_factory, mail_settings(settings, inbox.port), now=NOW) == 1
    return alice, unsubscribe_path(inbox.messages[-1])


def test_unsubscribe_link_asks_first_then_opts_out(
    client: TestClient,
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    inbox: Inbox,
) -> None:
    alice, path = _reply_mail(db, factory, session_factory, settings, inbox, locale="fr")
    assert path.startswith("/fr/unsubscribe/")

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "strict-origin"
    tree = parse(page.text)
    assert one(tree, "html").attributes["lang"] == "fr"
    form = one(tree, "form#unsubscribe")
    assert form.attributes["method"] == "post"
    assert form.attributes["action"] == path
    assert [b.attributes["value"] for b in form.css("button[name=scope]")] == ["kind", "all"]
    assert _opt_outs(db) == set()  # a GET (a mail scanner, a preview) changes nothing

    done = client.post(path, data={"scope": "kind"})
    assert done.status_code == 200
    tree = parse(done.text)
    assert texts(tree, "h1") == ["Vous êtes désabonné"]
    assert texts(tree, "[role=status]") == [
        "Vous ne recevrez plus les e-mails sur les réponses à vos commentaires."
    ]
    assert _opt_outs(db) == {(alice.id, outbox.KIND_REPLY)}
    # Idempotent, and the link now says it is done.
    assert client.post(path, data={"scope": "kind"}).status_code == 200
    assert _opt_outs(db) == {(alice.id, outbox.KIND_REPLY)}
    again = parse(client.get(path).text)
    assert texts(again, "h1") == ["Vous êtes désabonné"]
    assert again.css("form#unsubscribe") == []


def test_stop_everything_from_any_link(
    client: TestClient,
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    inbox: Inbox,
) -> None:
    alice, path = _reply_mail(db, factory, session_factory, settings, inbox)
    response = client.post(path, data={"scope": "all"})
    assert response.status_code == 200
    assert texts(parse(response.text), "[role=status]") == [
        "You will no longer receive any e-mail from Roundtable."
    ]
    assert _opt_outs(db) == {(alice.id, outbox.ALL_KINDS)}
    space = factory.space()
    assert outbox.notify_decision(db, factory.comment(space, alice, "x"), True, "", NOW) is None


def test_one_click_unsubscribe_from_the_mail_client(
    client: TestClient,
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    inbox: Inbox,
) -> None:
    alice, path = _reply_mail(db, factory, session_factory, settings, inbox)
    # The mail provider's server posts: no cookie, no CSRF token, a foreign origin.
    mail_client = TestClient(client.app, follow_redirects=False)
    response = mail_client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://mail.example",
        },
    )
    assert response.status_code == 200
    assert _opt_outs(db) == {(alice.id, outbox.KIND_REPLY)}


def test_altered_or_forged_tokens_are_refused(
    client: TestClient, db: Session, factory: Factory, settings: Settings
) -> None:
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    key = settings.resolved_secret_key
    genuine = make_token(key, alice.id, outbox.KIND_REPLY)
    signature = genuine.rsplit(".", 1)[1]
    # Bruno's id in the payload, Alice's signature kept.
    other_payload = make_token("any key", bruno.id, outbox.KIND_REPLY).rsplit(".", 1)[0]
    wrong_kind = URLSafeSerializer(key, salt="roundtable.unsubscribe").dumps([bruno.id, "spam"])
    tokens = [
        f"{other_payload}.{signature}",
        make_token("another site's key", bruno.id, outbox.ALL_KINDS),
        wrong_kind,
        "not-a-token",
        genuine[:-4],
    ]
    for token in tokens:
        page = client.get(f"/en/unsubscribe/{token}")
        assert page.status_code == 400, token
        tree = parse(page.text)
        assert texts(tree, "h1") == ["This link does not work"]
        assert tree.css("form#unsubscribe") == []
        assert client.post(f"/en/unsubscribe/{token}", data={"scope": "all"}).status_code == 400
    assert _opt_outs(db) == set()
    assert client.get(f"/en/unsubscribe/{genuine}").status_code == 200


def test_follow_and_unfollow_a_space(client: TestClient, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="mobility")
    sign_in(client, alice)

    def follows() -> set[tuple[int, int]]:
        db.expire_all()
        return {(f.user_id, f.space_id) for f in db.scalars(select(Follow))}

    for _twice in range(2):
        response = client.post("/en/spaces/mobility/follow")
        assert response.status_code == 303
        assert response.headers["location"] == "/en/spaces/mobility"
    assert follows() == {(alice.id, space.id)}

    response = client.post("/fr/spaces/mobility/unfollow")
    assert response.status_code == 303
    assert response.headers["location"] == "/fr/spaces/mobility"
    assert follows() == set()

    assert client.post("/en/spaces/no-such-space/follow").status_code == 404


def test_following_needs_an_account(client: TestClient, db: Session, factory: Factory) -> None:
    factory.space(slug="mobility")
    for action in ("follow", "unfollow"):
        response = client.post(f"/en/spaces/mobility/{action}")
        assert response.status_code == 403
        assert texts(parse(response.text), "h1") == ["Please sign in"]
    assert db.scalars(select(Follow)).all() == []
