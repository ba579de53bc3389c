from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.routes import SESSION_COOKIE
from app.models import User, UserSession
from tests.factories import PASSWORD, Factory
from tests.html import one, parse, texts


def _register(client: TestClient, **overrides: str) -> object:
    data = {
        "display_name": "Fatou Sow",
        "email": "fatou@example.org",
        "password": "a long enough passphrase",
        "next": "/fr/spaces/x",
    }
    data.update(overrides)
    return client.post("/fr/register", data=data)


def test_register_signs_in_and_returns_to_the_page(client: TestClient, db: Session) -> None:
    response = _register(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/fr/spaces/x"
    user = db.scalar(select(User).where(User.email == "fatou@example.org"))
    assert user is not None
    assert user.locale == "fr"
    assert user.password_hash.startswith("$argon2id$")
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    home = parse(client.get("/fr/").text)
    assert one(home, ".account .who").text(strip=True).endswith("Fatou Sow")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("display_name", {"display_name": "x"}),
        ("email", {"email": "not-an-address"}),
        ("password", {"password": "short"}),
    ],
)
def test_register_errors_keep_what_was_typed(
    client: TestClient, field: str, overrides: dict[str, str]
) -> None:
    response = _register(client, **overrides)
    assert response.status_code == 422
    tree = parse(response.text)
    assert one(tree, f"#register-{field}-error")
    assert one(tree, f"#register-{field}").attributes["aria-invalid"] == "true"
    if field != "email":
        assert one(tree, "#register-email").attributes["value"] == "fatou@example.org"
    assert one(tree, "#register-password").attributes.get("value") is None


def test_names_are_unique_regardless_of_case(client: TestClient, factory: Factory) -> None:
    factory.user("Fatou Sow")
    response = _register(client, display_name="FATOU SOW")
    assert response.status_code == 422
    assert one(parse(response.text), "#register-display_name-error")


def test_sign_in_and_out(client: TestClient, db: Session, factory: Factory) -> None:
    user = factory.user("Ines Ortega")
    bad = client.post("/es/sign-in", data={"email": user.email, "password": "wrong password!"})
    assert bad.status_code == 422
    assert texts(parse(bad.text), "#sign-in-email-error")
    good = client.post("/es/sign-in", data={"email": user.email.upper(), "password": PASSWORD})
    assert good.status_code == 303
    assert db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is not None
    out = client.post("/es/sign-out")
    assert out.status_code == 303
    assert db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    client.cookies.clear()
    assert not parse(client.get("/es/").text).css(".account .who")


def test_sign_in_never_redirects_off_site(client: TestClient, factory: Factory) -> None:
    user = factory.user()
    response = client.post(
        "/en/sign-in",
        data={"email": user.email, "password": PASSWORD, "next": "//evil.example/"},
    )
    assert response.headers["location"] == "/en/"


def test_a_forged_cookie_is_anonymous(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "forged")
    assert not parse(client.get("/en/").text).css(".account .who")


@pytest.mark.parametrize(
    ("field", "form", "message"),
    [
        (
            "password",
            {"password": "123456789012"},
            "This password is too common or too easy to guess.",
        ),
        (
            "password",
            {"password": "Alice Achieng 2024"},
            "This password is too common or too easy to guess.",
        ),
        ("display_name", {"display_name": "Moderator"}, "This name is reserved"),
        ("display_name", {"display_name": "Modérateur"}, "This name is reserved"),
        ("display_name", {"display_name": "A  Participant"}, "This name is reserved"),
    ],
)
def test_common_passwords_and_reserved_names_are_refused(
    client: TestClient, field: str, form: dict, message: str
) -> None:
    data = {
        "display_name": "Alice Achieng",
        "email": "alice@example.org",
        "password": "a long enough passphrase",
        **form,
    }
    response = client.post("/en/register", data=data)
    assert response.status_code == 422
    assert texts(parse(response.text), f"#register-{field}-error")[0].startswith(message)
