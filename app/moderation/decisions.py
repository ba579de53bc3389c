"""Queue decisions on comments: hide, restore, approve, reject, one at a time or many."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from app.comments.reads import get_comment
from app.errors import FormErrors, NotFound
from app.i18n import gettext
from app.models import Comment, Space
from app.models.base import state_or_none
from app.models.comments import CommentStatus
from app.models.moderation import FlagResolution, ModerationAction
from app.moderation.changes import clean_reason, require_moderator, set_status
from app.moderation.flags import dismiss_flags, resolve_flags
from app.moderation.thread_tools import move, set_locked, set_pinned
from app.notifications import outbox
from app.policy import Viewer


class DecisionAction(StrEnum):
    """What a moderator asks for on one comment: the buttons of the decision forms."""

    HIDE = "hide"
    RESTORE = "restore"
    APPROVE = "approve"
    REJECT = "reject"
    DISMISS = "dismiss"  # the comment's open reports
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"
    MOVE = "move"


# What the queue applies to many comments at once.
BULK_ACTIONS = frozenset(
    {
        DecisionAction.APPROVE,
        DecisionAction.REJECT,
        DecisionAction.HIDE,
        DecisionAction.RESTORE,
        DecisionAction.DISMISS,
    }
)


@dataclass(frozen=True)
class Decision:
    """What a moderator asked for on one comment, as sent by the form."""

    action: str  # a DecisionAction's value, unless the form was tampered with
    reason: str = ""
    question_id: int | None = None


def hide(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PUBLISHED:
        raise FormErrors({"reason": gettext("Only a published comment can be hidden.")})
    text = clean_reason(reason, required=True)
    set_status(db, viewer, comment, CommentStatus.HIDDEN, ModerationAction.HIDE, text, now)
    resolve_flags(db, comment.id, FlagResolution.HIDDEN, now)


def restore(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.HIDDEN:
        raise FormErrors({"reason": gettext("Only a hidden comment can be restored.")})
    set_status(
        db,
        viewer,
        comment,
        CommentStatus.PUBLISHED,
        ModerationAction.RESTORE,
        clean_reason(reason, required=True),
        now,
    )
    resolve_flags(db, comment.id, FlagResolution.RESTORED, now)


def approve(db: Session, viewer: Viewer, comment: Comment, *, now: datetime) -> None:
    require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PENDING:
        raise FormErrors({"reason": gettext("Only a comment awaiting review can be approved.")})
    set_status(db, viewer, comment, CommentStatus.PUBLISHED, ModerationAction.APPROVE, "", now)
    outbox.notify_decision(db, comment, True, "", now)
    outbox.comment_published(db, comment, now)


def reject(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PENDING:
        raise FormErrors({"reason": gettext("Only a comment awaiting review can be rejected.")})
    text = clean_reason(reason, required=True)
    set_status(db, viewer, comment, CommentStatus.REJECTED, ModerationAction.REJECT, text, now)
    outbox.notify_decision(db, comment, False, text, now)


def bulk(
    db: Session,
    viewer: Viewer,
    space: Space,
    comment_ids: list[int],
    *,
    action: str,
    reason: str,
    now: datetime,
) -> int:
    """Apply one decision to many comments of one space; all or nothing."""
    if state_or_none(DecisionAction, action) not in BULK_ACTIONS:
        raise FormErrors({"action": gettext("Choose an action.")})
    if not comment_ids:
        raise FormErrors({"action": gettext("Select at least one comment.")})
    done = 0
    for comment_id in comment_ids:
        comment = get_comment(db, viewer, comment_id)
        if comment.space_id != space.id:
            raise NotFound
        decide(db, viewer, comment, Decision(action, reason), now)
        done += 1
    return done


def decide(
    db: Session, viewer: Viewer, comment: Comment, decision: Decision, now: datetime
) -> None:
    """Carry out one moderator decision on a comment."""
    require_moderator(viewer, comment.space_id)
    action, reason = state_or_none(DecisionAction, decision.action), decision.reason
    if action is DecisionAction.HIDE:
        hide(db, viewer, comment, reason=reason, now=now)
    elif action is DecisionAction.RESTORE:
        restore(db, viewer, comment, reason=reason, now=now)
    elif action is DecisionAction.APPROVE:
        approve(db, viewer, comment, now=now)
    elif action is DecisionAction.REJECT:
        reject(db, viewer, comment, reason=reason, now=now)
    elif action is DecisionAction.DISMISS:
        dismiss_flags(db, viewer, comment, reason=reason, now=now)
    elif action in (DecisionAction.PIN, DecisionAction.UNPIN):
        set_pinned(db, viewer, comment, pinned=action is DecisionAction.PIN, now=now)
    elif action in (DecisionAction.LOCK, DecisionAction.UNLOCK):
        locked = action is DecisionAction.LOCK
        set_locked(db, viewer, comment, locked=locked, reason=reason, now=now)
    elif action is DecisionAction.MOVE:
        if decision.question_id is None:
            raise FormErrors({"question_id": gettext("Choose a question of this space.")})
        move(db, viewer, comment, question_id=decision.question_id, reason=reason, now=now)
    else:
        raise FormErrors({"action": gettext("Choose an action.")})
