"""The digest of a space, for its moderators: a page of links, the downloads, export jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app import policy
from app.config import Settings
from app.errors import Forbidden, NotFound
from app.exports import digest as digests
from app.exports import jobs
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.downloads import download
from app.web.htmx import is_htmx
from app.web.ids import RowId
from app.web.urls import url_for

router = APIRouter()

CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
RENDERERS: dict[str, Callable[[digests.Digest], str | bytes]] = {
    "md": digests.to_markdown,
    "docx": digests.to_docx,
    "csv": digests.to_csv,
    "json": digests.to_json,
}
# Exports carry unpublished names and curation: never kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "private, no-store"}


def _moderated_space(
    db: Session, viewer: Viewer, slug: str, lang: str, now: datetime
) -> spaces.SpaceView:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    if not policy.can_moderate(viewer, space_view.space.id):
        raise Forbidden("moderate")
    return space_view


def _job_store(request: Request, settings: Settings) -> jobs.JobStore:
    return jobs.store_of(request.app.state, settings.data_dir)


@router.get("/{lang}/spaces/{slug}/digest", name="digest")
def digest_page(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    digest = digests.build_digest(
        db, viewer, space_view.space, lang, base_url=settings.base_url, now=now
    )
    context = {
        "space_view": space_view,
        "digest": digest,
        "formats": digests.FORMATS,
        "threshold": jobs.BACKGROUND_THRESHOLD,
        "group_title": digests.group_title,
        "rule_text": digests.rule_text,
    }
    return render(request, "exports/digest.html", context, headers=NO_STORE)


@router.get("/{lang}/spaces/{slug}/digest.{fmt}", name="digest_download")
def digestdownload(
    request: Request,
    lang: LangDep,
    slug: str,
    fmt: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    question: RowId | None = None,
) -> Response:
    if fmt not in digests.FORMATS:
        raise NotFound
    space_view = _moderated_space(db, viewer, slug, lang, now)
    space = space_view.space
    digest = digests.build_digest(
        db, viewer, space, lang, question, base_url=settings.base_url, now=now
    )
    filename = digest.filename(fmt)
    if fmt == "docx" and digest.size > jobs.BACKGROUND_THRESHOLD and viewer.user_id is not None:
        try:
            job = _job_store(request, settings).start(
                owner_id=viewer.user_id,
                space_id=space.id,
                key=f"{space.id}:{question}:{lang}:{fmt}",
                filename=filename,
                content_type=CONTENT_TYPES[fmt],
                work=lambda progress: digests.to_docx(digest, on_progress=progress),
            )
        except jobs.TooManyJobs:
            context = {"space_view": space_view, "job": None, "busy": True}
            return render(request, "exports/job.html", context, status_code=429, headers=NO_STORE)
        return RedirectResponse(
            _job_url("digest_job", lang, slug, job.id), status_code=303, headers=NO_STORE
        )
    return download(RENDERERS[fmt](digest), filename, CONTENT_TYPES[fmt])


def _job_url(name: str, lang: str, slug: str, job_id: str) -> str:
    return url_for(name, lang=lang, slug=slug, job_id=job_id)


def _own_job(
    request: Request, settings: Settings, viewer: Viewer, space_id: int, job_id: str
) -> tuple[jobs.JobStore, jobs.Job]:
    return jobs.owned_or_404(
        request.app.state,
        settings.data_dir,
        job_id,
        owner_id=viewer.user_id,
        space_id=space_id,
        subject=jobs.DIGEST,
    )


@router.get("/{lang}/spaces/{slug}/digest/jobs/{job_id}", name="digest_job")
def digest_job(
    request: Request,
    lang: LangDep,
    slug: str,
    job_id: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    _store, job = _own_job(request, settings, viewer, space_view.space.id, job_id)
    context: dict[str, Any] = {
        "space_view": space_view,
        "job": job,
        "job_url": _job_url("digest_job", lang, slug, job.id),
        "file_url": _job_url("digest_job_file", lang, slug, job.id),
        "busy": False,
    }
    template = "exports/_job.html" if is_htmx(request) else "exports/job.html"
    return render(request, template, context, headers=NO_STORE)


@router.get("/{lang}/spaces/{slug}/digest/jobs/{job_id}/file", name="digest_job_file")
def digest_job_file(
    request: Request,
    lang: LangDep,
    slug: str,
    job_id: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    store, job = _own_job(request, settings, viewer, space_view.space.id, job_id)
    data = store.read(job)
    if data is None:
        return RedirectResponse(
            _job_url("digest_job", lang, slug, job.id), status_code=303, headers=NO_STORE
        )
    return download(data, job.filename, job.content_type)
