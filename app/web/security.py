"""Security headers on every response, as plain ASGI middleware (no per-request task hop).

The policy allows scripts only from this origin (htmx and our own files: no inline
scripts or handlers anywhere), no plugins, no foreign framing and no <base> tricks.
Responses to a signed-in person are private and never stored by caches: they may
carry moderation queues, account details or unpublished comments.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
# Pages whose address holds a token (unsubscribe, password reset, e-mail verification):
# the token is the credential, so keep it out of Referer headers, caches and search
# engines (app/logs.py masks it in the logs). "strict-origin" sends at most this site's
# origin, never the path, to any site, this one included (a proxy's access log records
# Referer). Not "no-referrer": under it browsers send `Origin: null` with the page's own
# forms, which the CSRF check (app/web/csrf.py) rightly refuses, so nobody could confirm
# an address or reset a password (issue 11).
TOKEN_PAGE_HEADERS = {
    "Referrer-Policy": "strict-origin",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "no-store",
}
# The addresses of those pages (app/logs.py masks the same segments).
_TOKEN_PATH = re.compile(r"/(?:unsubscribe|password/reset|email/verify)/[^/]+/?$")


def holds_token(path: str) -> bool:
    """Whether this address is one of the token pages' (so must not be copied elsewhere)."""
    return _TOKEN_PATH.search(path) is not None


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, session_cookie: str, force_https: bool = False) -> None:
        self.app = app
        self.session_cookie = session_cookie.encode("latin-1")
        self.force_https = force_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.force_https or scope.get("scheme") == "https"
        # Static files stay cacheable for everyone; only pages and fragments are private.
        signed_in = not scope["path"].startswith("/static/") and any(
            name == b"cookie" and self.session_cookie + b"=" in value
            for name, value in scope.get("headers", [])
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A route may set a stricter policy of its own (downloads are sandboxed).
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "SAMEORIGIN")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if signed_in:
                    headers["Cache-Control"] = "private, no-store"
                    headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)
