"""The app as production serves it, plus what the benchmark needs to measure it.

`uvicorn bench.asgi:create --factory` builds the real application with `create_app()`
(settings from the environment) and adds, only here:

- a statement counter: every SQL statement the request ran, in the response header
  `X-Bench-Statements` (transaction BEGINs aside, which only SQLite sends as statements);
- `GET /bench/precomputed/{name}`: the bytes of a real page, captured through the app at
  start-up, served from memory by the same middleware stack. Its throughput is the
  ceiling our rendered pages are compared with. The bytes are kept as sent: gzipped too
  when the app compresses, and that copy goes to clients that accept gzip, so
  compressing is counted as part of the page's cost, like rendering, not the ceiling's.

The pages to capture come as JSON in `BENCH_PAGES`: `[{"name", "path", "cookie"}]`; the
cookie (session and CSRF) is the one the load generator sends, so the bytes are the same.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, event
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import logs
from app.comments import language
from app.main import create_app

STATEMENTS_HEADER = "X-Bench-Statements"
PRECOMPUTED_PREFIX = "/bench/precomputed/"

# A list, not an int: the route runs in a worker thread with a copy of the context,
# and must add to the same counter the middleware reads afterwards.
_statements: ContextVar[list[int] | None] = ContextVar("bench_statements", default=None)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    cookie: str = ""


@dataclass(frozen=True)
class Captured:
    status: int
    content_type: str
    body: bytes
    encoding: str = ""  # Content-Encoding of `body`
    gzip_body: bytes | None = None  # None: the app did not compress this page


def count_statements(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counter = _statements.get()
        if counter is not None and statement != "BEGIN":
            counter[0] += 1


class StatementHeaderMiddleware:
    """Outermost layer: a fresh counter per request, reported when the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counter = [0]
        token = _statements.set(counter)

        async def send_with_count(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[STATEMENTS_HEADER] = str(counter[0])
            await send(message)

        try:
            await self.app(scope, receive, send_with_count)
        finally:
            _statements.reset(token)


async def _get(app: ASGIApp, page: Page, *, encoding: str = "identity") -> Captured:
    """One GET through the whole ASGI stack, as uvicorn would make it."""
    headers = [
        (b"host", b"127.0.0.1"),
        (b"accept-language", b"en"),
        (b"accept-encoding", encoding.encode()),
    ]
    if page.cookie:
        headers.append((b"cookie", page.cookie.encode("latin-1")))
    path, _, query = page.path.partition("?")
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    status = 0
    found: dict[bytes, str] = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                found[name.lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Captured(
        status,
        found.get(b"content-type", ""),
        b"".join(chunks),
        encoding=found.get(b"content-encoding", ""),
    )


def capture(app: ASGIApp, pages: list[Page]) -> dict[str, Captured]:
    """Render each page once, in a thread of its own: uvicorn's loop may already run here."""
    result: dict[str, Captured] = {}
    failure: list[BaseException] = []

    async def all_pages() -> None:
        for page in pages:
            plain = await _get(app, page)
            zipped = await _get(app, page, encoding="gzip")
            gzip_body = zipped.body if zipped.encoding == "gzip" else None
            result[page.name] = replace(plain, gzip_body=gzip_body)

    def run() -> None:
        try:
            asyncio.run(all_pages())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="bench-capture")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    for name, captured in result.items():
        if captured.status != 200:
            raise RuntimeError(f"capturing {name!r} gave HTTP {captured.status}")
    return result


def precomputed_endpoint(pages: dict[str, Captured]) -> Callable[[Request], Awaitable[Response]]:
    async def precomputed(request: Request) -> Response:
        # A plain async Starlette endpoint: no thread-pool hop, no parameter validation,
        # nothing but handing over the bytes, so the comparison is with a true ceiling.
        page = pages.get(request.path_params["name"])
        if page is None:
            return Response(status_code=404)
        if page.gzip_body is not None and "gzip" in request.headers.get("accept-encoding", ""):
            # Already encoded: the app's compression middleware passes it on untouched.
            return Response(
                content=page.gzip_body,
                media_type=page.content_type,
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return Response(content=page.body, media_type=page.content_type)

    return precomputed


def pages_from_env() -> list[Page]:
    return [Page(**item) for item in json.loads(os.environ.get("BENCH_PAGES", "[]"))]


def wrap(app: FastAPI, pages: list[Page], *, engine: Engine | None = None) -> ASGIApp:
    """Count `engine`'s statements (the app's by default), capture `pages`, serve them."""
    count_statements(engine or app.state.engine)
    captured = capture(app, pages)
    app.state.bench_pages = captured
    route = Route(PRECOMPUTED_PREFIX + "{name}", precomputed_endpoint(captured), methods=["GET"])
    # First in line, so no catch-all of the app's own routes answers for it.
    app.router.routes.insert(0, route)
    return StatementHeaderMiddleware(app)


def create() -> ASGIApp:
    """uvicorn's factory: the wrapped application, started as `app.asgi` starts it."""
    logs.configure()
    application = wrap(create_app(), pages_from_env())
    # Start-up as `app.asgi` does it: detector models loaded, start-up objects frozen.
    language.warm_up()
    gc.freeze()
    return application
