"""Editing and translating comments, and the history of every text they have had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.comments.bodies import check_lang, clean_body
from app.db import claim_version, hold_row
from app.errors import Forbidden, FormErrors, NotFound, Stale
from app.i18n import gettext
from app.markup import render_markdown
from app.models import Comment, CommentRevision, CommentTranslation, Space
from app.policy import Viewer


def _keep_revision(
    db: Session,
    comment: Comment,
    *,
    lang: str,
    body_md: str,
    body_html: str,
    written_at: datetime,
    editor_id: int,
    now: datetime,
) -> None:
    db.add(
        CommentRevision(
            comment_id=comment.id,
            lang=lang,
            body_md=body_md,
            body_html=body_html,
            written_at=written_at,
            replaced_at=now,
            editor_id=editor_id,
        )
    )


def edit_comment(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    body: str,
    lang: str,
    now: datetime,
    max_chars: int,
    base_version: int | None = None,
) -> Comment:
    if not policy.can_edit(viewer, comment, space, now):
        raise Forbidden(gettext("You can only edit your own comments while the space is open."))
    if base_version is not None and base_version != comment.version:
        raise _stale_comment()
    text = clean_body(body, max_chars=max_chars)
    check_lang(space, lang)
    if lang != comment.lang:
        clash = db.get(CommentTranslation, (comment.id, lang))
        if clash is not None:
            raise FormErrors(
                {"lang": gettext("This comment already has a translation in that language.")}
            )
    # The version read above came from a plain SELECT: only the conditional UPDATE says
    # whether this save still starts from it. A form that named no version is re-applied
    # on the text that won, so that text still goes to the history.
    for _attempt in range(3):
        if text == comment.body_md and lang == comment.lang:
            return comment
        if claim_version(db, comment, comment.version):
            break
        db.refresh(comment)
        if base_version is not None:
            raise _stale_comment()
    else:
        raise _stale_comment()
    assert viewer.user is not None
    _keep_revision(
        db,
        comment,
        lang=comment.lang,
        body_md=comment.body_md,
        body_html=comment.body_html,
        written_at=comment.edited_at or comment.created_at,
        editor_id=viewer.user.id,
        now=now,
    )
    comment.body_md = text
    comment.body_html = render_markdown(text)
    comment.lang = lang
    comment.edited_at = now
    db.flush()
    return comment


def _stale_comment() -> Stale:
    return Stale(
        {
            "body": gettext(
                "This comment was changed elsewhere after you opened it. The current text "
                "is shown above; your text is kept below: merge them and save again."
            )
        }
    )


def save_translation(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    lang: str,
    body: str,
    now: datetime,
    max_chars: int,
) -> CommentTranslation:
    """Add or replace the author's own version of a comment in another language."""
    if not policy.can_translate(viewer, comment, space, now):
        raise Forbidden(
            gettext("You can only translate your own comments while the space is open.")
        )
    text = clean_body(body, max_chars=max_chars)
    check_lang(space, lang)
    if lang == comment.lang:
        raise FormErrors({"lang": gettext("Choose a language other than the original's.")})
    assert viewer.user is not None
    # Translations carry no version: saves of one apply in turn, each on the text the last
    # one left (read again after the lock), so every replaced text reaches the history.
    # The lock is the comment's row, which also covers two first translations at once.
    hold_row(db, comment)
    existing = db.get(CommentTranslation, (comment.id, lang), populate_existing=True)
    if existing is None:
        existing = CommentTranslation(
            comment_id=comment.id,
            lang=lang,
            body_md=text,
            body_html=render_markdown(text),
            created_at=now,
        )
        db.add(existing)
    elif existing.body_md != text:
        _keep_revision(
            db,
            comment,
            lang=lang,
            body_md=existing.body_md,
            body_html=existing.body_html,
            written_at=existing.edited_at or existing.created_at,
            editor_id=viewer.user.id,
            now=now,
        )
        existing.body_md = text
        existing.body_html = render_markdown(text)
        existing.edited_at = now
    db.flush()
    return existing


@dataclass(frozen=True)
class Version:
    lang: str
    body_md: str
    body_html: str
    written_at: datetime
    current: bool


def history(db: Session, viewer: Viewer, comment: Comment) -> list[Version]:
    """Every text the comment has had, newest first, for its author and moderators."""
    if not policy.can_view_history(viewer, comment):
        raise NotFound
    versions = [
        Version(
            comment.lang,
            comment.body_md,
            comment.body_html,
            comment.edited_at or comment.created_at,
            current=True,
        )
    ]
    for t in db.scalars(
        select(CommentTranslation).where(CommentTranslation.comment_id == comment.id)
    ):
        versions.append(Version(t.lang, t.body_md, t.body_html, t.edited_at or t.created_at, True))
    for r in db.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id == comment.id)
        .order_by(CommentRevision.id)
    ):
        versions.append(Version(r.lang, r.body_md, r.body_html, r.written_at, current=False))
    return sorted(versions, key=lambda v: (v.written_at, v.current), reverse=True)
