"""One call per form: a comment (new or edited) together with its position paper.

The file is checked before anything is written, so a refused paper never leaves a
comment behind, and a refused comment never leaves a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.attachments import service as attachments
from app.comments import editing, posting
from app.config import Settings
from app.models import Comment, Space
from app.policy import Viewer


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


def _attach(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    upload: Upload,
    settings: Settings,
    now: datetime,
) -> None:
    attachments.attach(
        db,
        viewer,
        comment,
        space,
        data=upload.data,
        filename=upload.filename,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
        now=now,
        existing_count=attachments.count_for(db, comment.id),
    )


def post(
    db: Session,
    viewer: Viewer,
    space: Space,
    *,
    body: str,
    lang: str,
    parent_id: int | None,
    upload: Upload | None,
    settings: Settings,
    now: datetime,
    named_consent: bool = False,
    idempotency_key: str | None = None,
    language_check: posting.LanguageCheck | None = None,
    prepared: posting.PreparedText | None = None,
) -> Comment:
    if upload is not None:
        attachments.validate_upload(upload.data, max_bytes=settings.max_upload_bytes)
    posted = posting.submit_comment(
        db,
        viewer,
        space,
        body=body,
        lang=lang,
        parent_id=parent_id,
        now=now,
        max_chars=settings.max_comment_chars,
        named_consent=named_consent,
        idempotency_key=idempotency_key,
        language_check=language_check,
        prepared=prepared,
    )
    # A retried form brings its file again: the first request attached it already.
    if upload is not None and not posted.replayed:
        _attach(db, viewer, posted.comment, space, upload, settings, now)
    return posted.comment


def edit(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    body: str,
    lang: str,
    upload: Upload | None,
    settings: Settings,
    now: datetime,
    base_version: int | None = None,
) -> Comment:
    if upload is not None:
        attachments.validate_upload(upload.data, max_bytes=settings.max_upload_bytes)
    editing.edit_comment(
        db,
        viewer,
        comment,
        space,
        body=body,
        lang=lang,
        now=now,
        max_chars=settings.max_comment_chars,
        base_version=base_version,
    )
    if upload is not None:
        _attach(db, viewer, comment, space, upload, settings, now)
    return comment
