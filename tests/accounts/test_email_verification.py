"""E-mail verification: a link sent at registration, confirmed by a button (POST)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import reset
from app.config import Settings
from app.db import create_db_engine
from app.migrate import upgrade
from app.models import EmailOptOut, Follow, User
from app.models.comments import CommentStatus
from app.notifications import outbox, worker
from app.notifications.outbox import ALL_KINDS, KIND_PASSWORD_RESET, KIND_VERIFY_EMAIL
from app.ratelimit import DatabaseBackend, Limiter
from tests.accounts.links import link_path, queued, token_of
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts
from tests.notifications import BASE_URL, body, mail_settings, smtp_server

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _register(client: TestClient, lang: str = "es") -> None:
    response = client.post(
        f"/{lang}/register",
        data={
            "display_name": "Lucía Paredes",
            "email": "lucia@example.org",
            "password": "a long enough passphrase",
            "next": f"/{lang}/",
        },
    )
    assert response.status_code == 303


def _user(db: Session, email: str = "lucia@example.org") -> User:
    db.expire_all()
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def test_registering_queues_a_link_and_the_button_verifies(
    client: TestClient,
    db: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    _register(client, "es")
    lucia = _user(db)
    assert lucia.email_verified_at is None
    notice = one(parse(client.get("/es/").text), ".verify-email")
    assert one(notice, "form").attributes["action"] == "/es/email/verify"
    assert one(notice, "form input[name=csrf_token]")

    [message] = queued(db, lucia, KIND_VERIFY_EMAIL)
    with smtp_server() as inbox:
        # The real clock, as registration used it: a fixed time would lie before the mail.
        now = datetime.now(UTC)
        assert worker.drain(session_factory, mail_settings(settings, inbox.port), now=now) == 1
    [mail] = inbox.messages
    assert mail["Content-Language"] == "es"
    assert mail["Subject"] == "Confirme su dirección de correo electrónico para Roundtable"
    path = link_path(message, "es")
    assert f"{BASE_URL}{path}" in body(mail).splitlines()

    # Mail scanners fetch links: the GET only shows a button.
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "strict-origin"
    assert "no-store" in page.headers["cache-control"]
    assert one(parse(page.text), "#verify").attributes["action"] == path
    assert _user(db).email_verified_at is None

    done = client.post(path)
    assert done.status_code == 303
    thanks = parse(client.get(done.headers["location"]).text)
    assert texts(thanks, "main .note")[0].startswith("Gracias")
    assert thanks.css(".verify-email") == []
    assert _user(db).email_verified_at is not None
    assert client.post(path).status_code == 400  # used


def test_verification_counts_only_for_the_address_it_was_sent_to(
    client: TestClient, db: Session
) -> None:
    _register(client, "en")
    lucia = _user(db)
    path = link_path(queued(db, lucia, KIND_VERIFY_EMAIL)[-1], "en")
    lucia.email = "someone-else@example.org"  # the account's address changed since
    db.flush()
    assert client.get(path).status_code == 400
    refused = client.post(path)
    assert refused.status_code == 400
    assert one(parse(refused.text), "main form").attributes["action"] == "/en/email/verify"
    assert _user(db, "someone-else@example.org").email_verified_at is None


@pytest.mark.parametrize("which", ["altered", "reset link", "expired"])
def test_bad_links_verify_nothing(
    app: FastAPI, client: TestClient, db: Session, factory: Factory, which: str
) -> None:
    _register(client, "en")
    lucia = _user(db)
    path = link_path(queued(db, lucia, KIND_VERIFY_EMAIL)[-1], "en")
    if which == "altered":
        path = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    elif which == "reset link":
        reset.request_reset(db, lucia.email, now=datetime.now(UTC), lifetime=timedelta(hours=1))
        path = "/en/email/verify/" + token_of(
            queued(db, lucia, KIND_PASSWORD_RESET)[-1].payload["path"]
        )
    else:
        app.state.clock = lambda: datetime.now(UTC) + timedelta(days=7, minutes=1)
    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400
    assert _user(db).email_verified_at is None


def test_send_again_replaces_the_link(client: TestClient, db: Session) -> None:
    _register(client, "en")
    lucia = _user(db)
    first = link_path(queued(db, lucia, KIND_VERIFY_EMAIL)[-1], "en")
    again = client.post("/en/email/verify")
    assert again.status_code == 200
    assert "lucia@example.org" in texts(parse(again.text), "main .note")[0]
    messages = queued(db, lucia, KIND_VERIFY_EMAIL)
    assert len(messages) == 2
    assert client.get(first).status_code == 400
    assert client.post(link_path(messages[-1], "en")).status_code == 303
    assert _user(db).email_verified_at is not None
    # Once verified, asking again sends nothing more.
    assert client.post("/en/email/verify").headers["location"] == "/en/email/verified"
    assert len(queued(db, lucia, KIND_VERIFY_EMAIL)) == 2


def test_send_again_needs_a_sign_in(client: TestClient) -> None:
    assert client.post("/en/email/verify").status_code == 403


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('verify-counters') / 'counters.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def test_send_again_is_rate_limited(
    app: FastAPI, client: TestClient, db: Session, counters: Engine
) -> None:
    app.state.limiter = Limiter(DatabaseBackend(counters))
    _register(client, "fr")
    lucia = _user(db)
    for _ in range(3):
        assert client.post("/fr/email/verify").status_code == 200
    refused = client.post("/fr/email/verify")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert texts(parse(refused.text), "main .error")[0].startswith("Trop de tentatives")
    assert len(queued(db, lucia, KIND_VERIFY_EMAIL)) == 1 + 3


def test_unverified_people_get_account_mail_but_no_notifications(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moderator = factory.user("Mona Moderator", verified=False)
    author = factory.user("Ursula Unverified", verified=False)
    follower = factory.user("Fred Follower", verified=False)
    verified = factory.user("Vera Verified")
    colleague = factory.user("Vic Verified")
    space = factory.space(moderators=(moderator, colleague))
    for person in (follower, verified):
        db.add(Follow(user_id=person.id, space_id=space.id))
    # "Stop all e-mails" stops notifications, never account e-mail.
    db.add(EmailOptOut(user_id=author.id, kind=ALL_KINDS, created_at=NOW))
    db.flush()
    monkeypatch.setattr(outbox, "comment_published", lambda *_args: None)
    parent = factory.comment(space, author, "My view.")
    reply = factory.comment(space, verified, "A reply.", parent=parent)

    assert outbox.notify_reply(db, reply, NOW) is None
    assert outbox.notify_decision(db, parent, True, "", NOW) is None
    followers = outbox.notify_followers(db, factory.comment(space, author, "More."), NOW)
    assert [m.recipient_id for m in followers] == [verified.id]
    parent.status = CommentStatus.PENDING
    db.flush()
    digests = outbox.queue_moderator_digest(db, NOW)
    assert [m.recipient_id for m in digests] == [colleague.id]

    reset.request_reset(db, author.email, now=NOW, lifetime=timedelta(hours=1))
    with smtp_server() as inbox:
        sent = worker.drain(session_factory, mail_settings(settings, inbox.port), now=NOW)
    assert sent == 3  # the verified follower's and moderator's notifications, the reset link
    assert [m["To"].addresses[0].addr_spec for m in inbox.to(author.email)] == [author.email]
    assert inbox.to(author.email)[0]["Subject"] == "Choose a new password for Roundtable"


def test_factory_and_signed_in_verified_people_see_no_notice(
    client: TestClient, factory: Factory
) -> None:
    sign_in(client, factory.user("Vera Verified"))
    assert parse(client.get("/en/").text).css(".verify-email") == []
