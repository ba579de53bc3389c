"""A whole space dumped as an interchange document (see schema.json): the export
direction of app/interchange (app/interchange/importer/ reads such a document back).

Everything is included, whatever its status or the space's attribution rule: this is
an administrator's copy for moving or keeping a space, not a publication. (Not to be
confused with app/exports/, the digests moderators download, nor with the Markdown and
DOCX of a note draft in app/drafts/files.py: those go through the read gate.)

The JSON alone (`export_space`) carries no position papers: its comments have no
`attachments`. A bundle (`export_with_files`, then `bundle`) is a ZIP of the JSON, as
`space.json`, and every paper's file, each named from its comment's `attachments` entry
with its size and SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.names import display_name_key
from app.attachments import storage
from app.attachments.validation import EXTENSIONS
from app.errors import NotFound
from app.interchange import BUNDLE_DOCUMENT, FORMAT, VERSION
from app.models import (
    Attachment,
    Comment,
    CommentRevision,
    CommentTag,
    CommentTranslation,
    Space,
    SpaceModerator,
    SpaceText,
    Tag,
    User,
)
from app.models.comments import CommentKind

Document = dict[str, Any]
log = logging.getLogger(__name__)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset, microseconds kept when there are any."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def ref(comment_id: int) -> str:
    return f"c{comment_id}"


def space_by_slug(db: Session, slug: str) -> Space:
    space = db.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise NotFound
    return space


def _names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {row.id: row.display_name for row in rows}


def _space(db: Session, space: Space, moderator_names: list[str]) -> Document:
    texts = db.scalars(
        select(SpaceText).where(SpaceText.space_id == space.id).order_by(SpaceText.lang)
    )
    return {
        "slug": space.slug,
        "original_lang": space.original_lang,
        "languages": space.language_list,
        "opens_at": iso(space.opens_at),
        "closes_at": iso(space.closes_at),
        "posting_policy": space.posting_policy,
        "attribution": space.attribution,
        "max_shown_depth": space.max_shown_depth,
        "flag_threshold": space.flag_threshold,
        "note_word_target": space.note_word_target,
        "texts": {t.lang: {"title": t.title, "intro_md": t.intro_md} for t in texts},
        "moderators": moderator_names,
    }


def export_space(db: Session, space: Space, *, now: datetime) -> Document:
    """The whole space as a document for the JSON alone (no attachments), in thread order."""
    document, _files = _export(db, space, now=now, upload_dir=None)
    return document


def export_with_files(
    db: Session, space: Space, *, now: datetime, upload_dir: Path
) -> tuple[Document, dict[str, bytes]]:
    """The document of a bundle, each comment listing its attachments, and their files'
    bytes by path in the bundle."""
    return _export(db, space, now=now, upload_dir=upload_dir)


def _export(
    db: Session, space: Space, *, now: datetime, upload_dir: Path | None
) -> tuple[Document, dict[str, bytes]]:
    comments = list(
        db.scalars(select(Comment).where(Comment.space_id == space.id).order_by(Comment.path))
    )
    in_space = Comment.space_id == space.id

    translations: dict[int, dict[str, str]] = defaultdict(dict)
    for t in db.scalars(
        select(CommentTranslation)
        .join(Comment, Comment.id == CommentTranslation.comment_id)
        .where(in_space)
        .order_by(CommentTranslation.comment_id, CommentTranslation.lang)
    ):
        translations[t.comment_id][t.lang] = t.body_md

    revisions: dict[int, list[CommentRevision]] = defaultdict(list)
    for r in db.scalars(
        select(CommentRevision)
        .join(Comment, Comment.id == CommentRevision.comment_id)
        .where(in_space)
        .order_by(CommentRevision.comment_id, CommentRevision.id)
    ):
        revisions[r.comment_id].append(r)

    tags = list(
        db.scalars(select(Tag).where(Tag.space_id == space.id).order_by(Tag.taxonomy, Tag.code))
    )
    tag_index = {tag.id: index for index, tag in enumerate(tags)}
    comment_tags: dict[int, list[int]] = defaultdict(list)
    for comment_id, tag_id in db.execute(
        select(CommentTag.comment_id, CommentTag.tag_id)
        .join(Comment, Comment.id == CommentTag.comment_id)
        .where(in_space)
    ):
        comment_tags[comment_id].append(tag_index[tag_id])

    attachments: dict[int, list[Attachment]] = defaultdict(list)
    if upload_dir is not None:
        for a in db.scalars(
            select(Attachment)
            .join(Comment, Comment.id == Attachment.comment_id)
            .where(in_space)
            .order_by(Attachment.comment_id, Attachment.id)
        ):
            attachments[a.comment_id].append(a)

    moderator_ids = set(
        db.scalars(select(SpaceModerator.user_id).where(SpaceModerator.space_id == space.id))
    )
    names = _names(
        db,
        moderator_ids
        | {c.author_id for c in comments}
        | {r.editor_id for rs in revisions.values() for r in rs}
        | {a.uploader_id for items in attachments.values() for a in items},
    )
    moderator_names = sorted((names[i] for i in moderator_ids), key=display_name_key)

    document: Document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(now),
        "space": _space(db, space, moderator_names),
        "tags": [{"taxonomy": t.taxonomy, "code": t.code, "label": t.label} for t in tags],
        "comments": [
            _comment(c, names, translations[c.id], sorted(comment_tags[c.id]), revisions[c.id])
            for c in comments
        ],
    }
    if upload_dir is None:
        return document, {}
    return document, _add_attachments(document, comments, attachments, names, upload_dir)


def _add_attachments(
    document: Document,
    comments: list[Comment],
    attachments: dict[int, list[Attachment]],
    names: dict[int, str],
    upload_dir: Path,
) -> dict[str, bytes]:
    """Each comment's attachments entries, numbered files/1.pdf, files/2.docx, …, and the
    files' bytes by those paths: read once, so entries and files cannot disagree."""
    files: dict[str, bytes] = {}
    for item, c in zip(document["comments"], comments, strict=True):
        entries = []
        for a in attachments[c.id]:
            try:
                data = storage.path_for(upload_dir, a.stored_name).read_bytes()
            except OSError as exc:
                # A paper whose file is gone (uploads not restored with the database)
                # cannot travel; the rest of the space still can.
                log.warning("attachment %s left out of the bundle: %s", a.id, exc)
                continue
            path = f"files/{len(files) + 1}.{EXTENSIONS.get(a.content_type, 'bin')}"
            files[path] = data
            entries.append(
                {
                    "path": path,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size_bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "uploader": names[a.uploader_id],
                    "created_at": iso(a.created_at),
                }
            )
        item["attachments"] = entries
    return files


def _comment(
    c: Comment,
    names: dict[int, str],
    translations: dict[str, str],
    tags: list[int],
    revisions: list[CommentRevision],
) -> Document:
    return {
        "ref": ref(c.id),
        "parent": ref(c.parent_id) if c.parent_id is not None else None,
        "kind": c.kind,
        "number": c.number if c.kind == CommentKind.QUESTION else None,
        "author": names[c.author_id],
        "lang": c.lang,
        "body_md": c.body_md,
        "created_at": iso(c.created_at),
        "edited_at": iso(c.edited_at),
        "status": c.status,
        "moderated_at": iso(c.moderated_at),
        "moderation_reason": c.moderation_reason,
        "pinned": c.pinned,
        "locked": c.locked,
        "named_consent": c.named_consent,
        "translations": translations,
        "tags": tags,
        "revisions": [
            {
                "lang": r.lang,
                "body_md": r.body_md,
                "written_at": iso(r.written_at),
                "replaced_at": iso(r.replaced_at),
                "editor": names[r.editor_id],
            }
            for r in revisions
        ],
    }


def dumps(document: Document) -> str:
    """The document as the file's text: UTF-8 JSON, indented, one trailing newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def bundle(document: Document, files: dict[str, bytes]) -> bytes:
    """The bundle's bytes: a ZIP of the document as space.json, then each file at its path.
    Papers are compressed already (PDF streams, DOCX and ODT are ZIPs): stored as they are."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(BUNDLE_DOCUMENT, dumps(document), compress_type=zipfile.ZIP_DEFLATED)
        for path, data in files.items():
            archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def filename(space: Space, now: datetime, *, suffix: str = "json") -> str:
    return f"{space.slug}-{now.astimezone(UTC):%Y%m%d}.roundtable.{suffix}"
