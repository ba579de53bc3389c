"""A 500 is a whole response: the keep-alive connection it came on serves the next request.

Served by real uvicorn (tests/live.py) and read by http.client without reconnecting, so a
connection the server closed after its 500 shows as an error on the next request.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from tests.html import parse
from tests.live import serving

pytestmark = pytest.mark.faults


class Boom(RuntimeError):
    """A bug in a route: nothing handles it."""


def _crashing(app: FastAPI) -> FastAPI:
    @app.get("/en/boom")
    def boom() -> None:
        raise Boom("a bug")

    return app


def _connection(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.auto_open = 0  # never reconnect silently: the same socket or an error
    conn.connect()
    return conn


def test_a_500_keeps_the_connection_usable(app: FastAPI) -> None:
    with serving(_crashing(app)) as base:
        conn = _connection(base)
        try:
            socket_before = conn.sock
            conn.request("GET", "/en/boom")
            crashed = conn.getresponse()
            page = parse(crashed.read())
            assert crashed.status == 500
            assert crashed.getheader("Connection") != "close"
            assert page.css_first("h1").text(strip=True) == "Something went wrong"
            for _ in range(2):  # the next requests, on the same socket
                conn.request("GET", "/healthz")
                answer = conn.getresponse()
                assert answer.status == 200
                assert answer.read() == b'{"status":"ok"}'
            assert conn.sock is socket_before
            # The 500 page went through the security headers like any page.
            assert crashed.getheader("X-Content-Type-Options") == "nosniff"
            assert crashed.getheader("X-Request-ID")
        finally:
            conn.close()
