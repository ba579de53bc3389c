"""Changing one's password while signed in, and the page that confirms a new password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import ratelimit
from app.accounts import cookies, credentials
from app.accounts import service as accounts
from app.errors import Forbidden, FormErrors
from app.models import User
from app.web.deps import DbDep, LangDep, LimiterDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.urls import url_for

router = APIRouter()


def _signed_in_user(db: DbDep, viewer: ViewerDep) -> User:
    user = accounts.account_of(db, viewer)
    if user is None:
        raise Forbidden("sign-in")
    return user


@router.get("/{lang}/account/password", name="password_change")
def change_form(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, render: RenderDep
) -> Response:
    _signed_in_user(db, viewer)
    return render(request, "accounts/password_change.html", {"errors": {}})


@router.post("/{lang}/account/password", name="password_change_submit")
def change(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    limiter: LimiterDep,
    current_password: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    user = _signed_in_user(db, viewer)
    try:
        # Someone at an unlocked screen could guess the current password here: the same
        # budget as sign-in guesses for this account.
        limiter.check(ratelimit.SIGN_IN_PER_ACCOUNT, user.email[:200], db=db)
        credentials.change_password(db, user, current=current_password, new=password, now=now)
    except ratelimit.TooMany as exc:
        return render(
            request,
            "accounts/password_change.html",
            {"errors": {"current_password": exc.message}},
            status_code=429,
            headers=exc.headers,
        )
    except FormErrors as exc:
        # Answered here, not through app/web/form_errors, which rolls back: a wrong
        # current password counts against the limit above, and the count must be kept.
        return render(
            request, "accounts/password_change.html", {"errors": exc.errors}, status_code=422
        )
    # Every session ended with the change, this one too: rotate it to a new token.
    token = cookies.new_session(request, db, user, now=now, settings=settings)
    return cookies.signed_in(request, url_for("password_changed", lang=lang), token, settings)


@router.get("/{lang}/account/password/changed", name="password_changed")
def changed(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, render: RenderDep
) -> Response:
    _signed_in_user(db, viewer)
    return render(request, "accounts/password_changed.html")
