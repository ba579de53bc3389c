"""Unsafe requests per client address, whatever they are."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.ratelimit import WRITES_PER_IP, TooMany
from app.web.csrf import SAFE_METHODS
from app.web.errors import too_many

# POSTs that change nothing (a language guess, a word count sent while typing): counting
# them would let one busy room behind a shared address lock itself out.
READ_ONLY_POSTS = ("/language-hint", "/words")


class WritesPerAddressMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not scope["path"].endswith(READ_ONLY_POSTS)
        ):
            limiter = scope["app"].state.limiter
            client = scope.get("client")
            address = client[0] if client else "unknown"
            try:
                # In a worker thread: the database may make it wait for a writer, and that
                # writer needs this event loop to finish (a blocked loop deadlocks both).
                await run_in_threadpool(limiter.check, WRITES_PER_IP, address)
            except TooMany as exc:
                await too_many(Request(scope), exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
