"""Writing a checked document as a new space: its texts, moderators, tags, comments
(threaded as posting them would have), translations, earlier versions and attachments.

Only a document without a single problem is written (`import_space` runs the checks
first), and then only with `add`/`flush`: the caller's unit of work commits, or rolls
everything back. A bundle's files are stored last, under new names, as uploads are; if
the storage fails, those already written are removed and nothing is imported. (Files
stored before a commit that then fails stay behind, unreferenced, as an upload's do.)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.attachments import storage
from app.attachments.service import safe_filename
from app.attachments.validation import EXTENSIONS
from app.comments import threads
from app.i18n import gettext
from app.interchange.importer.accounts import accounts_for, names_in, user_id
from app.interchange.importer.problems import ImportProblems
from app.interchange.importer.rules import parse_time, tag_index
from app.interchange.importer.validation import check, requested_slug
from app.markup import render_markdown
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
)
from app.models.comments import CommentKind, CommentStatus
from app.models.spaces import AttributionRule, PostingPolicy

# Defaults for the optional fields; schema.json states the same ones.
SPACE_DEFAULTS: dict[str, Any] = {
    "closes_at": None,
    "posting_policy": PostingPolicy.POST_MODERATION,
    "attribution": AttributionRule.NAMED,
    "max_shown_depth": 6,
    "flag_threshold": 3,
    "note_word_target": None,
    "moderators": [],
}
COMMENT_DEFAULTS: dict[str, Any] = {
    "number": None,
    "edited_at": None,
    "moderated_at": None,
    "moderation_reason": "",
    "pinned": False,
    "locked": False,
    "named_consent": False,
    "translations": {},
    "tags": [],
    "revisions": [],
    "attachments": [],
}
TEXT_DEFAULTS: dict[str, Any] = {"intro_md": ""}
log = logging.getLogger(__name__)


def _with_defaults(item: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {**defaults, **item}


def import_space(
    db: Session,
    document: Any,
    *,
    slug: str | None = None,
    tagger_id: int | None = None,
    now: datetime,
    files: Mapping[str, bytes] | None = None,
    upload_dir: Path | None = None,
    max_attachment_bytes: int = 0,
) -> Space:
    """Create a new space from a document and its bundle's `files` (None: the JSON alone);
    ImportProblems (and nothing written) if they are not entirely right. Tags are recorded
    as put by `tagger_id` (the importing administrator), else by the space's first
    moderator, else by the comment's author. Attachments' files go to `upload_dir`."""
    problems = check(
        db, document, slug=slug, files=files, max_attachment_bytes=max_attachment_bytes
    )
    if problems.count:
        raise problems
    data = _with_defaults(document["space"], SPACE_DEFAULTS)
    accounts = accounts_for(db, names_in(document), locale=data["original_lang"])

    space = Space(
        slug=requested_slug(document, slug),
        original_lang=data["original_lang"],
        languages=" ".join(data["languages"]),
        opens_at=parse_time(data["opens_at"]),
        closes_at=parse_time(data["closes_at"]) if data["closes_at"] else None,
        created_at=now,
        posting_policy=PostingPolicy(data["posting_policy"]),
        attribution=AttributionRule(data["attribution"]),
        max_shown_depth=data["max_shown_depth"],
        flag_threshold=data["flag_threshold"],
        note_word_target=data["note_word_target"],
    )
    db.add(space)
    db.flush()
    for lang, raw_text in data["texts"].items():
        text = _with_defaults(raw_text, TEXT_DEFAULTS)
        db.add(
            SpaceText(
                space_id=space.id,
                lang=lang,
                title=text["title"],
                intro_md=text["intro_md"],
                intro_html=render_markdown(text["intro_md"]),
            )
        )
    moderator_ids = list(dict.fromkeys(user_id(accounts, n) for n in data["moderators"]))
    db.add_all(SpaceModerator(space_id=space.id, user_id=uid) for uid in moderator_ids)

    tags = [
        Tag(space_id=space.id, taxonomy=t["taxonomy"], code=t["code"], label=t["label"])
        for t in document["tags"]
    ]
    db.add_all(tags)
    db.flush()
    tag_keys = {(t.taxonomy, t.code): i for i, t in enumerate(tags)}

    items = [_with_defaults(c, COMMENT_DEFAULTS) for c in document["comments"]]
    rows = [_comment_row(space, c, accounts, index) for index, c in enumerate(items)]
    db.add_all(rows)
    db.flush()  # ids first; threading paths are made of them
    by_ref: dict[str, Comment] = {}
    for c, row in zip(items, rows, strict=True):
        _thread(row, c, by_ref.get(c["parent"]) if c["parent"] is not None else None)
        by_ref[c["ref"]] = row
    db.flush()

    for c, row in zip(items, rows, strict=True):
        _add_details(db, c, row, accounts)
        tagger = tagger_id or (moderator_ids[0] if moderator_ids else row.author_id)
        for item in c["tags"]:
            index = tag_index(item, tag_keys, len(tags))
            assert index is not None
            db.add(
                CommentTag(
                    comment_id=row.id, tag_id=tags[index].id, created_by_id=tagger, created_at=now
                )
            )
    db.flush()
    if files is not None:
        assert upload_dir is not None
        _store_attachments(db, items, rows, accounts, files, upload_dir)
    return space


def _store_attachments(
    db: Session,
    items: list[dict[str, Any]],
    rows: list[Comment],
    accounts: dict[str, int],
    files: Mapping[str, bytes],
    upload_dir: Path,
) -> None:
    """Each attachment's file under a new stored name, and its row (checked before)."""
    written: list[str] = []
    try:
        for c, row in zip(items, rows, strict=True):
            for entry in c["attachments"]:
                data = files[entry["path"]]
                stored_name = storage.new_name()
                storage.write(upload_dir, stored_name, data)
                written.append(stored_name)
                db.add(
                    Attachment(
                        comment_id=row.id,
                        uploader_id=user_id(accounts, entry.get("uploader", c["author"])),
                        stored_name=stored_name,
                        filename=safe_filename(
                            entry["filename"], EXTENSIONS[entry["content_type"]]
                        ),
                        content_type=entry["content_type"],
                        size_bytes=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        created_at=parse_time(entry.get("created_at") or c["created_at"]),
                    )
                )
    except storage.NotStored as exc:
        log.error("interchange import: attachment not stored: %s", exc)
        for name in written:
            storage.path_for(upload_dir, name).unlink(missing_ok=True)
        raise ImportProblems(
            fields={
                "file": gettext(
                    "The position papers could not be stored: the server has no room for them "
                    "right now. Nothing was imported."
                )
            }
        ) from exc
    db.flush()


def _comment_row(space: Space, c: dict[str, Any], accounts: dict[str, int], index: int) -> Comment:
    own_edits = sum(1 for r in c["revisions"] if r["lang"] not in c["translations"])
    return Comment(
        space_id=space.id,
        author_id=user_id(accounts, c["author"]),
        parent_id=None,
        # A placeholder no real path can equal ("~" sorts after every digit).
        path=f"~{index:010d}",
        depth=0,
        kind=CommentKind(c["kind"]),
        number=c["number"],
        lang=c["lang"],
        body_md=c["body_md"],
        body_html=render_markdown(c["body_md"]),
        created_at=parse_time(c["created_at"]),
        edited_at=parse_time(c["edited_at"]) if c["edited_at"] else None,
        version=1 + own_edits,
        status=CommentStatus(c["status"]),
        moderated_at=parse_time(c["moderated_at"]) if c["moderated_at"] else None,
        moderation_reason=c["moderation_reason"],
        pinned=c["pinned"],
        locked=c["locked"],
        named_consent=c["named_consent"],
    )


def _thread(row: Comment, c: dict[str, Any], parent: Comment | None) -> None:
    """The comment's place in its thread, exactly as posting it would have made it."""
    if parent is not None:
        row.parent_id = parent.id
        path = threads.child_path(parent.path, row.id)
    else:
        is_question = c["kind"] == CommentKind.QUESTION
        path = threads.root_path(is_question=is_question, number=c["number"], comment_id=row.id)
        if is_question and c["pinned"]:
            path = threads.pinned_path(path, pinned=True)
    row.path = path
    row.depth = threads.depth_of(path)


def _add_details(db: Session, c: dict[str, Any], row: Comment, accounts: dict[str, int]) -> None:
    """Translations and earlier versions of one comment."""
    for lang, body in c["translations"].items():
        # A translation's last edit is when its previous text became a revision.
        edits = [parse_time(r["replaced_at"]) for r in c["revisions"] if r["lang"] == lang]
        db.add(
            CommentTranslation(
                comment_id=row.id,
                lang=lang,
                body_md=body,
                body_html=render_markdown(body),
                created_at=row.created_at,
                edited_at=max(edits) if edits else None,
            )
        )
    for r in c["revisions"]:
        db.add(
            CommentRevision(
                comment_id=row.id,
                lang=r["lang"],
                body_md=r["body_md"],
                body_html=render_markdown(r["body_md"]),
                written_at=parse_time(r["written_at"]),
                replaced_at=parse_time(r["replaced_at"]),
                editor_id=user_id(accounts, r["editor"]),
            )
        )
