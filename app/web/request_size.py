"""Refuse request bodies larger, or forms with more parts, than the site accepts.

Both are counted on the raw bytes as they arrive, before anything parses them: a form of a
million tiny fields costs the parser far more than its size suggests. (How often a client
may send is app/web/request_rate.py's.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext
from app.web import formcheck
from app.web.error_pages import htmx_alert, page_renderer

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class _PartCounter:
    """Counts form fields (`&` separators) or multipart delimiters across chunk edges."""

    def __init__(self, content_type: str) -> None:
        self.marker = b""
        kind, _, params = content_type.partition(";")
        kind = kind.strip().lower()
        if kind == "application/x-www-form-urlencoded":
            self.marker, self.count = b"&", 1
        elif kind == "multipart/form-data":
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name.lower() == "boundary" and value:
                    # The closing delimiter is counted too, hence -1.
                    self.marker, self.count = b"--" + value.strip('"').encode("latin-1"), -1
        self.tail = b""

    def feed(self, chunk: bytes) -> int:
        if self.marker:
            data = self.tail + chunk
            self.count += data.count(self.marker)
            # Keep a marker's length minus one so a delimiter split between chunks counts once.
            keep = len(self.marker) - 1
            self.tail = data[-keep:] if keep else b""
        return self.count if self.marker else 0


def _refusal(scope: Scope, limit: int, *, parts: bool = False) -> Response:
    if parts:
        message = gettext(
            "This form sends too many fields or files at once: at most %(count)d are accepted.",
            count=limit,
        )
    else:
        message = gettext(
            "This request is too large: at most %(size)s MB can be sent at once.",
            size=f"{limit / 1_000_000:.0f}",
        )
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=413)
    renderer = page_renderer(scope.get("app"))
    if renderer is None:
        return PlainTextResponse(message, status_code=413)
    request = Request(scope)
    if request.headers.get("hx-request") == "true":
        return htmx_alert(request, 413, message, title=gettext("Too large"))
    context = {"status": 413, "title": gettext("Too large"), "message": message}
    return renderer(request, "errors/error.html", context, status_code=413)


class BodyLimitMiddleware:
    """Reads an unsafe request's body whole, within the limits, before the app sees it.

    Refusing here rather than from inside a parser matters: FastAPI turns any error raised
    while it parses a form into a bare 400, and the CSRF check reads the body first anyway.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_parts: int = 300) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_parts = max_parts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refusal(scope, self.max_bytes)(scope, receive, send)
            return
        parts = _PartCounter(headers.get("content-type", ""))
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away; nothing to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _refusal(scope, self.max_bytes)(scope, receive, send)
                return
            if parts.feed(chunk) > self.max_parts:
                await _refusal(scope, self.max_parts, parts=True)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        refused = formcheck.check(headers.get("content-type", ""), body)
        if refused is not None:
            answer = formcheck.resubmission(scope, refused.status, refused.message, refused.fields)
            await answer(scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive channel that hands the app a body already read, then the real channel."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
