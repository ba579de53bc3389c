"""Note drafts: list and create per space, edit with merge on conflict, states, history,
exports (the DOCX through a background job with a progress page)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from app.config import Settings
from app.curation.note_templates import templates
from app.drafts import files, service, syntax, title_block, versions
from app.drafts.pages import DraftEditorContext
from app.drafts.syntax import Content
from app.errors import FormErrors, NotFound
from app.exports import jobs
from app.models import NoteDraft
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.downloads import download
from app.web.form_errors import redraw_if_refused, redraw_on
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId
from app.web.urls import url_for

router = APIRouter()

PRIVATE = {"Cache-Control": "private, no-store"}


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


@router.post("/{lang}/spaces/{slug}/drafts", name="draft_create")
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
    form = {"template": template, "lang": draft_lang, "title": title}
    with redraw_if_refused(
        lambda refusal: _list(
            request, render, db, viewer, space_view, form=form, errors=refusal.errors
        )
    ):
        draft = service.create_draft(
            db, viewer, space_view.space, template=template, lang=draft_lang, title=title, now=now
        )
    return redirect(request, url_for("draft", lang=lang, draft_id=draft.id))


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
    block: dict[str, str] | None = None,
    base_version: int | None = None,
    errors: dict[str, str] | None = None,
    conflict: service.Conflict | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    content = Content.of(draft.content)
    shown = sections if sections is not None else content.sections
    saved_block = title_block.TitleBlock.of(content.title_block)
    context = DraftEditorContext(
        space_view=space_view,
        draft=draft,
        spec=service.template_of(draft),
        title=draft.title if title is None else title,
        sections=shown,
        block=block if block is not None else asdict(saved_block),
        words=sum(syntax.word_count(t) for t in shown.values()),
        base_version=draft.version if base_version is None else base_version,
        sources=service.sources(db, draft, space_view.space, space_view.moderator_ids),
        transitions=service.TRANSITIONS[draft.state],
        errors=errors or {},
        conflict=conflict,
        saved=saved,
    )
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


@router.post("/{lang}/drafts/{draft_id}", name="draft_save")
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
    # A form without the title block's fields (an older page) leaves it as it is.
    block = title_block.form_values(form) if any(k.startswith("block_") for k in form) else None

    def refused(refusal: service.Conflict | FormErrors) -> Response:
        # Either way the editor comes back with what was typed; a conflict also shows
        # the other version and bases the next save on the current one.
        conflict = refusal if isinstance(refusal, service.Conflict) else None
        errors = refusal.errors if isinstance(refusal, FormErrors) else None
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
            block=block,
            base_version=conflict.current_version if conflict else base_version,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )

    with redraw_on(service.Conflict, refused), redraw_if_refused(refused):
        service.save(
            db,
            viewer,
            draft,
            base_version=base_version,
            title=title,
            sections=sections,
            block=block,
            now=now,
        )
    return redirect(request, url_for("draft", lang=lang, draft_id=draft.id, query={"saved": 1}))


@router.post("/{lang}/drafts/{draft_id}/state", name="draft_state")
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
    seen_version: Annotated[int, Form()] = -1,
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    with redraw_if_refused(
        lambda refusal: _editor(
            request, render, db, viewer, draft, lang, now, errors=refusal.errors, status_code=422
        )
    ):
        seen = seen_version if seen_version >= 0 else None
        service.change_state(db, viewer, draft, to=to, note=note, now=now, seen_version=seen)
    return redirect(request, url_for("draft", lang=lang, draft_id=draft.id))


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
        "numbers": versions.numbers(db, draft),
    }
    return render(request, "drafts/history.html", context, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}/versions/{version}", name="draft_version")
def version_page(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    version: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    """One version as it was saved, read-only."""
    draft = service.get_draft(db, viewer, draft_id)
    revision = versions.version_of(db, viewer, draft, version)
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    content = Content.of(revision.content)
    context = {
        "block": title_block.TitleBlock.of(content.title_block),
        "space_view": space_view,
        "draft": draft,
        "spec": service.template_of(draft),
        "revision": revision,
        "sections": content.sections,
        "words": content.words(),
        "numbers": versions.numbers(db, draft),
    }
    return render(request, "drafts/version.html", context, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}/compare", name="draft_compare")
def compare(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    old: RowId | None = None,
    new: RowId | None = None,
) -> Response:
    """Two versions word by word; by default the latest against the one before it."""
    draft = service.get_draft(db, viewer, draft_id)
    newer = new if new is not None else draft.version
    older = old if old is not None else max(newer - 1, 1)
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    context = {
        "space_view": space_view,
        "draft": draft,
        "spec": service.template_of(draft),
        "comparison": versions.compare(db, viewer, draft, older, newer),
        "numbers": versions.numbers(db, draft),
    }
    return render(request, "drafts/compare.html", context, headers=PRIVATE)


@router.get(
    "/{lang}/drafts/{draft_id}/versions/{version}/export.{fmt}", name="draft_version_export"
)
def version_export(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    version: RowId,
    fmt: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    """One version's files, made from that version's title and sections."""
    draft = service.get_draft(db, viewer, draft_id)
    then = versions.as_it_was(draft, versions.version_of(db, viewer, draft, version))
    return _export(request, render, db, viewer, then, lang, fmt, now, settings)


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
    count = sum(syntax.word_count(str(form.get(f"section_{s.key}", ""))) for s in spec.sections)
    return render(request, "drafts/_words.html", {"draft": draft, "words": count}, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}/export.{fmt}", name="draft_export")
def export(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    fmt: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    """Markdown at once; DOCX from a background job, whose page this redirects to."""
    draft = service.get_draft(db, viewer, draft_id)
    return _export(request, render, db, viewer, draft, lang, fmt, now, settings)


def _export(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    draft: NoteDraft,
    lang: str,
    fmt: str,
    now: datetime,
    settings: Settings,
) -> Response:
    if fmt not in ("md", "docx"):
        raise NotFound
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    choice = request.query_params.get("withdrawn", "")
    withdrawn = files.Withdrawn(choice) if choice in set(files.Withdrawn) else files.Withdrawn.ASK
    try:
        prepared = files.prepare(db, draft, space_view, settings.base_url, now, withdrawn)
    except files.SourcesWithdrawn as gone:
        # The moderator sees what became of each source (the editor's view) and chooses.
        known = service.sources(db, draft, space_view.space, space_view.moderator_ids)
        context = {
            "space_view": space_view,
            "draft": draft,
            # (element id, source): "c:5/es" → "withdrawn-c-5-es"
            "withdrawn": [
                ("withdrawn-" + re.sub(r"[:/]", "-", key), known[key])
                for key in gone.keys
                if key in known
            ],
            "choices": {
                option: f"{request.url.path}?{urlencode({'withdrawn': option.value})}"
                for option in (files.Withdrawn.REMOVE, files.Withdrawn.MARK)
            },
        }
        return render(request, "drafts/withdrawn.html", context, status_code=409, headers=PRIVATE)
    if fmt == "md":
        markdown = files.to_markdown(prepared)
        return download(markdown, prepared.filename("md"), files.MARKDOWN)
    assert viewer.user_id is not None  # only moderators get a draft
    try:
        job = files.start_word(_job_store(request, settings), viewer.user_id, prepared, lang)
    except jobs.TooManyJobs:
        context = _job_context(space_view, draft, lang, None)
        return render(request, "drafts/job.html", context, status_code=429, headers=PRIVATE)
    return RedirectResponse(_job_url("draft_job", lang, draft.id, job.id), 303, headers=PRIVATE)


def _job_store(request: Request, settings: Settings) -> jobs.JobStore:
    return jobs.store_of(request.app.state, settings.data_dir)


def _job_url(name: str, lang: str, draft_id: int, job_id: str) -> str:
    return url_for(name, lang=lang, draft_id=draft_id, job_id=job_id)


def _own_job(
    request: Request, settings: Settings, viewer: Viewer, draft: NoteDraft, job_id: str
) -> tuple[jobs.JobStore, jobs.Job]:
    """The draft's DOCX job, for the person who started it (and may still export it)."""
    return jobs.owned_or_404(
        request.app.state,
        settings.data_dir,
        job_id,
        owner_id=viewer.user_id,
        space_id=draft.space_id,
        subject=files.job_subject(draft.id),
    )


def _job_context(
    space_view: spaces.SpaceView,
    draft: NoteDraft,
    lang: str,
    job: jobs.Job | None,
) -> dict[str, Any]:
    return {
        "space_view": space_view,
        "draft": draft,
        "job": job,
        "job_url": _job_url("draft_job", lang, draft.id, job.id) if job else None,
        "file_url": _job_url("draft_job_file", lang, draft.id, job.id) if job else None,
        "busy": job is None,
        "draft_url": url_for("draft", lang=lang, draft_id=draft.id),
        "retry_url": url_for("draft_export", lang=lang, draft_id=draft.id, fmt="docx"),
    }


@router.get("/{lang}/drafts/{draft_id}/jobs/{job_id}", name="draft_job")
def draft_job(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    job_id: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    """The job's progress: a page, or under htmx the box that polls itself."""
    draft = service.get_draft(db, viewer, draft_id)
    _store, job = _own_job(request, settings, viewer, draft, job_id)
    space_view = spaces.space_of(db, viewer, draft.space_id, lang=lang, now=now)
    context = _job_context(space_view, draft, lang, job)
    template = "exports/_job.html" if is_htmx(request) else "drafts/job.html"
    return render(request, template, context, headers=PRIVATE)


@router.get("/{lang}/drafts/{draft_id}/jobs/{job_id}/file", name="draft_job_file")
def draft_job_file(
    request: Request,
    lang: LangDep,
    draft_id: RowId,
    job_id: str,
    db: DbDep,
    viewer: ViewerDep,
    settings: SettingsDep,
) -> Response:
    draft = service.get_draft(db, viewer, draft_id)
    store, job = _own_job(request, settings, viewer, draft, job_id)
    data = store.read(job)
    if data is None:  # not made yet (or failed): its page says which
        url = _job_url("draft_job", lang, draft.id, job.id)
        return RedirectResponse(url, status_code=303, headers=PRIVATE)
    return download(data, job.filename, job.content_type)
