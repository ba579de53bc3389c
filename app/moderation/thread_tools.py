"""Thread tools: pinning questions, locking threads, moving a reply with its subtree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.comments import threads
from app.comments.reads import get_comment
from app.errors import FormErrors
from app.i18n import gettext
from app.models import Comment
from app.models.comments import CommentKind
from app.models.moderation import ModerationAction
from app.moderation.changes import clean_reason, log_comment, require_moderator
from app.policy import Viewer


def set_pinned(
    db: Session, viewer: Viewer, question: Comment, *, pinned: bool, now: datetime
) -> None:
    require_moderator(viewer, question.space_id)
    if question.kind != CommentKind.QUESTION:
        raise FormErrors({"reason": gettext("Only questions can be pinned.")})
    if question.pinned == pinned:
        return
    _move_subtree(db, question, threads.pinned_path(question.path, pinned=pinned))
    question.pinned = pinned
    action = ModerationAction.PIN if pinned else ModerationAction.UNPIN
    log_comment(db, viewer, action, question, "", now)


def set_locked(
    db: Session, viewer: Viewer, comment: Comment, *, locked: bool, reason: str, now: datetime
) -> None:
    require_moderator(viewer, comment.space_id)
    comment.locked = locked
    log_comment(
        db,
        viewer,
        ModerationAction.LOCK if locked else ModerationAction.UNLOCK,
        comment,
        clean_reason(reason, required=False),
        now,
    )


def _move_subtree(db: Session, top: Comment, new_path: str) -> None:
    """Rewrite the paths (and depths) of a comment and everything below it."""
    old_path = top.path
    depth_change = threads.depth_of(new_path) - threads.depth_of(old_path)
    members = db.execute(
        select(Comment.id, Comment.path).where(
            Comment.space_id == top.space_id,
            Comment.path >= old_path,
            Comment.path < old_path + "~",
        )
    ).all()
    for member_id, path in members:
        db.execute(
            update(Comment)
            .where(Comment.id == member_id)
            .values(
                path=threads.moved_path(path, old_path, new_path),
                depth=Comment.depth + depth_change,
            )
            .execution_options(synchronize_session=False)
        )
    db.refresh(top)


def move(
    db: Session, viewer: Viewer, comment: Comment, *, question_id: int, reason: str, now: datetime
) -> None:
    """Move a comment, with its replies, under another question of the same space."""
    require_moderator(viewer, comment.space_id)
    target = get_comment(db, viewer, question_id)
    if target.kind != CommentKind.QUESTION or target.space_id != comment.space_id:
        raise FormErrors({"question_id": gettext("Choose a question of this space.")})
    if comment.kind == CommentKind.QUESTION:
        raise FormErrors({"question_id": gettext("A question cannot be moved.")})
    if threads.is_descendant(target.path, comment.path) or target.id == comment.parent_id:
        raise FormErrors({"question_id": gettext("The comment is already there.")})
    _move_subtree(db, comment, threads.child_path(target.path, comment.id))
    comment.parent_id = target.id
    log_comment(
        db, viewer, ModerationAction.MOVE, comment, clean_reason(reason, required=False), now
    )
