"""Administration pages and the space settings page."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator
from sqlalchemy.orm import Session

from app import policy
from app.admin import service
from app.errors import Forbidden, FormErrors
from app.i18n import LOCALES
from app.models.base import state_or_none
from app.models.spaces import AttributionRule, PostingPolicy
from app.moderation import bans, closing
from app.moderation import reads as moderation_reads
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import AdminDep, DbDep, LangDep, NowDep, RenderDep, ViewerDep
from app.web.form_errors import redraw_if_refused, status_of
from app.web.htmx import redirect
from app.web.ids import RowId
from app.web.urls import url_for

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


# A choice the form does not offer reads as none: the service answers with its form error.
PostingPolicyChoice = Annotated[
    PostingPolicy | None, BeforeValidator(partial(state_or_none, PostingPolicy))
]
AttributionChoice = Annotated[
    AttributionRule | None, BeforeValidator(partial(state_or_none, AttributionRule))
]


class SettingsForm(BaseModel):
    version: int = -1
    posting_policy: PostingPolicyChoice = None
    attribution: AttributionChoice = None
    opens_on: str = ""
    closes_on: str = ""
    max_shown_depth: str = ""
    flag_threshold: str = ""
    note_word_target: str = ""


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


@router.post("/{lang}/admin/spaces", name="admin_create_space")
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

    def form_page(refusal: FormErrors) -> Response:
        context = {
            "spaces": spaces.list_spaces(db, viewer, lang=lang, now=now),
            "form": form,
            "errors": refusal.errors,
        }
        return render(request, "admin/home.html", context, status_code=status_of(refusal))

    with redraw_if_refused(form_page):
        space = service.create_space(db, viewer, new, now=now)
    return redirect(request, url_for("admin_space", lang=lang, slug=space.slug))


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
        for text in spaces.texts_of(db, space_view.space.id):
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


@router.post("/{lang}/admin/spaces/{slug}", name="admin_save_space")
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
    with redraw_if_refused(
        lambda refusal: _space_admin(
            request,
            render,
            db,
            viewer,
            space_view,
            form=form,
            errors=refusal.errors,
            status_code=status_of(refusal),
        )
    ):
        service.save_texts(db, viewer, space_view.space, data.texts(), version=data.texts_version)
    return redirect(request, url_for("admin_space", lang=lang, slug=slug, query={"saved": 1}))


@router.post("/{lang}/admin/spaces/{slug}/moderators", name="admin_add_moderator")
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
    with redraw_if_refused(
        lambda refusal: _space_admin(request, render, db, viewer, space_view, errors=refusal.errors)
    ):
        service.add_moderator(db, viewer, space_view.space, who)
    return redirect(request, url_for("admin_space", lang=lang, slug=slug))


@router.post(
    "/{lang}/admin/spaces/{slug}/moderators/{user_id}/remove", name="admin_remove_moderator"
)
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
    return redirect(request, url_for("admin_space", lang=lang, slug=slug))


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
        "bans": moderation_reads.suspensions(db, None, now),
        "errors": errors or {},
        "ban_user": ban_user,
        "form": form or {},
    }
    return render(request, "admin/users.html", context, status_code=422 if errors else 200)


@router.post("/{lang}/admin/users/{user_id}/role", name="admin_set_role")
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
    with redraw_if_refused(
        lambda refusal: _users_page(request, render, db, viewer, now, errors=refusal.errors)
    ):
        service.set_admin(db, viewer, user_id, admin=admin)
    return redirect(request, url_for("admin_users", lang=lang))


@router.post("/{lang}/admin/users/{user_id}/ban", name="admin_ban_user")
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
    form = {"reason": reason, "ends_on": ends_on}
    with redraw_if_refused(
        lambda refusal: _users_page(
            request, render, db, viewer, now, errors=refusal.errors, ban_user=user_id, form=form
        )
    ):
        request_ = bans.BanRequest(
            user_id=user_id,
            space_id=None,
            reason=reason,
            ends_at=bans.parse_day(ends_on, "ends_on"),
        )
        bans.ban(db, viewer, request_, now=now)
    return redirect(request, url_for("admin_users", lang=lang))


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
        "show": "space_settings",  # the moderation tab of this page's route
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
        "note_word_target": space.note_word_target or "",
        "version": space.version,
    }
    counts = moderation_reads.waiting_in(db, space.id)
    return _settings_page(request, render, space_view, form, {}, saved=saved, counts=counts)


@router.post("/{lang}/spaces/{slug}/settings", name="space_settings_save")
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

    def form_page(refusal: FormErrors) -> Response:
        # Stale or not, the next save is based on the current version.
        form["version"] = space_view.space.version
        counts = moderation_reads.waiting_in(db, space_view.space.id)
        return _settings_page(
            request,
            render,
            space_view,
            form,
            refusal.errors,
            counts=counts,
            status_code=status_of(refusal),
        )

    with redraw_if_refused(form_page):
        service.update_settings(db, viewer, space_view.space, fields, now=now)
    return redirect(request, url_for("space_settings", lang=lang, slug=slug, query={"saved": 1}))


@router.post("/{lang}/spaces/{slug}/close", name="space_close")
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
    space_page = url_for("space_page", lang=lang, slug=slug)
    # Refused only when the space is not open (closed a moment ago, say): its page says so.
    with redraw_if_refused(lambda _refusal: redirect(request, space_page)):
        closing.close_space(db, viewer, space_view.space, reason=reason, now=now)
    return redirect(request, space_page)
