"""The drafting workbench: the consultation beside a draft, and the unheard check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from app.drafts import service as drafts
from app.drafts.syntax import Content
from app.errors import FormErrors
from app.models import NoteDraft
from app.models.curation import DraftState
from app.policy import Viewer
from app.spaces import service as spaces
from app.synthesis import workbench
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, ViewerDep
from app.web.form_errors import redraw_if_refused, redraw_on
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId
from app.web.urls import url_for

router = APIRouter()

PRIVATE = {"Cache-Control": "private, no-store"}


def _page(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    draft: NoteDraft,
    lang: str,
    now: datetime,
    asked: Mapping[str, str],
    *,
    title: str | None = None,
    sections: dict[str, str] | None = None,
    base_version: int | None = None,
    section: str = "",
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    conflict: drafts.Conflict | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    found = workbench.listing(db, viewer, space_view.space, asked, lang)
    query = found.filters.query()
    context: dict[str, Any] = {
        "space_view": space_view,
        "draft": draft,
        "spec": drafts.template_of(draft),
        "frozen": draft.state == DraftState.APPROVED,
        "listing": found,
        "title": draft.title if title is None else title,
        "sections": Content.of(draft.content).sections if sections is None else sections,
        "base_version": draft.version if base_version is None else base_version,
        "section": section,
        "typed": typed or {},
        "errors": errors or {},
        "conflict": conflict,
        "saved": saved,
        "page_size": workbench.PAGE_SIZE,
        "here": url_for("workbench", lang=lang, draft_id=draft.id, query=query),
        "save_url": url_for("workbench_save", lang=lang, draft_id=draft.id, query=query),
        "cite_url": url_for("workbench_cite", lang=lang, draft_id=draft.id, query=query),
    }
    return render(
        request, "synthesis/workbench.html", context, status_code=status_code, headers=PRIVATE
    )


@router.get("/{lang}/drafts/{draft_id}/workbench", name="workbench")
def page(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    question: str = "",
    theme: str = "",
    objective: str = "",
    language: str = "",
    state: str = "",
    q: str = "",
    page: str = "",
    saved: bool = False,
) -> Response:
    draft = drafts.get_draft(db, viewer, draft_id)
    asked = {
        "question": question,
        "theme": theme,
        "objective": objective,
        "language": language,
        "state": state,
        "q": q,
        "page": page,
    }
    return _page(request, render, db, viewer, draft, lang, now, asked, saved=saved)


class WorkbenchForm(BaseModel):
    """The draft's column: title, base version, one `section_<key>` field per section;
    citing adds which passage (`cite`, or `comment_id` with `passage` and `start`) and
    the section it goes to without JavaScript."""

    model_config = ConfigDict(extra="allow")
    title: str | None = None
    base_version: str = ""
    section: str = ""
    cite: str = ""
    comment_id: str = ""
    passage: str = ""
    start: str = ""


def _kept(form: workbench.CiteForm, draft: NoteDraft) -> dict[str, Any]:
    """What the page draws again after a refusal: everything as it was sent."""
    return {
        "title": form.title,
        "sections": workbench.typed_sections(draft, form),
        "base_version": form.base_version,
        "section": form.section,
        "typed": {
            **form.extra,
            **({"passage": form.passage} if form.passage else {}),
        },
    }


def _again(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    draft: NoteDraft,
    lang: str,
    now: datetime,
    form: workbench.CiteForm,
    refusal: drafts.Conflict | FormErrors,
) -> Response:
    """The workbench again with what was typed: beside the errors (422), or merged with
    the version saved meanwhile, both texts shown (409)."""
    kept = _kept(form, draft)
    conflict = refusal if isinstance(refusal, drafts.Conflict) else None
    if conflict:
        kept["sections"], kept["base_version"] = conflict.merged, conflict.current_version
    return _page(
        request,
        render,
        db,
        viewer,
        draft,
        lang,
        now,
        request.query_params,
        **kept,
        errors=refusal.errors if isinstance(refusal, FormErrors) else None,
        conflict=conflict,
        status_code=409 if conflict else 422,
    )


@router.post("/{lang}/drafts/{draft_id}/workbench", name="workbench_save")
def save(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[WorkbenchForm, Form()],
) -> Response:
    """The draft saved from the workbench, as the draft's own page saves it."""
    draft = drafts.get_draft(db, viewer, draft_id)
    form = workbench.read_cite_form(draft, data.model_dump())
    asked = request.query_params

    def refused(refusal: drafts.Conflict | FormErrors) -> Response:
        return _again(request, render, db, viewer, draft, lang, now, form, refusal)

    with redraw_on(drafts.Conflict, refused), redraw_if_refused(refused):
        drafts.save(
            db,
            viewer,
            draft,
            base_version=form.base_version,
            title=form.title or "",
            sections=workbench.typed_sections(draft, form),
            block=form.block,
            now=now,
        )
    query = {**workbench.read_filters(asked).query(), "saved": "1"}
    return redirect(request, url_for("workbench", lang=lang, draft_id=draft.id, query=query))


@router.post("/{lang}/drafts/{draft_id}/workbench/cite", name="workbench_cite")
def cite(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[WorkbenchForm, Form()],
) -> Response:
    """Cite a passage: under htmx the marker comes back for the cursor; without
    JavaScript it is appended to the chosen section, saved, and the page drawn again."""
    draft = drafts.get_draft(db, viewer, draft_id)
    form = workbench.read_cite_form(draft, data.model_dump())
    asked = request.query_params
    if is_htmx(request):
        with redraw_if_refused(
            lambda refusal: render(
                request,
                "synthesis/_workbench_cited.html",
                {"cited": None, "errors": refusal.errors},
                status_code=422,
                headers=PRIVATE,
            )
        ):
            cited = workbench.cite_at_cursor(db, viewer, draft, form, now)
        context = {"cited": cited, "errors": {}}
        return render(request, "synthesis/_workbench_cited.html", context, headers=PRIVATE)

    def refused(refusal: FormErrors) -> Response:
        return _again(request, render, db, viewer, draft, lang, now, form, refusal)

    with redraw_if_refused(refused):
        try:
            workbench.cite_and_save(db, viewer, draft, form, now)
        except drafts.Conflict as conflict:
            # The excerpt is kept (its marker is in the text sent back); the draft is not
            # saved until the moderator combines the two versions.
            return _again(request, render, db, viewer, draft, lang, now, form, conflict)
    query = workbench.read_filters(asked).query()
    url = url_for(
        "workbench",
        lang=lang,
        draft_id=draft.id,
        query=query,
        fragment=f"draft-section_{form.section}",
    )
    return redirect(request, url)


@router.get("/{lang}/drafts/{draft_id}/unheard", name="draft_unheard")
def unheard(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    """What the draft cites nowhere yet: a fragment for the draft's pages, or a page."""
    draft = drafts.get_draft(db, viewer, draft_id)
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    context = {
        "space_view": space_view,
        "draft": draft,
        "spec": drafts.template_of(draft),
        "frozen": draft.state == DraftState.APPROVED,
        "unheard": workbench.unheard_of(db, viewer, draft, space_view.space, lang),
        # In place (htmx, on a page with the draft's editor): the marker goes in at the
        # cursor of the form "draft"; on its own page, a form of its own appends it.
        "in_place": is_htmx(request),
        "cite_form": "draft" if is_htmx(request) else "unheard-cite",
        "cite_url": url_for("workbench_cite", lang=lang, draft_id=draft.id),
    }
    template = (
        "synthesis/_unheard.html" if is_htmx(request) else "synthesis/_workbench_unheard_page.html"
    )
    return render(request, template, context, headers=PRIVATE)
