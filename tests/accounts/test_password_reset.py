"""Password reset: a single-use, expiring link by e-mail, then a new password."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import reset, tokens
from app.config import Settings
from app.db import create_db_engine
from app.errors import FormErrors
from app.migrate import upgrade
from app.models import AccountToken, OutboxMessage, User, UserSession
from app.models.accounts import TokenPurpose
from app.notifications import worker
from app.notifications.outbox import KIND_PASSWORD_CHANGED, KIND_PASSWORD_RESET
from app.ratelimit import DatabaseBackend, Limiter
from tests.accounts.links import link_path, queued, token_of
from tests.conftest import BrowserLikeClient
from tests.factories import PASSWORD, Factory, sign_in
from tests.html import one, parse, texts
from tests.notifications import BASE_URL, body, mail_settings, smtp_server

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "lantern orchard quietly"


@pytest.fixture
def clock(app: FastAPI) -> list[datetime]:
    """The time the app sees; tests move it by replacing the one element."""
    now = [NOW]
    app.state.clock = lambda: now[0]
    return now


def _ask(client: TestClient, email: str, lang: str = "en") -> httpx.Response:
    return client.post(f"/{lang}/password/forgot", data={"email": email})


def _link(client: TestClient, db: Session, user: User, lang: str = "en") -> str:
    assert _ask(client, user.email, lang).status_code == 200
    return link_path(queued(db, user, KIND_PASSWORD_RESET)[-1], user.locale)


def test_sign_in_page_links_to_the_forgot_form(client: TestClient) -> None:
    page = parse(client.get("/fr/sign-in").text)
    link = one(page, "main a[href='/fr/password/forgot']")
    assert link.text(strip=True) == "Mot de passe oublié\u00a0?"
    form = parse(client.get("/fr/password/forgot").text)
    assert one(form, "#forgot input[name=csrf_token]")
    assert one(form, "#forgot-email").attributes["type"] == "email"


def test_reset_end_to_end_in_the_recipients_language(
    app: FastAPI,
    client: TestClient,
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    settings: Settings,
    clock: list[datetime],
) -> None:
    amelie = factory.user("Amélie Auclair", locale="fr")
    elsewhere = BrowserLikeClient(app, follow_redirects=False)
    sign_in(elsewhere, amelie)
    assert elsewhere.get("/fr/account/sessions").status_code == 200

    # Asked from the English pages: the mail still comes in the account's language.
    answer = _ask(client, amelie.email.upper())
    assert answer.status_code == 200
    [message] = queued(db, amelie, KIND_PASSWORD_RESET)
    token = token_of(message.payload["path"])
    row = db.scalars(select(AccountToken).where(AccountToken.user_id == amelie.id)).one()
    assert row.token_hash == tokens.token_hash(token) != token  # only the hash is stored
    assert row.expires_at == NOW + timedelta(minutes=settings.password_reset_minutes)

    with smtp_server() as inbox:
        assert worker.drain(session_factory, mail_settings(settings, inbox.port), now=NOW) == 1
    [mail] = inbox.messages
    db.expire_all()
    assert db.get(OutboxMessage, message.id).payload == {}  # the sent link is not kept
    assert mail["Content-Language"] == "fr"
    assert mail["Subject"] == "Choisissez un nouveau mot de passe pour Roundtable"
    assert mail["List-Unsubscribe"] is None  # an account e-mail, not a notification
    lines = body(mail).splitlines()
    url = f"{BASE_URL}/fr/password/reset/{token}"
    assert url in lines
    assert any("valable 60\u00a0minutes" in line or "valable 60 minutes" in line for line in lines)

    path = url.removeprefix(BASE_URL)
    form = client.get(path)
    assert form.status_code == 200
    assert form.headers["referrer-policy"] == "strict-origin"
    assert "no-store" in form.headers["cache-control"]
    assert one(parse(form.text), "#reset").attributes["action"] == path
    db.expire_all()
    assert db.get(AccountToken, row.id).used_at is None  # showing the form spends nothing

    done = client.post(path, data={"password": NEW_PASSWORD})
    assert done.status_code == 303
    assert done.headers["location"] == "/fr/account/password/changed"
    # Every earlier session of the account ended; this browser has a fresh one.
    assert elsewhere.get("/fr/account/sessions").status_code == 403
    assert client.get("/fr/account/password/changed").status_code == 200
    db.expire_all()
    assert len(db.scalars(select(UserSession).where(UserSession.user_id == amelie.id)).all()) == 1
    assert db.get(AccountToken, row.id).used_at == NOW
    assert db.get(User, amelie.id).email_verified_at is not None
    assert len(queued(db, amelie, KIND_PASSWORD_CHANGED)) == 1
    old = client.post("/fr/sign-in", data={"email": amelie.email, "password": PASSWORD})
    assert old.status_code == 422
    new = client.post("/fr/sign-in", data={"email": amelie.email, "password": NEW_PASSWORD})
    assert new.status_code == 303


def test_a_link_works_once(client: TestClient, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    path = _link(client, db, alice)
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 303
    again = client.post(path, data={"password": "another fine passphrase"})
    assert again.status_code == 400
    page = parse(again.text)
    assert one(page, "main a[href='/en/password/forgot']")
    assert again.headers["referrer-policy"] == "strict-origin"
    assert client.get(path).status_code == 400
    assert (
        client.post(
            "/en/sign-in", data={"email": alice.email, "password": NEW_PASSWORD}
        ).status_code
        == 303
    )


def test_spending_is_one_conditional_update(db: Session, factory: Factory) -> None:
    """Two requests that both read the token as unused: only one may spend it."""
    alice = factory.user("Alice Achieng")
    token = tokens.issue(
        db, alice, TokenPurpose.PASSWORD_RESET, now=NOW, lifetime=timedelta(hours=1)
    )
    first = tokens.find(db, token, TokenPurpose.PASSWORD_RESET, now=NOW)
    second = tokens.find(db, token, TokenPurpose.PASSWORD_RESET, now=NOW)
    assert first is not None
    assert second is not None
    assert tokens.spend(db, first, now=NOW) is True
    assert tokens.spend(db, second, now=NOW) is False


def test_expired_links_are_refused(
    client: TestClient, db: Session, factory: Factory, clock: list[datetime]
) -> None:
    alice = factory.user("Alice Achieng")
    path = _link(client, db, alice)
    clock[0] = NOW + timedelta(minutes=59)
    assert client.get(path).status_code == 200
    clock[0] = NOW + timedelta(minutes=60)
    assert client.get(path).status_code == 400
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 400
    db.expire_all()
    assert db.get(User, alice.id).password_hash == alice.password_hash


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:-2],
        lambda _token: "x" * 500,
        lambda _token: "unknown-token",
    ],
)
def test_altered_or_unknown_links_are_refused(
    client: TestClient, db: Session, factory: Factory, tamper: Callable[[str], str]
) -> None:
    alice = factory.user("Alice Achieng")
    path = _link(client, db, alice)
    bad = path.rsplit("/", 1)[0] + "/" + tamper(token_of(path))
    assert client.get(bad).status_code == 400
    assert client.post(bad, data={"password": NEW_PASSWORD}).status_code == 400
    assert client.get(path).status_code == 200  # the real link still works


def test_a_verification_link_does_not_reset(
    client: TestClient, db: Session, factory: Factory
) -> None:
    alice = factory.user("Alice Achieng")
    verify_token = tokens.issue(
        db, alice, "verify_email", now=datetime.now(UTC), lifetime=timedelta(days=1)
    )
    assert client.get(f"/en/password/reset/{verify_token}").status_code == 400
    refused = client.post(f"/en/password/reset/{verify_token}", data={"password": NEW_PASSWORD})
    assert refused.status_code == 400
    reset_path = _link(client, db, alice)
    assert client.get("/en/email/verify/" + token_of(reset_path)).status_code == 400


def test_a_newer_link_replaces_the_older(client: TestClient, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    older = _link(client, db, alice)
    newer = _link(client, db, alice)
    assert older != newer
    assert client.get(older).status_code == 400
    assert client.get(newer).status_code == 200


def test_unknown_addresses_get_the_same_answer_and_no_mail(
    client: TestClient, db: Session, factory: Factory
) -> None:
    alice = factory.user("Alice Achieng")
    known = _ask(client, alice.email)
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200

    def shown(response: httpx.Response, email: str) -> list[str]:
        return [t.replace(email, "…") for t in texts(parse(response.text), "main")]

    assert shown(known, alice.email) == shown(unknown, "nobody@example.org")
    assert len(queued(db, alice, KIND_PASSWORD_RESET)) == 1
    db.expire_all()
    assert (
        db.scalars(select(AccountToken)).all()
        == db.scalars(select(AccountToken).where(AccountToken.user_id == alice.id)).all()
    )


def test_a_refused_password_keeps_the_link_usable(
    client: TestClient, db: Session, factory: Factory
) -> None:
    amelie = factory.user("Amélie Auclair", locale="fr")
    path = _link(client, db, amelie, lang="fr")
    for weak, start in (("short", "Votre mot de passe doit"), ("123456789012", "Ce mot de passe")):
        refused = client.post(path, data={"password": weak})
        assert refused.status_code == 422
        page = parse(refused.text)
        assert texts(page, "#reset-password-error")[0].startswith(start)
        assert one(page, "#reset-password").attributes["aria-invalid"] == "true"
    assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 303


def test_the_same_rule_as_registration(db: Session, factory: Factory) -> None:
    """Reset refuses what registration refuses, the person's own name included."""
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    hour = timedelta(hours=1)
    token = tokens.issue(db, alice, TokenPurpose.PASSWORD_RESET, now=NOW, lifetime=hour)
    with pytest.raises(FormErrors) as refused:
        reset.reset_password(db, token, "Alice Achieng!", now=NOW)
    assert set(refused.value.errors) == {"password"}
    # Guessable only from Alice's name: someone else may choose it.
    other = tokens.issue(db, bruno, TokenPurpose.PASSWORD_RESET, now=NOW, lifetime=hour)
    assert reset.reset_password(db, other, "Alice Achieng!", now=NOW).id == bruno.id


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Per-address write counts outside the rolled-back test transaction."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reset-counters') / 'counters.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def test_reset_requests_are_rate_limited(
    app: FastAPI, client: TestClient, db: Session, factory: Factory, counters: Engine
) -> None:
    app.state.limiter = Limiter(DatabaseBackend(counters))
    alice = factory.user("Alice Achieng")
    for _ in range(3):
        assert _ask(client, alice.email).status_code == 200
    refused = _ask(client, alice.email, lang="fr")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert texts(parse(refused.text), "#forgot-email-error")[0].startswith("Trop de tentatives")
    assert len(queued(db, alice, KIND_PASSWORD_RESET)) == 3
    # Per client address too, whatever address is typed.
    for n in range(17):
        assert _ask(client, f"someone{n}@example.org").status_code == 200
    assert _ask(client, "someone-else@example.org").status_code == 429
