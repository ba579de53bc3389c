"""A whole space dumped as an interchange document (see schema.json): the export
direction of app/interchange (app/interchange/importer/ reads such a document back).

Everything is included, whatever its status or the space's attribution rule: this is
an administrator's copy for moving or keeping a space, not a publication. (Not to be
confused with app/exports/, the digests moderators download, nor with the Markdown and
DOCX of a note draft in app/drafts/files.py: those go through the read gate.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.names import display_name_key
from app.errors import NotFound
from app.interchange import FORMAT, VERSION
from app.models import (
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
        "texts": {t.lang: {"title": t.title, "intro_md": t.intro_md} for t in texts},
        "moderators": moderator_names,
    }


def export_space(db: Session, space: Space, *, now: datetime) -> Document:
    """The whole space as a version-1 document, comments in thread order."""
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

    moderator_ids = set(
        db.scalars(select(SpaceModerator.user_id).where(SpaceModerator.space_id == space.id))
    )
    names = _names(
        db,
        moderator_ids
        | {c.author_id for c in comments}
        | {r.editor_id for rs in revisions.values() for r in rs},
    )
    moderator_names = sorted((names[i] for i in moderator_ids), key=display_name_key)

    return {
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


def filename(space: Space, now: datetime) -> str:
    return f"{space.slug}-{now.astimezone(UTC):%Y%m%d}.roundtable.json"
