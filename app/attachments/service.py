"""Attaching position papers to comments and handing them back out."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import policy
from app.attachments import storage
from app.attachments.validation import UnsafeFile, UnsupportedFile, sniff_document
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import gettext
from app.models import Attachment, Comment, Space
from app.policy import Viewer

log = logging.getLogger(__name__)

MAX_PER_COMMENT = 5
_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_filename(raw: str, extension: str) -> str:
    """A display name for the download: no paths, no control characters, right extension."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:120] or "document"
    return f"{stem}.{extension}"


def validate_upload(data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """(content type, extension) of an acceptable file, or a translated FormErrors."""
    if not data:
        raise FormErrors({"attachment": gettext("The file is empty.")})
    if len(data) > max_bytes:
        raise FormErrors(
            {
                "attachment": gettext(
                    "The file is too large: the limit is %(size)s MB.",
                    size=f"{max_bytes / 1_048_576:g}",
                )
            }
        )
    try:
        sniffed = sniff_document(data)
    except UnsafeFile as exc:
        raise FormErrors(
            {
                "attachment": gettext(
                    "This document carries parts we do not accept (macros, content fetched from "
                    "elsewhere, or a damaged or oversized archive). Save it again as a plain "
                    "PDF, DOCX or ODT file."
                )
            }
        ) from exc
    except UnsupportedFile as exc:
        raise FormErrors(
            {
                "attachment": gettext(
                    "Only PDF, Word (DOCX) and OpenDocument (ODT) files are accepted."
                )
            }
        ) from exc
    return sniffed.content_type, sniffed.extension


def attach(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    data: bytes,
    filename: str,
    upload_dir: Path,
    max_bytes: int,
    now: datetime,
    existing_count: int = 0,
) -> Attachment:
    if not policy.can_edit(viewer, comment, space, now):
        raise Forbidden(gettext("You can only attach files to your own comments."))
    if existing_count >= MAX_PER_COMMENT:
        raise FormErrors(
            {
                "attachment": gettext(
                    "A comment can carry at most %(max)d files.", max=MAX_PER_COMMENT
                )
            }
        )
    content_type, extension = validate_upload(data, max_bytes=max_bytes)
    assert viewer.user is not None
    stored_name = storage.new_name()
    try:
        storage.write(upload_dir, stored_name, data)
    except storage.NotStored as exc:
        log.error("attachment not stored: %s", exc)
        # FormErrors: the unit of work rolls back (the comment it came with too) and the
        # form comes back with everything typed.
        raise FormErrors(
            {
                "attachment": gettext(
                    "The file could not be stored: the server has no room for it right now. "
                    "Nothing was posted and your text is kept: try again later, or post "
                    "without the file."
                )
            }
        ) from exc
    attachment = Attachment(
        comment_id=comment.id,
        uploader_id=viewer.user.id,
        stored_name=stored_name,
        filename=safe_filename(filename or "", extension),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
    )
    db.add(attachment)
    db.flush()
    return attachment


def for_download(
    db: Session, viewer: Viewer, attachment_id: int, upload_dir: Path
) -> tuple[Attachment, Path]:
    attachment = db.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound
    # The file is as visible as its comment: the read gate leaves out what this unit of
    # work's reader may not see (app/policy.py).
    if db.scalar(select(Comment).where(Comment.id == attachment.comment_id)) is None:
        raise NotFound
    path = storage.path_for(upload_dir, attachment.stored_name)
    if not path.exists():
        raise NotFound
    return attachment, path


def count_for(db: Session, comment_id: int) -> int:
    return (
        db.scalar(select(func.count(Attachment.id)).where(Attachment.comment_id == comment_id)) or 0
    )
