"""Account links stay secret (not in the logs) and their forms need the CSRF token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import logs
from app.models import User
from app.notifications.outbox import KIND_PASSWORD_RESET
from tests.accounts.links import link_path, queued, token_of
from tests.factories import PASSWORD, Factory


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    logs.configure(stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_safe_path_masks_every_kind_of_link() -> None:
    assert logs.safe_path("/fr/password/reset/Abc-123_x") == "/fr/password/reset/…"
    assert logs.safe_path("/es/email/verify/Abc-123_x") == "/es/email/verify/…"
    assert logs.safe_path("/en/unsubscribe/a.b") == "/en/unsubscribe/…"
    # Pages without a token keep their path.
    assert logs.safe_path("/en/email/verify") == "/en/email/verify"
    assert logs.safe_path("/en/password/forgot") == "/en/password/forgot"


def test_reset_and_verification_tokens_never_reach_the_logs(
    client: TestClient, db: Session, factory: Factory, captured: io.StringIO
) -> None:
    alice = factory.user("Alice Achieng")
    client.post("/en/password/forgot", data={"email": alice.email})
    reset_path = link_path(queued(db, alice, KIND_PASSWORD_RESET)[-1], "en")
    client.get(reset_path)
    client.post(reset_path, data={"password": "lantern orchard quietly"})
    client.get("/en/email/verify/SECRETVERIFYTOKEN")
    client.post("/en/email/verify/SECRETVERIFYTOKEN")
    text = captured.getvalue()
    assert token_of(reset_path) not in text
    assert "SECRETVERIFYTOKEN" not in text
    assert "lantern orchard quietly" not in text
    paths = [
        line["path"]
        for line in map(json.loads, text.splitlines())
        if line.get("logger") == "roundtable.access"
    ]
    assert paths.count("/en/password/reset/…") == 2
    assert paths.count("/en/email/verify/…") == 2


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/en/password/forgot", {"email": "x@example.org"}),
        ("/en/password/reset/sometoken", {"password": "lantern orchard quietly"}),
        ("/en/email/verify/sometoken", {}),
        ("/en/email/verify", {}),
        ("/en/account/password", {"current_password": PASSWORD, "password": "a new one"}),
    ],
)
def test_the_new_forms_refuse_requests_without_the_csrf_token(
    app: FastAPI, db: Session, factory: Factory, path: str, data: dict[str, str]
) -> None:
    plain = TestClient(app, follow_redirects=False)
    alice = factory.user("Alice Achieng")
    token = plain.get("/en/sign-in").cookies["rt_csrf"]
    signed_in = plain.post(
        "/en/sign-in", data={"email": alice.email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 303
    assert plain.post(path, data=data).status_code == 403
    db.expire_all()
    assert db.get(User, alice.id).password_hash == alice.password_hash
    # With the token the same request gets past the check (to the form's own answer).
    assert plain.post(path, data={**data, "csrf_token": token}).status_code in {200, 303, 400, 422}
