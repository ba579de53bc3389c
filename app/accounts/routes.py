"""Register, sign in, sign out, sessions: HTML forms.

Password reset, address verification and password change have modules of their own,
mounted on this router at the end, so the app still includes one accounts router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app import ratelimit
from app.accounts import (
    cookies,
    password_routes,
    reset_routes,
    service,
    verification,
    verification_routes,
)
from app.errors import Forbidden, FormErrors
from app.web.deps import (
    SESSION_COOKIE,
    DbDep,
    LangDep,
    LimiterDep,
    NowDep,
    RenderDep,
    SettingsDep,
    ViewerDep,
)
from app.web.form_errors import redraw_if_refused, status_of
from app.web.htmx import redirect
from app.web.ids import RowId
from app.web.safety import safe_next
from app.web.urls import url_for

router = APIRouter()


@router.get("/{lang}/register", name="register")
def register_form(request: Request, lang: LangDep, render: RenderDep, next: str = "") -> Response:
    return render(
        request, "accounts/register.html", {"form": {}, "errors": {}, "next": safe_next(next, lang)}
    )


@router.post("/{lang}/register", name="register_submit")
def register(
    request: Request,
    lang: LangDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next, lang)
    form = {"display_name": display_name, "email": email}
    with redraw_if_refused(
        lambda refusal: render(
            request,
            "accounts/register.html",
            {"form": form, "errors": refusal.errors, "next": target},
            status_code=status_of(refusal),
        )
    ):
        user = service.register(
            db, display_name=display_name, email=email, password=password, locale=lang
        )
    verification.send_link(db, user, now=now)
    token = cookies.new_session(request, db, user, now=now, settings=settings)
    return cookies.signed_in(request, target, token, settings)


@router.get("/{lang}/sign-in", name="sign_in")
def sign_in_form(request: Request, lang: LangDep, render: RenderDep, next: str = "") -> Response:
    return render(
        request, "accounts/sign_in.html", {"form": {}, "errors": {}, "next": safe_next(next, lang)}
    )


@router.post("/{lang}/sign-in", name="sign_in_submit")
def sign_in(
    request: Request,
    lang: LangDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    limiter: LimiterDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    target = safe_next(next, lang)
    try:
        # Guesses are counted per account and per address before the password is checked.
        limiter.check(ratelimit.SIGN_IN_PER_ACCOUNT, email.strip().lower()[:200], db=db)
        address = request.client.host if request.client else ""
        limiter.check(ratelimit.SIGN_IN_PER_IP, address, db=db)
        user = service.authenticate(db, email=email, password=password)
    except ratelimit.TooMany as exc:
        return render(
            request,
            "accounts/sign_in.html",
            {"form": {"email": email}, "errors": {"email": exc.message}, "next": target},
            status_code=429,
            headers=exc.headers,
        )
    except FormErrors as exc:
        # Answered here, not through app/web/form_errors, which rolls back: a wrong
        # password counts against the limits above, and the count must be kept.
        return render(
            request,
            "accounts/sign_in.html",
            {"form": {"email": email}, "errors": exc.errors, "next": target},
            status_code=422,
        )
    # A new token at every sign-in: a session id planted before it is worth nothing.
    token = cookies.new_session(request, db, user, now=now, settings=settings)
    return cookies.signed_in(request, target, token, settings)


@router.get("/{lang}/account/sessions", name="sessions")
def sessions(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, render: RenderDep
) -> Response:
    if viewer.user_id is None:
        raise Forbidden("sign-in")
    rows = service.sessions_of(db, viewer.user_id, request.cookies.get(SESSION_COOKIE))
    return render(request, "accounts/sessions.html", {"sessions": rows})


@router.post("/{lang}/account/sessions/end", name="sessions_end")
def end_sessions(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: ViewerDep,
    session_id: Annotated[RowId | None, Form()] = None,
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if viewer.user_id is None or not token:
        raise Forbidden("sign-in")
    service.end_other_sessions(db, viewer.user_id, token, session_id=session_id)
    return redirect(request, url_for("sessions", lang=lang))


@router.post("/{lang}/sign-out", name="sign_out")
def sign_out(request: Request, lang: LangDep, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db, token)
    response = redirect(request, url_for("space_list", lang=lang))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


router.include_router(reset_routes.router)
router.include_router(verification_routes.router)
router.include_router(password_routes.router)
