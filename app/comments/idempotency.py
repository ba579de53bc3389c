"""Idempotency keys: a form or API call sent twice creates one comment, not two.

Each posting form carries a fresh random key (app/web/formkeys.py); the API takes one in
a header. A key is unique per author (a database constraint), so a retry after a lost
answer, a double click or two racing requests all end at the comment the first one created.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import FormErrors
from app.i18n import gettext
from app.models import Comment, CommentRevision
from app.models.comments import CommentKind

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
MAX_LENGTH = 64
# Letters, digits, hyphens and underscores: UUIDs and URL-safe random tokens fit.
_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def clean_key(raw: str | None) -> str | None:
    """The key as sent, None when there is none (older clients), or a translated error."""
    key = (raw or "").strip()
    if not key:
        return None
    if len(key) > MAX_LENGTH or not _SAFE.fullmatch(key):
        raise FormErrors(
            {
                FIELD: gettext(
                    "This form carries an invalid submission key (at most %(max)d letters, "
                    "digits, hyphens or underscores). Reload the page and send it again.",
                    max=MAX_LENGTH,
                )
            }
        )
    return key


def find(db: Session, author_id: int, key: str | None) -> Comment | None:
    if key is None:
        return None
    return db.scalar(
        select(Comment).where(Comment.author_id == author_id, Comment.idempotency_key == key)
    )


def _texts_of(db: Session, comment: Comment) -> set[str]:
    """Every text the comment has had, so a retry still matches after an edit."""
    texts = {comment.body_md}
    if comment.edited_at is not None:
        texts.update(
            db.scalars(
                select(CommentRevision.body_md).where(CommentRevision.comment_id == comment.id)
            )
        )
    return texts


def replay(
    db: Session, existing: Comment, *, text: str, kind: CommentKind, parent_id: int | None
) -> Comment:
    """The comment a key already made, if this request asks for the same thing."""
    if (
        existing.kind != kind
        or existing.parent_id != parent_id
        or text not in _texts_of(db, existing)
    ):
        raise FormErrors(
            {
                FIELD: gettext(
                    "This form was already used to post a different text, which is in the "
                    "discussion. Your new text is kept below: send it again to post it as a "
                    "new comment."
                )
            }
        )
    return existing
