"""Starting a sign-in: the session row and the cookie."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import service
from app.config import Settings
from app.models import User
from app.web.deps import SESSION_COOKIE
from app.web.htmx import redirect


def new_session(
    request: Request, db: Session, user: User, *, now: datetime, settings: Settings
) -> str:
    """A fresh session token for `user`. A session id planted in this browser before
    (whoever's it was) ends, so it is worth nothing afterwards."""
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        service.end_session(db, previous)
    return service.start_session(
        db,
        user,
        now=now,
        max_age=timedelta(days=settings.session_max_age_days),
        agent=request.headers.get("user-agent", ""),
    )


def signed_in(request: Request, to: str, token: str, settings: Settings) -> Response:
    """Redirect to `to` with the session cookie set."""
    response = redirect(request, to)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(timedelta(days=settings.session_max_age_days).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response
