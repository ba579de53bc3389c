"""Note drafts: list and create per space, edit with merge on conflict, states, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from app.db import discard_changes
from app.drafts import document, service
from app.drafts import export as exporting
from app.drafts.catalogue import templates
from app.drafts.document import Content
from app.errors import FormErrors, NotFound
from app.models import NoteDraft
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.downloads import download
from app.web.htmx import redirect
from app.web.ids import RowId

router = APIRouter()

PRIVATE = {"Cache-Control": "private, no-store"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _list(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    space_view: spaces.SpaceView,
    *,
    form: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    context = {
        "space_view": space_view,
        "drafts": service.drafts_of(db, viewer, space_view.space),
        "templates": templates(),
        "form": form,
        "errors": errors,
    }
    return render(
        request, "drafts/list.html", context, status_code=422 if errors else 200, headers=PRIVATE
    )


@router.get("/{lang}/spaces/{slug}/drafts", name="drafts")
def drafts(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    form = {"template": "background-note", "lang": lang, "title": space_view.text.title}
    return _list(request, render, db, viewer, space_view, form=form, errors={})


@router.post("/{lang}/spaces/{slug}/drafts")
def create(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    template: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    draft_lang: Annotated[str, Form(alias="lang")] = "",
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    try:
        draft = service.create_draft(
            db, viewer, space_view.space, template=template, lang=draft_lang, title=title, now=now
        )
    except FormErrors as exc:
        discard_changes(db)
        form = {"template": template, "lang": draft_lang, "title": title}
        return _list(request, render, db, viewer, space_view, form=form, errors=exc.errors)
    return redirect(request, f"/{lang}/drafts/{draft.id}")


def _editor(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    draft: NoteDraft,
    lang: str,
    now: datetime,
    *,
    title: str | None = None,
    sections: dict[str, str] | None = None,
    base_version: int | None = None,
    errors: dict[str, str] | None = None,
    conflict: service.Conflict | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    content = Content.of(draft.content)
    shown = sections if sections is not None else content.sections
    context = {
        "space_view": space_view,
        "draft": draft,
        "spec": service.template_of(draft),
        "title": draft.title if title is None else title,
        "sections": shown,
        "words": sum(document.word_count(t) for t in shown.values()),
        "base_version": draft.version if base_version is None else base_version,
        "sources": service.sources(db, draft, space_view.space, space_view.moderator_ids),
        "transitions": service.TRANSITIONS.get(draft.state, ()),
        "errors": errors or {},
        "conflict": conflict,
        "saved": saved,
    }
    return render(request, "drafts/edit.html", context, status_code=status_code, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}", name="draft")
def edit(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    saved: bool = False,
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    return _editor(request, render, db, viewer, draft, lang, now, saved=saved)


class DraftForm(BaseModel):
    """Title, base version and one `section_<key>` field per section of the template."""

    model_config = ConfigDict(extra="allow")
    title: str = ""
    base_version: int = -1


@router.post("/{lang}/drafts/{draft_id}")
def save(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[DraftForm, Form()],
) -> Response:
    form = data.model_dump()
    draft = service.get_draft(db, viewer, draft_id)
    spec = service.template_of(draft)
    sections = {s.key: str(form.get(f"section_{s.key}", "")) for s in spec.sections}
    title, base_version = data.title, data.base_version
    try:
        service.save(
            db, viewer, draft, base_version=base_version, title=title, sections=sections, now=now
        )
    except (service.Conflict, FormErrors) as exc:
        # Either way the editor comes back with what was typed; a conflict also shows
        # the other version and bases the next save on the current one.
        discard_changes(db)
        conflict = exc if isinstance(exc, service.Conflict) else None
        errors = exc.errors if isinstance(exc, FormErrors) else None
        return _editor(
            request,
            render,
            db,
            viewer,
            draft,
            lang,
            now,
            title=title,
            sections=conflict.merged if conflict else sections,
            base_version=conflict.current_version if conflict else base_version,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )
    return redirect(request, f"/{lang}/drafts/{draft.id}?saved=1")


@router.post("/{lang}/drafts/{draft_id}/state")
def change_state(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    to: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    try:
        service.change_state(db, viewer, draft, to=to, note=note, now=now)
    except FormErrors as exc:
        discard_changes(db)
        return _editor(
            request, render, db, viewer, draft, lang, now, errors=exc.errors, status_code=422
        )
    return redirect(request, f"/{lang}/drafts/{draft.id}")


@router.get("/{lang}/drafts/{draft_id}/history", name="draft_history")
def history(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    context = {
        "space_view": space_view,
        "draft": draft,
        "spec": service.template_of(draft),
        "revisions": service.history(db, viewer, draft),
    }
    return render(request, "drafts/history.html", context, headers=PRIVATE)


@router.post("/{lang}/drafts/{draft_id}/words", name="draft_words")
def words(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    render: RenderDep,
    data: Annotated[DraftForm, Form()],
) -> Response:
    """The live word count: the editor's sections sent as they are typed."""
    draft = service.get_draft(db, viewer, draft_id)
    spec = service.template_of(draft)
    form = data.model_dump()
    count = sum(document.word_count(str(form.get(f"section_{s.key}", ""))) for s in spec.sections)
    return render(request, "drafts/_words.html", {"draft": draft, "words": count}, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}/export.{fmt}", name="draft_export")
def export(
    lang: LangDep,
    draft_id: RowId,
    fmt: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    if fmt not in ("md", "docx"):
        raise NotFound
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    doc = exporting.build(db, draft, space_view, settings.base_url)
    name = f"{space_view.space.slug}-note-{draft.id}-v{draft.version}"
    if fmt == "md":
        markdown = doc.render().encode("utf-8")
        return download(markdown, f"{name}.md", "text/markdown; charset=utf-8")
    return download(exporting.to_word(doc, draft, now), f"{name}.docx", DOCX)
