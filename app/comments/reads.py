"""Reading comments for the rules and pages: one comment, its thread's lock, its view."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.comments import queries, threads
from app.comments.views import CommentView, ViewContext, build_views
from app.errors import NotFound
from app.models import Comment, CommentTranslation, Space
from app.policy import Purpose, Viewer


def get_comment(db: Session, viewer: Viewer, comment_id: int) -> Comment:
    # The read gate leaves out what this unit of work's reader may not see.
    comment = db.scalar(select(Comment).where(Comment.id == comment_id))
    if comment is None:
        raise NotFound
    return comment


def thread_is_locked(db: Session, comment: Comment) -> bool:
    """Whether this comment or any comment above it was locked by a moderator."""
    # Every ancestor, seen or not: a hidden root still locks its thread.
    query = select(Comment.id).where(
        Comment.space_id == comment.space_id,
        Comment.path.in_(threads.ancestor_paths(comment.path)),
        Comment.locked.is_(True),
    )
    return db.scalar(policy.for_purpose(query, Purpose.THREAD_SHAPE)) is not None


def comment_view(
    db: Session,
    viewer: Viewer,
    comment_id: int,
    *,
    space: Space,
    moderator_ids: frozenset[int],
    ui_lang: str,
    max_shown_depth: int,
    wanted_lang: str | None = None,
) -> CommentView:
    """One comment drawn exactly as on its space page (used by fragments and permalinks)."""
    rows = db.execute(queries.comment_rows().where(Comment.id == comment_id)).all()
    if not rows:
        raise NotFound
    ids = [comment_id]
    ctx = ViewContext(
        viewer=viewer,
        space=space,
        moderator_ids=moderator_ids,
        ui_lang=ui_lang,
        max_shown_depth=max_shown_depth,
        locked_paths=tuple(db.scalars(queries.locked_paths(space.id))),
    )
    views = build_views(
        rows,
        db.execute(queries.translations_of(), {"ids": ids}).all(),
        db.execute(queries.attachments_of(), {"ids": ids}).all(),
        ctx,
        wanted={comment_id: wanted_lang} if wanted_lang else None,
    )
    return views[0]


def translation_text(db: Session, comment_id: int, lang: str) -> str:
    existing = db.get(CommentTranslation, (comment_id, lang)) if lang else None
    return existing.body_md if existing else ""
