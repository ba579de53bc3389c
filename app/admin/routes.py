"""Administration pages and the space settings page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.admin import service
from app.db import discard_changes
from app.errors import Forbidden, FormErrors, Stale
from app.i18n import LOCALES
from app.models import SpaceText
from app.moderation import queries as moderation_queries
from app.moderation import service as moderation
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import AdminDep, DbDep, LangDep, NowDep, RenderDep, ViewerDep
from app.web.htmx import redirect
from app.web.ids import RowId

router = APIRouter()


class TextsForm(BaseModel):
    """A space's title and introduction per language, as the form sends them."""

    title_en: str = ""
    title_fr: str = ""
    title_es: str = ""
    intro_en: str = ""
    intro_fr: str = ""
    intro_es: str = ""
    # The space's texts_version when the form was opened (-1: not sent, a stale save).
    texts_version: int = -1

    def texts(self) -> service.SpaceTexts:
        values = self.model_dump()
        return service.SpaceTexts(
            title={code: values[f"title_{code}"] for code in LOCALES},
            intro={code: values[f"intro_{code}"] for code in LOCALES},
        )


class NewSpaceForm(TextsForm):
    slug: str = ""
    original_lang: str = ""
    opens_on: str = ""
    closes_on: str = ""


class SettingsForm(BaseModel):
    version: int = -1
    posting_policy: str = ""
    attribution: str = ""
    opens_on: str = ""
    closes_on: str = ""
    max_shown_depth: str = ""
    flag_threshold: str = ""


@router.get("/{lang}/admin/", name="admin_home")
def admin_home(
    request: Request, lang: LangDep, db: DbDep, viewer: AdminDep, now: NowDep, render: RenderDep
) -> Response:
    context = {
        "spaces": spaces.list_spaces(db, viewer, lang=lang, now=now),
        "form": {"original_lang": lang},
        "errors": {},
    }
    return render(request, "admin/home.html", context)


@router.post("/{lang}/admin/spaces")
def create_space(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[NewSpaceForm, Form()],
) -> Response:
    form = data.model_dump()
    new = service.NewSpace(
        slug=data.slug,
        original_lang=data.original_lang,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        texts=data.texts(),
    )
    try:
        space = service.create_space(db, viewer, new, now=now)
    except FormErrors as exc:
        discard_changes(db)
        context = {
            "spaces": spaces.list_spaces(db, viewer, lang=lang, now=now),
            "form": form,
            "errors": exc.errors,
        }
        return render(request, "admin/home.html", context, status_code=422)
    return redirect(request, f"/{lang}/admin/spaces/{space.slug}")


def _space_admin(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    space_view: spaces.SpaceView,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int | None = None,
) -> Response:
    if form is None:
        form = {}
        for text in db.scalars(select(SpaceText).where(SpaceText.space_id == space_view.space.id)):
            form[f"title_{text.lang}"] = text.title
            form[f"intro_{text.lang}"] = text.intro_md
    # Whatever the form holds, the next save is based on the texts as they are now.
    form["texts_version"] = space_view.space.texts_version
    context = {
        "space_view": space_view,
        "form": form,
        "errors": errors or {},
        "saved": saved,
    }
    status = status_code or (422 if errors else 200)
    return render(request, "admin/space.html", context, status_code=status)


@router.get("/{lang}/admin/spaces/{slug}", name="admin_space")
def space_admin(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    saved: bool = False,
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    return _space_admin(request, render, db, viewer, space_view, saved=saved)


@router.post("/{lang}/admin/spaces/{slug}")
def save_space_texts(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[TextsForm, Form()],
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    form = data.model_dump()
    try:
        service.save_texts(db, viewer, space_view.space, data.texts(), version=data.texts_version)
    except FormErrors as exc:
        discard_changes(db)
        return _space_admin(
            request,
            render,
            db,
            viewer,
            space_view,
            form=form,
            errors=exc.errors,
            status_code=409 if isinstance(exc, Stale) else None,
        )
    return redirect(request, f"/{lang}/admin/spaces/{slug}?saved=1")


@router.post("/{lang}/admin/spaces/{slug}/moderators")
def add_moderator(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    who: Annotated[str, Form()] = "",
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    try:
        service.add_moderator(db, viewer, space_view.space, who)
    except FormErrors as exc:
        discard_changes(db)
        return _space_admin(request, render, db, viewer, space_view, form=None, errors=exc.errors)
    return redirect(request, f"/{lang}/admin/spaces/{slug}")


@router.post("/{lang}/admin/spaces/{slug}/moderators/{user_id}/remove")
def remove_moderator(
    request: Request,
    lang: LangDep,
    slug: str,
    user_id: RowId,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    service.remove_moderator(db, viewer, space_view.space, user_id)
    return redirect(request, f"/{lang}/admin/spaces/{slug}")


@router.get("/{lang}/admin/users", name="admin_users")
def users(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    q: str = "",
) -> Response:
    return _users_page(request, render, db, viewer, now, q=q)


def _users_page(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    now: datetime,
    *,
    q: str = "",
    errors: dict[str, str] | None = None,
    ban_user: int | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The accounts page; after a refused change, with its errors and what was typed."""
    context = {
        "users": service.list_users(db, viewer, q),
        "q": q,
        "bans": db.execute(moderation_queries.active_bans(None, now)).all(),
        "errors": errors or {},
        "ban_user": ban_user,
        "form": form or {},
    }
    return render(request, "admin/users.html", context, status_code=422 if errors else 200)


@router.post("/{lang}/admin/users/{user_id}/role")
def set_role(
    request: Request,
    lang: LangDep,
    user_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    admin: Annotated[bool, Form()] = False,
) -> Response:
    try:
        service.set_admin(db, viewer, user_id, admin=admin)
    except FormErrors as exc:
        discard_changes(db)
        return _users_page(request, render, db, viewer, now, errors=exc.errors)
    return redirect(request, f"/{lang}/admin/users")


@router.post("/{lang}/admin/users/{user_id}/ban")
def ban_everywhere(
    request: Request,
    lang: LangDep,
    user_id: RowId,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    reason: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
) -> Response:
    try:
        request_ = moderation.BanRequest(
            user_id=user_id,
            space_id=None,
            reason=reason,
            ends_at=moderation.parse_day(ends_on, "ends_on"),
        )
        moderation.ban(db, viewer, request_, now=now)
    except FormErrors as exc:
        discard_changes(db)
        form = {"reason": reason, "ends_on": ends_on}
        return _users_page(
            request, render, db, viewer, now, errors=exc.errors, ban_user=user_id, form=form
        )
    return redirect(request, f"/{lang}/admin/users")


def _settings_page(
    request: Request,
    render: RenderDep,
    space_view: spaces.SpaceView,
    form: dict[str, Any],
    errors: dict[str, str],
    *,
    saved: bool = False,
    counts: Any = None,
    status_code: int | None = None,
) -> Response:
    context = {
        "space_view": space_view,
        "form": form,
        "errors": errors,
        "saved": saved,
        "show": "settings",
        "counts": counts,
    }
    status = status_code or (422 if errors else 200)
    return render(request, "admin/settings.html", context, status_code=status)


@router.get("/{lang}/spaces/{slug}/settings", name="space_settings")
def settings_page(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    saved: bool = False,
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    space = space_view.space
    if not policy.can_moderate(viewer, space.id):
        raise Forbidden("moderate")
    form = {
        "posting_policy": space.posting_policy,
        "attribution": space.attribution,
        "opens_on": space.opens_at.date().isoformat(),
        "closes_on": space.closes_at.date().isoformat() if space.closes_at else "",
        "max_shown_depth": space.max_shown_depth,
        "flag_threshold": space.flag_threshold,
        "version": space.version,
    }
    counts = db.execute(moderation_queries.counts(space.id)).one()
    return _settings_page(request, render, space_view, form, {}, saved=saved, counts=counts)


@router.post("/{lang}/spaces/{slug}/settings")
def save_settings(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[SettingsForm, Form()],
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    form = data.model_dump()
    fields = service.SpaceSettings(**form)
    try:
        service.update_settings(db, viewer, space_view.space, fields, now=now)
    except FormErrors as exc:
        discard_changes(db)
        counts = db.execute(moderation_queries.counts(space_view.space.id)).one()
        # A stale form is answered 409; the next save is based on the current version.
        stale = isinstance(exc, Stale)
        form["version"] = space_view.space.version
        return _settings_page(
            request,
            render,
            space_view,
            form,
            exc.errors,
            counts=counts,
            status_code=409 if stale else None,
        )
    return redirect(request, f"/{lang}/spaces/{slug}/settings?saved=1")


@router.post("/{lang}/spaces/{slug}/close")
def close_space(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    try:
        moderation.close_space(db, viewer, space_view.space, reason=reason, now=now)
    except FormErrors:
        discard_changes(db)
    return redirect(request, f"/{lang}/spaces/{slug}")
