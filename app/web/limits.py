"""Refuse request bodies larger than the site accepts, before anything parses them."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext


class BodyTooLarge(Exception):
    pass


def _refusal(scope: Scope, limit: int) -> Response:
    message = gettext(
        "This request is too large: at most %(size)s MB can be sent at once.",
        size=f"{limit / 1_000_000:.0f}",
    )
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=413)
    renderer = getattr(getattr(scope.get("app"), "state", None), "renderer", None)
    if renderer is None:
        return PlainTextResponse(message, status_code=413)
    context = {"status": 413, "title": gettext("Too large"), "message": message}
    return renderer(Request(scope), "errors/error.html", context, status_code=413)  # type: ignore[no-any-return]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refusal(scope, self.max_bytes)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # A chunked body that grew past the limit: answer, unless a response began.
            if not started:
                await _refusal(scope, self.max_bytes)(scope, receive, send)
