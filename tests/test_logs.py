"""JSON log lines with request ids, and nothing secret in them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import logs
from tests.factories import PASSWORD, Factory


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    logs.configure(stream)
    yield stream
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_request_is_logged_as_json_with_its_id(
    client: TestClient, captured: io.StringIO
) -> None:
    response = client.get("/en/", headers={"X-Request-ID": "edge-1234"})
    assert response.headers["x-request-id"] == "edge-1234"
    fresh = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(fresh.headers["x-request-id"]) == 32
    lines = [line for line in _lines(captured) if line["logger"] == "roundtable.access"]
    assert lines[0]["request_id"] == "edge-1234"
    assert (lines[0]["method"], lines[0]["path"], lines[0]["status"]) == ("GET", "/en/", 200)
    assert lines[1]["request_id"] == fresh.headers["x-request-id"]
    assert {"time", "level", "message", "duration_ms"} <= set(lines[0])


def test_no_password_token_or_cookie_reaches_the_logs(
    client: TestClient, factory: Factory, captured: io.StringIO
) -> None:
    user = factory.user("Alice Achieng")
    client.post("/en/sign-in", data={"email": user.email, "password": PASSWORD})
    client.post("/en/sign-in", data={"email": user.email, "password": "a wrong secret"})
    client.get("/en/unsubscribe/SECRETTOKEN123.abc")
    text = captured.getvalue()
    assert PASSWORD not in text
    assert "a wrong secret" not in text
    assert "SECRETTOKEN123" not in text
    assert client.cookies.get("rt_session", "") not in text.replace('""', "")
    assert any(line.get("path") == "/en/unsubscribe/…" for line in _lines(captured))
