"""Changing one's password: the current one first, the registration rule, a rotated session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.accounts import tokens
from app.db import create_db_engine
from app.migrate import upgrade
from app.models import UserSession
from app.notifications.outbox import KIND_PASSWORD_CHANGED
from app.ratelimit import DatabaseBackend, Limiter
from tests.accounts.links import queued
from tests.conftest import BrowserLikeClient
from tests.factories import PASSWORD, Factory, sign_in
from tests.html import one, parse, texts

NEW_PASSWORD = "lantern orchard quietly"


def _change(client: TestClient, current: str, new: str, lang: str = "en") -> httpx.Response:
    return client.post(
        f"/{lang}/account/password", data={"current_password": current, "password": new}
    )


def test_linked_from_the_account_menu_and_the_sessions_page(
    client: TestClient, factory: Factory
) -> None:
    sign_in(client, factory.user("Alice Achieng"), lang="fr")
    page = parse(client.get("/fr/account/sessions").text)
    assert one(page, ".account a[href='/fr/account/password']").text(strip=True) == (
        "Votre mot de passe"
    )
    assert one(page, "main a[href='/fr/account/password']")
    form = parse(client.get("/fr/account/password").text)
    assert one(form, "#password input[name=csrf_token]")
    assert one(form, "#password-current_password").attributes["autocomplete"] == (
        "current-password"
    )


def test_signed_out_people_are_asked_to_sign_in(client: TestClient) -> None:
    assert client.get("/en/account/password").status_code == 403
    assert _change(client, PASSWORD, NEW_PASSWORD).status_code == 403


def test_change_rotates_this_session_and_ends_the_others(
    app: FastAPI, client: TestClient, db: Session, factory: Factory
) -> None:
    alice = factory.user("Alice Achieng")
    phone = BrowserLikeClient(app, follow_redirects=False)
    sign_in(phone, alice)
    sign_in(client, alice)
    old_cookie = client.cookies.get("rt_session")
    old_hash = tokens.token_hash(old_cookie or "")

    done = _change(client, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/en/account/password/changed"
    new_cookie = client.cookies.get("rt_session")
    assert new_cookie
    assert new_cookie != old_cookie
    assert client.get("/en/account/password/changed").status_code == 200
    assert phone.get("/en/account/sessions").status_code == 403
    db.expire_all()
    rows = db.scalars(select(UserSession).where(UserSession.user_id == alice.id)).all()
    assert [r.token_hash for r in rows] == [tokens.token_hash(new_cookie)]
    assert old_hash not in {r.token_hash for r in rows}
    # The old cookie, replayed, opens nothing.
    replay = BrowserLikeClient(app, follow_redirects=False)
    replay.cookies.set("rt_session", old_cookie or "")
    assert replay.get("/en/account/sessions").status_code == 403

    assert len(queued(db, alice, KIND_PASSWORD_CHANGED)) == 1
    assert (
        phone.post("/en/sign-in", data={"email": alice.email, "password": PASSWORD}).status_code
        == 422
    )
    sign_in_new = phone.post("/en/sign-in", data={"email": alice.email, "password": NEW_PASSWORD})
    assert sign_in_new.status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "field", "french"),
    [
        ("not my password", NEW_PASSWORD, "current_password", "Votre mot de passe actuel"),
        (PASSWORD, "short", "password", "Votre mot de passe doit"),
        (PASSWORD, "123456789012", "password", "Ce mot de passe est trop courant"),
        (PASSWORD, PASSWORD, "password", "Votre nouveau mot de passe doit"),
    ],
)
def test_refused_changes_say_why_and_change_nothing(
    client: TestClient,
    db: Session,
    factory: Factory,
    current: str,
    new: str,
    field: str,
    french: str,
) -> None:
    alice = factory.user("Alice Achieng")
    sign_in(client, alice, lang="fr")
    cookie = client.cookies.get("rt_session")
    refused = _change(client, current, new, lang="fr")
    assert refused.status_code == 422
    page = parse(refused.text)
    assert texts(page, f"#password-{field}-error")[0].startswith(french)
    assert one(page, f"#password-{field}").attributes["aria-invalid"] == "true"
    assert one(page, f"#password-{field}").attributes.get("value") is None
    assert client.cookies.get("rt_session") == cookie
    assert client.get("/fr/account/sessions").status_code == 200
    assert queued(db, alice, KIND_PASSWORD_CHANGED) == []


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('change-counters') / 'counters.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def test_guessing_the_current_password_is_rate_limited(
    app: FastAPI, client: TestClient, factory: Factory, counters: Engine
) -> None:
    alice = factory.user("Alice Achieng")
    sign_in(client, alice)
    app.state.limiter = Limiter(DatabaseBackend(counters))
    for n in range(10):
        assert _change(client, f"guess number {n}", NEW_PASSWORD).status_code == 422
    refused = _change(client, PASSWORD, NEW_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
