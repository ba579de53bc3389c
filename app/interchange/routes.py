"""Administrators export a space as an interchange file (the JSON alone, or a bundle with
its position papers) and import one as a new space."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.interchange import dump as export  # the body still calls it `export`
from app.interchange import importer
from app.web.deps import AdminDep, DbDep, LangDep, NowDep, RenderDep, SettingsDep
from app.web.downloads import download
from app.web.form_errors import redraw_on
from app.web.htmx import redirect
from app.web.urls import url_for

router = APIRouter()


@router.get("/{lang}/admin/spaces/{slug}/export.json", name="interchange_export")
def export_space(lang: LangDep, slug: str, db: DbDep, viewer: AdminDep, now: NowDep) -> Response:
    space = export.space_by_slug(db, slug)
    body = export.dumps(export.export_space(db, space, now=now))
    return download(body.encode("utf-8"), export.filename(space, now), "application/json")


@router.get("/{lang}/admin/spaces/{slug}/export.zip", name="interchange_export_bundle")
def export_bundle(
    lang: LangDep, slug: str, db: DbDep, viewer: AdminDep, now: NowDep, settings: SettingsDep
) -> Response:
    space = export.space_by_slug(db, slug)
    document, files = export.export_with_files(db, space, now=now, upload_dir=settings.upload_dir)
    body = export.bundle(document, files)
    return download(body, export.filename(space, now, suffix="zip"), "application/zip")


@router.get("/{lang}/admin/import", name="interchange_import")
def import_form(request: Request, lang: LangDep, viewer: AdminDep, render: RenderDep) -> Response:
    return render(request, "interchange/import.html", {"form": {}, "problems": None})


@router.post("/{lang}/admin/import", name="interchange_import_submit")
def import_space(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: AdminDep,
    now: NowDep,
    render: RenderDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    slug: Annotated[str, Form()] = "",
) -> Response:
    # One byte past the limit is enough to know the file is too big.
    data = file.file.read(importer.MAX_BUNDLE_BYTES + 1) if file is not None else None

    def form_page(problems: importer.ImportProblems) -> Response:
        context = {
            "form": {"slug": slug, "filename": file.filename if file is not None else ""},
            "problems": problems,
        }
        return render(request, "interchange/import.html", context, status_code=422)

    with redraw_on(importer.ImportProblems, form_page):
        upload = importer.read_upload(data)
        space = importer.import_space(
            db,
            upload.document,
            slug=slug,
            tagger_id=viewer.user_id,
            now=now,
            files=upload.files,
            upload_dir=settings.upload_dir,
            max_attachment_bytes=settings.max_upload_bytes,
        )
    return redirect(request, url_for("admin_space", lang=lang, slug=space.slug))
