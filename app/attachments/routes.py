"""Downloading position papers: always as a download, always authorised."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.attachments import service
from app.web.deps import DbDep, LangDep, SettingsDep, ViewerDep

router = APIRouter()


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/{lang}/attachments/{attachment_id}", name="attachment")
def download(
    lang: LangDep, attachment_id: int, db: DbDep, viewer: ViewerDep, settings: SettingsDep
) -> FileResponse:
    attachment, path = service.for_download(db, viewer, attachment_id, settings.upload_dir)
    return FileResponse(
        path,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-cache",
        },
    )
