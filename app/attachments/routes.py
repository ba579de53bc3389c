"""Downloading position papers: always as a download, always authorised."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.attachments import service
from app.web.deps import DbDep, LangDep, SettingsDep, ViewerDep
from app.web.downloads import download_headers
from app.web.ids import RowId

router = APIRouter()


@router.get("/{lang}/attachments/{attachment_id}", name="attachment")
def download(
    lang: LangDep, attachment_id: RowId, db: DbDep, viewer: ViewerDep, settings: SettingsDep
) -> FileResponse:
    attachment, path = service.for_download(db, viewer, attachment_id, settings.upload_dir)
    return FileResponse(
        path,
        media_type=attachment.content_type,
        headers=download_headers(attachment.filename, cache="private, no-cache"),
    )
