"""Cross-site request forgery defence for every state-changing request.

Two checks, both needed: the Origin (or Referer) of an unsafe request must be this site,
and the request must carry the token from the browser's `rt_csrf` cookie (double submit):
as the `csrf_token` form field in plain forms, or the `X-CSRF-Token` header that htmx
sends from the <body hx-headers> attribute. A forged cross-site form has neither.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from markupsafe import Markup
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext
from app.web.error_pages import htmx_alert, page_renderer
from app.web.request_size import replaying

COOKIE = "rt_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
COOKIE_MAX_AGE = 30 * 24 * 3600
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

# Unsubscribe links authorise themselves with a signed token, and mail clients send the
# RFC 8058 one-click POST from their own servers, with no page and no cookie.
EXEMPT = re.compile(r"^/(?:en|fr|es)/unsubscribe/[^/]+$")

_current: ContextVar[str] = ContextVar("csrf_token", default="")


def current_token() -> str:
    return _current.get()


@contextmanager
def token_as(value: str) -> Iterator[None]:
    """Render with `value` in place of the request's token (a cached page's slot)."""
    previous = _current.set(value)
    try:
        yield
    finally:
        _current.reset(previous)


def csrf_field() -> Markup:
    """The hidden input every POST form carries (a template global)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(current_token())


def _cookie_token(headers: Headers) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return None
    morsel = jar.get(COOKIE)
    value = morsel.value if morsel else ""
    return value if 32 <= len(value) <= 128 and set(value) <= _TOKEN_CHARS else None


def _same_origin(headers: Headers, scope: Scope) -> bool:
    """An unsafe request must come from a page of this site, when the browser says where."""
    source = headers.get("origin") or headers.get("referer")
    if not source:
        return True  # non-browser clients; the token still has to match
    if source == "null":
        # An opaque origin (sandboxed frame, data: URL, a "no-referrer" page) could be any
        # site's; our pages all use policies that send their real origin (security.py).
        return False
    host = headers.get("host", "")
    return urlsplit(source).netloc == host


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        existing = _cookie_token(headers)
        token = existing or secrets.token_urlsafe(32)
        _current.set(token)
        if scope["method"] not in SAFE_METHODS and not EXEMPT.match(scope["path"]):
            supplied = headers.get(HEADER)
            if supplied is None:
                receive, supplied = await self._form_token(scope, receive)
            if not (
                _same_origin(headers, scope)
                and existing
                and supplied
                and hmac.compare_digest(supplied.encode(), existing.encode())
            ):
                await _refuse(scope)(scope, receive, send)
                return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and not existing:
                cookie = (
                    f"{COOKIE}={token}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax"
                )
                MutableHeaders(scope=message).append(
                    "set-cookie", cookie + ("; Secure" if self.secure else "")
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    async def _form_token(scope: Scope, receive: Receive) -> tuple[Receive, str | None]:
        """Read the body once, find the token, and hand the same body on to the app."""
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replay = replaying(body, receive)

        content_type = Headers(scope=scope).get("content-type", "")
        if not content_type.startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            return replay, None
        try:
            # Parsed from the body already read; the client's channel stays the app's.
            # Parts as large as the whole body may be: BodyLimitMiddleware has bounded it,
            # and a smaller cap here would read a long text as a missing token (403).
            form = await Request(scope, replaying(body, _disconnected)).form(
                max_part_size=max(len(body), 1024 * 1024)
            )
        except Exception:
            return replay, None
        value = form.get(FIELD)
        await form.close()
        return replay, value if isinstance(value, str) else None


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


def _refuse(scope: Scope) -> ASGIApp:
    message = gettext(
        "This form has expired or did not come from this site. Reload the page and try again."
    )
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=403)
    renderer = page_renderer(scope.get("app"))
    if renderer is None:
        return Response(message, status_code=403, media_type="text/plain")
    request = Request(scope)
    if request.headers.get("hx-request") == "true":
        return htmx_alert(request, 403, message, title=gettext("Not allowed"))
    return renderer(
        request,
        "errors/error.html",
        {"status": 403, "title": gettext("Not allowed"), "message": message},
        status_code=403,
    )
