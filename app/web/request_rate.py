"""Requests per client address: every request (batched), and unsafe ones one by one.

The rules and counters are app/ratelimit's; this middleware applies them before any
route runs (request bodies are bounded in app/web/request_size.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import WriterBusy
from app.i18n import gettext
from app.ratelimit import REQUESTS_BATCH, WRITES_PER_IP, Limiter, Rule, TooMany
from app.web import formcheck
from app.web.csrf import SAFE_METHODS
from app.web.error_pages import database_error, too_many

# POSTs that change nothing (a language guess, a word count sent while typing): counting
# them would let one busy room behind a shared address lock itself out.
READ_ONLY_POSTS = ("/language-hint", "/words")
# Probes come from the load balancer's one address, often; they must always answer.
UNCOUNTED = frozenset({"/healthz", "/readyz"})


class RequestsPerAddressMiddleware:
    def __init__(self, app: ASGIApp, *, per_minute: int = 1200) -> None:
        self.app = app
        self.requests = Rule("requests-ip", per_minute, timedelta(minutes=1))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCOUNTED:
            await self.app(scope, receive, send)
            return
        limiter = scope["app"].state.limiter
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            if scope["method"] in SAFE_METHODS or scope["path"].endswith(READ_ONLY_POSTS):
                if limiter.enabled:
                    await _batched(limiter, self.requests, address)
            else:
                # In a worker thread: the database may make it wait for a writer, and that
                # writer needs this event loop to finish (a blocked loop deadlocks both).
                await run_in_threadpool(limiter.check, WRITES_PER_IP, address)
        except TooMany as exc:
            if scope["method"] in SAFE_METHODS:
                await too_many(Request(scope), exc)(scope, receive, send)
                return
            # A refused post gives back what was typed (htmx: an alert, the form untouched).
            body = await Request(scope, receive).body()
            content_type = formcheck.content_type_of(scope)
            answer = formcheck.resubmission(
                scope,
                429,
                exc.message,
                formcheck.fields(content_type, body),
                exc.headers,
                title=gettext("Too many requests"),
            )
            await answer(scope, receive, send)
            return
        except (OperationalError, WriterBusy) as exc:
            # Outside the app's exception handlers: said here, as they would say it.
            await database_error(Request(scope), exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _batched(limiter: Limiter, rule: Rule, address: str) -> None:
    # Most calls only touch memory; the one in a batch that reaches the backend may wait
    # for the database, so that one runs off the event loop.
    if limiter.would_flush(rule, address, REQUESTS_BATCH):
        await run_in_threadpool(limiter.check_batched, rule, address, REQUESTS_BATCH)
    else:
        limiter.check_batched(rule, address, REQUESTS_BATCH)
