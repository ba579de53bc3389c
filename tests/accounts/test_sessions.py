"""Sessions: rotated at sign-in, idle and absolute timeouts, visible and endable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import UserSession
from tests.conftest import BrowserLikeClient
from tests.factories import Factory, sign_in
from tests.html import parse


def test_sign_in_rotates_the_session(client: TestClient, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    sign_in(client, alice)
    first = client.cookies.get("rt_session")
    sign_in(client, alice)
    second = client.cookies.get("rt_session")
    assert first != second
    assert len(db.scalars(select(UserSession).where(UserSession.user_id == alice.id)).all()) == 1


def test_idle_and_absolute_timeouts(client: TestClient, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    sign_in(client, alice)
    row = db.scalars(select(UserSession)).one()
    assert client.get("/en/account/sessions").status_code == 200
    row.created_at = datetime.now(UTC) - timedelta(days=91)  # active, but signed in too long ago
    db.flush()
    assert client.get("/en/account/sessions").status_code == 403
    sign_in(client, alice)
    row = db.scalars(select(UserSession)).one()
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)  # idle too long
    db.flush()
    assert client.get("/en/account/sessions").status_code == 403


def test_see_and_end_other_sessions(app: FastAPI, db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    laptop, phone, tablet = (BrowserLikeClient(app, follow_redirects=False) for _ in range(3))
    for device, agent in ((laptop, "Laptop"), (phone, "Phone"), (tablet, "Tablet")):
        device.headers["User-Agent"] = agent
        sign_in(device, alice)
    page = parse(laptop.get("/en/account/sessions").text)
    rows = page.css("tbody tr")
    assert len(rows) == 3
    assert [r.css_first("th").text(strip=True) for r in page.css("tbody tr.current")] == [
        "Laptop(this browser)"
    ]
    phone_id = next(s.id for s in db.scalars(select(UserSession)) if s.user_agent == "Phone")
    laptop.post("/en/account/sessions/end", data={"session_id": str(phone_id)})
    assert phone.get("/en/account/sessions").status_code == 403
    assert tablet.get("/en/account/sessions").status_code == 200
    laptop.post("/en/account/sessions/end")
    assert tablet.get("/en/account/sessions").status_code == 403
    assert laptop.get("/en/account/sessions").status_code == 200
