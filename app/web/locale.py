"""Middleware that puts the request's UI language in a ContextVar."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.i18n import LOCALES, negotiate, set_locale


def locale_from_path(path: str) -> str | None:
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LOCALES else None


class LocaleMiddleware:
    """/en/, /fr/, /es/ decide; elsewhere Accept-Language does."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            locale = locale_from_path(scope["path"]) or negotiate(
                Headers(scope=scope).get("accept-language"), self.default
            )
            set_locale(locale)
            scope.setdefault("state", {})["locale"] = locale
        await self.app(scope, receive, send)
