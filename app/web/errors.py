"""Error pages in the reader's language (and JSON errors under /api)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import Forbidden, NotFound
from app.i18n import gettext
from app.ratelimit import TooMany

log = logging.getLogger(__name__)


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
    render = request.app.state.renderer
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
        headers=headers,
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
        if _is_api(request):
            # Without the input and context: raw bytes of a malformed body (or an exception
            # in ctx) cannot be serialised, and echoing what was sent serves no one.
            errors = [
                {k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        # Malformed addresses (a non-numeric id, say) point at nothing.
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return not_found(request)
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
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        return _page(
            request,
            503,
            gettext("Temporarily unavailable"),
            gettext("Roundtable cannot reach its database right now. Please try again shortly."),
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _page(
            request,
            500,
            gettext("Something went wrong"),
            gettext("An unexpected error happened on our side. Please try again."),
        )
