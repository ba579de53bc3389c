"""Forgot password → e-mailed link → new password: HTML forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import ratelimit
from app.accounts import cookies, reset, tokens
from app.accounts.link_pages import invalid_link
from app.web.deps import DbDep, LangDep, LimiterDep, NowDep, RenderDep, SettingsDep
from app.web.form_errors import redraw_if_refused, status_of
from app.web.security import TOKEN_PAGE_HEADERS
from app.web.urls import url_for

router = APIRouter()


def _forgot_page(
    request: Request,
    render: RenderDep,
    *,
    email: str = "",
    errors: dict[str, str] | None = None,
    sent: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "accounts/password_forgot.html",
        {"form": {"email": email}, "errors": errors or {}, "sent": sent},
        status_code=status_code,
        headers=headers,
    )


def _reset_page(
    request: Request,
    render: RenderDep,
    token: str,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "accounts/password_reset.html",
        {"token": token, "errors": errors or {}},
        status_code=status_code,
        headers=TOKEN_PAGE_HEADERS,
    )


@router.get("/{lang}/password/forgot", name="password_forgot")
def forgot_form(request: Request, lang: LangDep, render: RenderDep) -> Response:
    return _forgot_page(request, render)


@router.post("/{lang}/password/forgot", name="password_forgot_submit")
def forgot(
    request: Request,
    lang: LangDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    limiter: LimiterDep,
    email: Annotated[str, Form()] = "",
) -> Response:
    address = email.strip().lower()[:254]
    try:
        # Counted for any address typed, known or not, so a 429 reveals nothing either.
        limiter.check(ratelimit.RESET_PER_EMAIL, address, db=db)
        client = request.client.host if request.client else ""
        limiter.check(ratelimit.RESET_PER_IP, client, db=db)
    except ratelimit.TooMany as exc:
        return _forgot_page(
            request,
            render,
            email=email,
            errors={"email": exc.message},
            status_code=429,
            headers=exc.headers,
        )
    reset.request_reset(
        db, address, now=now, lifetime=timedelta(minutes=settings.password_reset_minutes)
    )
    # The same page whether or not the address has an account.
    return _forgot_page(request, render, email=address, sent=True)


@router.get("/{lang}/password/reset/{token}", name="password_reset")
def reset_form(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    """Only shows the form: mail scanners fetch links, and a GET must not spend one."""
    try:
        reset.user_for(db, token, now=now)
    except tokens.InvalidLink:
        return invalid_link(request, render, "reset")
    return _reset_page(request, render, token)


@router.post("/{lang}/password/reset/{token}", name="password_reset_submit")
def reset_password(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        with redraw_if_refused(
            lambda refusal: _reset_page(
                request, render, token, refusal.errors, status_code=status_of(refusal)
            )
        ):
            user = reset.reset_password(db, token, password, now=now)
    except tokens.InvalidLink:
        return invalid_link(request, render, "reset")
    # Every session of the account has ended; this browser starts a fresh one.
    session_token = cookies.new_session(request, db, user, now=now, settings=settings)
    return cookies.signed_in(
        request, url_for("password_changed", lang=lang), session_token, settings
    )
