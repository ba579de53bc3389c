"""Error pages in the reader's language (and JSON errors under /api)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, InternalError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import WriterBusy, unwritable_reason
from app.errors import Forbidden, NotFound
from app.i18n import gettext
from app.ratelimit import TooMany
from app.web.htmx import is_htmx

log = logging.getLogger(__name__)

# app/web/templates.py's Renderer, named by its call: that module imports this one.
PageRenderer = Callable[..., Response]


def page_renderer(app: object) -> PageRenderer | None:
    """The app's renderer (on `app.state`, set by app/main.py); None outside the app."""
    renderer: PageRenderer | None = getattr(getattr(app, "state", None), "renderer", None)
    return renderer


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(
    request: Request,
    status: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    if is_htmx(request):
        return htmx_alert(request, status, message, headers, title=title)
    render: PageRenderer = request.app.state.renderer
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
        headers=headers,
    )


# The live region every page has (templates/_layout.html): an htmx request refused for any
# reason shows its message there, and the form it came from stays as it was, text and all.
ALERTS = "#alerts"


def htmx_alert(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
) -> Response:
    render: PageRenderer = request.app.state.renderer
    return render(
        request,
        "errors/_alert.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
        headers={"HX-Retarget": ALERTS, "HX-Reswap": "innerHTML"} | (headers or {}),
    )


def too_many(request: Request, exc: TooMany) -> Response:
    return _page(
        request,
        429,
        gettext("Too many requests"),
        exc.message,
        headers=exc.headers,
    )


def not_found(request: Request) -> Response:
    return _page(
        request,
        404,
        gettext("Page not found"),
        gettext("There is nothing here. The address may be mistyped, or the page was removed."),
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        return not_found(request)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        viewer = getattr(request.state, "viewer", None)
        if viewer is None or not viewer.signed_in:
            return _page(
                request, 403, gettext("Please sign in"), gettext("You need to sign in to do this.")
            )
        return _page(
            request, 403, gettext("Not allowed"), gettext("Your account is not allowed to do this.")
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found(request)
        if exc.status_code == 405:
            return _page(
                request,
                405,
                gettext("Not allowed"),
                gettext("This address does not accept that kind of request."),
            )
        return _page(
            request,
            exc.status_code,
            gettext("Something went wrong"),
            gettext("The request could not be handled."),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # Malformed addresses (a non-numeric id, an id past the database's range: see
        # app/web/ids.py) point at nothing, on pages and on the API alike.
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return not_found(request)
        if _is_api(request):
            # Without the input and context: raw bytes of a malformed body (or an exception
            # in ctx) cannot be serialised, and echoing what was sent serves no one.
            errors = [
                {k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        return _page(
            request,
            400,
            gettext("Something went wrong"),
            gettext("The request could not be handled."),
        )

    @app.exception_handler(TooMany)
    async def _too_many(request: Request, exc: TooMany) -> Response:
        return too_many(request, exc)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # Input the database cannot take even in a WHERE clause: PostgreSQL refuses a NUL
        # byte in any text (a search term, a cursor, an address). The sender's fault: 400.
        log.warning("input refused by the database: %s", type(exc.orig).__name__)
        return _page(
            request,
            400,
            gettext("Something went wrong"),
            gettext("The request could not be handled."),
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> Response:
        return database_error(request, exc)

    @app.exception_handler(InternalError)
    async def _database_refused(request: Request, exc: InternalError) -> Response:
        # PostgreSQL says "read-only transaction" this way (a standby, or the database set
        # read-only); anything else of this kind is a bug.
        if unwritable_reason(exc.orig) is not None:
            return read_only(request)
        log.exception("unhandled error", exc_info=exc)
        return crashed(request)

    @app.exception_handler(WriterBusy)
    async def _writer_busy(request: Request, exc: WriterBusy) -> Response:
        return database_error(request, exc)


def database_error(request: Request, exc: OperationalError | WriterBusy) -> Response:
    """503 saying what is wrong: read-only, too busy to save in time, or unreachable."""
    orig = exc.orig if isinstance(exc, OperationalError) else None
    if unwritable_reason(orig) is not None:
        return read_only(request)  # logged once, when it started (app/db.py)
    if isinstance(exc, WriterBusy) or _is_busy(orig):
        log.warning("database busy: a writer waited its whole turn")
        return busy(request)
    log.error("database unavailable: %s", type(orig).__name__ if orig else exc)
    return _page(
        request,
        503,
        gettext("Temporarily unavailable"),
        gettext("Roundtable cannot reach its database right now. Please try again shortly."),
        headers={"Retry-After": "30"},
    )


def _is_busy(error: BaseException | None) -> bool:
    return isinstance(error, sqlite3.OperationalError) and getattr(
        error, "sqlite_errorname", ""
    ).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def busy(request: Request) -> Response:
    return _page(
        request,
        503,
        gettext("Too busy to save"),
        gettext(
            "Roundtable is saving many contributions at once and could not save yours in "
            "time. Nothing was saved: please send it again in a moment."
        ),
        headers={"Retry-After": "5"},
    )


def read_only(request: Request) -> Response:
    return _page(
        request,
        503,
        gettext("Saving is paused"),
        gettext(
            "Roundtable cannot save anything right now: its database only allows reading. "
            "Nothing was saved; please try again later."
        ),
        headers={"Retry-After": "60"},
    )


def crashed(request: Request) -> Response:
    return _page(
        request,
        500,
        gettext("Something went wrong"),
        gettext("An unexpected error happened on our side. Please try again."),
    )


class CrashMiddleware:
    """Answer an unhandled exception with a complete 500 page, and keep the connection.

    Starlette's own last-resort handler sends the page and then re-raises, so that the
    server logs it; uvicorn then closes the connection, and a keep-alive client's next
    request on it is reset. Here the exception is logged and ends with the response.
    Added innermost (the page gets the security headers and the request id) and outermost
    (a middleware's own crash).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if started:  # half a response is out: only closing the connection can end it
                raise
            log.exception("unhandled error", exc_info=exc)
            await crashed(Request(scope))(scope, receive, send)
