"""Verifying an e-mail address: the link's confirm page, and sending the link again."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import ratelimit
from app.accounts import service as accounts
from app.accounts import tokens, verification
from app.accounts.link_pages import invalid_link
from app.errors import Forbidden
from app.web.deps import DbDep, LangDep, LimiterDep, NowDep, RenderDep, ViewerDep
from app.web.htmx import redirect
from app.web.security import TOKEN_PAGE_HEADERS
from app.web.urls import url_for

router = APIRouter()


class VerifyPage(StrEnum):
    """What the verification page says."""

    CONFIRM = "confirm"  # the link works: confirm the address
    DONE = "done"  # the address is confirmed
    SENT = "sent"  # a new link was sent (or not, with an error)


def _page(
    request: Request,
    render: RenderDep,
    state: VerifyPage,
    *,
    token: str = "",
    email: str = "",
    error: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "accounts/verify_email.html",
        # about_verification: the layout's "please confirm" notice would repeat this page.
        {
            "state": state,
            "token": token,
            "email": email,
            "error": error,
            "about_verification": True,
        },
        status_code=status_code,
        headers={**TOKEN_PAGE_HEADERS, **(headers or {})},
    )


@router.get("/{lang}/email/verify/{token}", name="verify_email")
def verify_form(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    """Only asks: mail scanners fetch links, and a GET must not verify anything."""
    try:
        user = verification.check(db, token, now=now)
    except tokens.InvalidLink:
        return invalid_link(request, render, "verify")
    return _page(request, render, VerifyPage.CONFIRM, token=token, email=user.email)


@router.post("/{lang}/email/verify/{token}", name="verify_email_confirm")
def verify(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    try:
        verification.confirm(db, token, now=now)
    except tokens.InvalidLink:
        return invalid_link(request, render, "verify")
    # Redirected, so the page is drawn for a verified viewer (no "please confirm" notice).
    return redirect(request, url_for("email_verified", lang=lang))


@router.get("/{lang}/email/verified", name="email_verified")
def verified(request: Request, lang: LangDep, render: RenderDep) -> Response:
    return _page(request, render, VerifyPage.DONE)


@router.post("/{lang}/email/verify", name="verify_email_resend")
def send_again(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    limiter: LimiterDep,
) -> Response:
    if viewer.user_id is None:
        raise Forbidden("sign-in")
    user = accounts.account_of(db, viewer)
    assert user is not None  # the session row would have gone with the account
    if user.email_verified_at is not None:
        return redirect(request, url_for("email_verified", lang=lang))
    try:
        limiter.check(ratelimit.VERIFY_RESEND_PER_USER, str(user.id), db=db)
    except ratelimit.TooMany as exc:
        return _page(
            request,
            render,
            VerifyPage.SENT,
            email=user.email,
            error=exc.message,
            status_code=429,
            headers=exc.headers,
        )
    verification.send_link(db, user, now=now)
    return _page(request, render, VerifyPage.SENT, email=user.email)
