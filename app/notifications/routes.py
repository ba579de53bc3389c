"""Unsubscribing by a signed link (no sign-in needed), and following a space."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.errors import Forbidden
from app.i18n import gettext
from app.notifications import subscriptions
from app.notifications.outbox import ALL_KINDS
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.htmx import redirect
from app.web.security import TOKEN_PAGE_HEADERS
from app.web.urls import url_for

router = APIRouter()


class UnsubscribePage(StrEnum):
    """What the unsubscribe page says."""

    CONFIRM = "confirm"  # asks first: mail scanners follow links
    DONE = "done"
    INVALID = "invalid"  # the link is incomplete or altered


def _invalid(request: Request, render: RenderDep) -> Response:
    return render(
        request,
        "notifications/unsubscribe.html",
        {"state": UnsubscribePage.INVALID, "token": "", "what": "", "what_all": ""},
        status_code=400,
        headers=TOKEN_PAGE_HEADERS,
    )


@router.get("/{lang}/unsubscribe/{token}", name="unsubscribe")
def unsubscribe_form(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    """Only asks: mail scanners follow links, and a GET must not unsubscribe anybody."""
    wanted = subscriptions.read_token(settings.resolved_secret_key, token)
    if wanted is None:
        return _invalid(request, render)
    done = subscriptions.is_opted_out(db, wanted.user_id, wanted.kind)
    context = {
        "state": UnsubscribePage.DONE if done else UnsubscribePage.CONFIRM,
        "token": token,
        "what": subscriptions.kind_label(wanted.kind),
        "what_all": "" if wanted.kind == ALL_KINDS else subscriptions.kind_label(ALL_KINDS),
    }
    return render(request, "notifications/unsubscribe.html", context, headers=TOKEN_PAGE_HEADERS)


@router.post("/{lang}/unsubscribe/{token}", name="unsubscribe_confirm")
def unsubscribe(
    request: Request,
    lang: LangDep,
    token: str,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    render: RenderDep,
    scope: Annotated[str, Form()] = "",
) -> Response:
    """The confirmation form, or a mail client's one-click unsubscribe (RFC 8058)."""
    wanted = subscriptions.read_token(settings.resolved_secret_key, token)
    if wanted is None:
        return _invalid(request, render)
    if scope == ALL_KINDS:
        wanted = subscriptions.Unsubscribe(wanted.user_id, ALL_KINDS)
    if not subscriptions.opt_out(db, wanted, now):
        return _invalid(request, render)
    context = {
        "state": UnsubscribePage.DONE,
        "token": token,
        "what": subscriptions.kind_label(wanted.kind),
        "what_all": "",
    }
    return render(request, "notifications/unsubscribe.html", context, headers=TOKEN_PAGE_HEADERS)


@router.post("/{lang}/spaces/{slug}/follow", name="follow_space")
def follow(
    request: Request, lang: LangDep, slug: str, db: DbDep, viewer: ViewerDep, now: NowDep
) -> Response:
    space = subscriptions.space_to_follow(db, slug)
    if viewer.user_id is None:
        raise Forbidden(gettext("Sign in to follow a space."))
    subscriptions.follow(db, viewer.user_id, space.id, now)
    return redirect(request, url_for("space_page", lang=lang, slug=space.slug))


@router.post("/{lang}/spaces/{slug}/unfollow", name="unfollow_space")
def unfollow(request: Request, lang: LangDep, slug: str, db: DbDep, viewer: ViewerDep) -> Response:
    space = subscriptions.space_to_follow(db, slug)
    if viewer.user_id is None:
        raise Forbidden(gettext("Sign in to follow a space."))
    subscriptions.unfollow(db, viewer.user_id, space.id)
    return redirect(request, url_for("space_page", lang=lang, slug=space.slug))
