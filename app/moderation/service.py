"""Moderation: queue decisions, flags, hiding, thread tools and bans.

Every change and its audit event are flushed together; the request's unit of work
commits them as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app import policy
from app.comments import threads
from app.comments.service import get_comment
from app.db import claim_version
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import gettext
from app.models import Ban, Comment, Flag, Space, User, UserSession
from app.models.base import state_or_none
from app.models.comments import CommentKind, CommentStatus
from app.models.moderation import AuditTarget, FlagReason, FlagResolution, ModerationAction
from app.moderation import audit
from app.notifications import outbox
from app.policy import Viewer

MAX_REASON = 1000


def _reason(raw: str, *, required: bool) -> str:
    reason = " ".join(raw.split())[:MAX_REASON]
    if required and not reason:
        raise FormErrors({"reason": gettext("Give a reason: it is kept in the audit log.")})
    return reason


def _require_moderator(viewer: Viewer, space_id: int) -> None:
    if not policy.can_moderate(viewer, space_id):
        raise Forbidden(gettext("Only the space's moderators can do this."))


def _resolve_flags(db: Session, comment_id: int, resolution: FlagResolution, now: datetime) -> None:
    db.execute(
        update(Flag)
        .where(Flag.comment_id == comment_id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution)
    )


def _log_comment(
    db: Session,
    viewer: Viewer | None,
    action: ModerationAction,
    comment: Comment,
    reason: str,
    now: datetime,
) -> None:
    """The audit event of a decision about one comment, flushed with the change itself."""
    audit.record(
        db,
        viewer,
        action,
        target_type=AuditTarget.COMMENT,
        target_id=comment.id,
        space_id=comment.space_id,
        reason=reason,
        now=now,
    )
    db.flush()


def _set_status(
    db: Session,
    viewer: Viewer | None,
    comment: Comment,
    status: CommentStatus,
    action: ModerationAction,
    reason: str,
    now: datetime,
) -> None:
    comment.status = status
    comment.moderated_at = now
    comment.moderation_reason = reason
    # Only the system acts without a viewer: a hide by the flag threshold.
    comment.hidden_by_flags = viewer is None and status == CommentStatus.HIDDEN
    _log_comment(db, viewer, action, comment, reason, now)


def hide(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    _require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PUBLISHED:
        raise FormErrors({"reason": gettext("Only a published comment can be hidden.")})
    text = _reason(reason, required=True)
    _set_status(db, viewer, comment, CommentStatus.HIDDEN, ModerationAction.HIDE, text, now)
    _resolve_flags(db, comment.id, FlagResolution.HIDDEN, now)


def restore(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    _require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.HIDDEN:
        raise FormErrors({"reason": gettext("Only a hidden comment can be restored.")})
    _set_status(
        db,
        viewer,
        comment,
        CommentStatus.PUBLISHED,
        ModerationAction.RESTORE,
        _reason(reason, required=True),
        now,
    )
    _resolve_flags(db, comment.id, FlagResolution.RESTORED, now)


def approve(db: Session, viewer: Viewer, comment: Comment, *, now: datetime) -> None:
    _require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PENDING:
        raise FormErrors({"reason": gettext("Only a comment awaiting review can be approved.")})
    _set_status(db, viewer, comment, CommentStatus.PUBLISHED, ModerationAction.APPROVE, "", now)
    outbox.notify_decision(db, comment, True, "", now)
    outbox.comment_published(db, comment, now)


def reject(db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime) -> None:
    _require_moderator(viewer, comment.space_id)
    if comment.status != CommentStatus.PENDING:
        raise FormErrors({"reason": gettext("Only a comment awaiting review can be rejected.")})
    text = _reason(reason, required=True)
    _set_status(db, viewer, comment, CommentStatus.REJECTED, ModerationAction.REJECT, text, now)
    outbox.notify_decision(db, comment, False, text, now)


def dismiss_flags(
    db: Session, viewer: Viewer, comment: Comment, *, reason: str, now: datetime
) -> None:
    _require_moderator(viewer, comment.space_id)
    _resolve_flags(db, comment.id, FlagResolution.DISMISSED, now)
    text = _reason(reason, required=False)
    _log_comment(db, viewer, ModerationAction.DISMISS_FLAGS, comment, text, now)


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


def flag(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    space: Space,
    *,
    reason: str,
    details: str,
    now: datetime,
) -> Flag:
    """Report a comment; enough distinct reporters hide it until a moderator reviews it."""
    if not viewer.signed_in:
        raise Forbidden(gettext("Sign in to take part in the discussion."))
    if not policy.can_flag(viewer, comment):
        raise FormErrors({"reason": gettext("You cannot report this comment.")})
    chosen = state_or_none(FlagReason, reason)
    if chosen is None:
        raise FormErrors({"reason": gettext("Choose a reason for your report.")})
    text = " ".join(details.split())[:MAX_REASON]
    if chosen is FlagReason.OTHER and not text:
        raise FormErrors({"details": gettext("Please say what is wrong with this comment.")})
    assert viewer.user_id is not None
    if (
        db.scalar(
            select(Flag.id).where(Flag.comment_id == comment.id, Flag.user_id == viewer.user_id)
        )
        is not None
    ):
        raise FormErrors({"reason": gettext("You have already reported this comment.")})
    report = Flag(
        comment_id=comment.id, user_id=viewer.user_id, reason=chosen, details=text, created_at=now
    )
    db.add(report)
    db.flush()
    flaggers = (
        db.scalar(
            select(func.count(func.distinct(Flag.user_id))).where(
                Flag.comment_id == comment.id, Flag.resolved_at.is_(None)
            )
        )
        or 0
    )
    if flaggers >= space.flag_threshold and comment.status == CommentStatus.PUBLISHED:
        _set_status(
            db,
            None,
            comment,
            CommentStatus.HIDDEN,
            ModerationAction.AUTO_HIDE,
            gettext("Reported by %(count)d participants; awaiting review.", count=flaggers),
            now,
        )
    return report


def set_pinned(
    db: Session, viewer: Viewer, question: Comment, *, pinned: bool, now: datetime
) -> None:
    _require_moderator(viewer, question.space_id)
    if question.kind != CommentKind.QUESTION:
        raise FormErrors({"reason": gettext("Only questions can be pinned.")})
    if question.pinned == pinned:
        return
    _move_subtree(db, question, threads.pinned_path(question.path, pinned=pinned))
    question.pinned = pinned
    action = ModerationAction.PIN if pinned else ModerationAction.UNPIN
    _log_comment(db, viewer, action, question, "", now)


def set_locked(
    db: Session, viewer: Viewer, comment: Comment, *, locked: bool, reason: str, now: datetime
) -> None:
    _require_moderator(viewer, comment.space_id)
    comment.locked = locked
    _log_comment(
        db,
        viewer,
        ModerationAction.LOCK if locked else ModerationAction.UNLOCK,
        comment,
        _reason(reason, required=False),
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
    _require_moderator(viewer, comment.space_id)
    target = get_comment(db, viewer, question_id)
    if target.kind != CommentKind.QUESTION or target.space_id != comment.space_id:
        raise FormErrors({"question_id": gettext("Choose a question of this space.")})
    if comment.kind == CommentKind.QUESTION:
        raise FormErrors({"question_id": gettext("A question cannot be moved.")})
    if threads.is_descendant(target.path, comment.path) or target.id == comment.parent_id:
        raise FormErrors({"question_id": gettext("The comment is already there.")})
    _move_subtree(db, comment, threads.child_path(target.path, comment.id))
    comment.parent_id = target.id
    _log_comment(db, viewer, ModerationAction.MOVE, comment, _reason(reason, required=False), now)


def close_space(db: Session, viewer: Viewer, space: Space, *, reason: str, now: datetime) -> None:
    _require_moderator(viewer, space.id)
    text = _reason(reason, required=False)
    # Closing changes the settings (the closing date): it takes the settings' version, so
    # a settings form opened before cannot put the old date back, and two closings at once
    # close (and are audited) once.
    for _attempt in range(5):
        # A closing that won a moment ago may carry a later `now` than this request's.
        closed = space.closed_early_at is not None and space.closes_at == space.closed_early_at
        if closed or not policy.space_is_open(space, now):
            raise FormErrors({"reason": gettext("This space is not open.")})
        if claim_version(db, space, space.version):
            break
        db.refresh(space)
    else:
        raise FormErrors({"reason": gettext("This space is not open.")})
    space.closes_at = now
    # Kept on the space so its page can say why, without reading the audit log.
    space.closed_early_at = now
    space.closed_early_reason = text
    audit.record(
        db,
        viewer,
        ModerationAction.CLOSE_SPACE,
        target_type=AuditTarget.SPACE,
        target_id=space.id,
        space_id=space.id,
        reason=text,
        now=now,
    )
    db.flush()


@dataclass(frozen=True)
class BanRequest:
    user_id: int
    space_id: int | None  # None: every space
    reason: str
    ends_at: datetime | None


def ban(db: Session, viewer: Viewer, request: BanRequest, *, now: datetime) -> Ban:
    """Suspend a person from posting; they keep reading, and are signed out everywhere."""
    if request.space_id is None:
        if not policy.can_ban_everywhere(viewer):
            raise Forbidden(gettext("Only administrators can suspend someone everywhere."))
    else:
        _require_moderator(viewer, request.space_id)
    target = db.get(User, request.user_id)
    if target is None:
        raise NotFound
    if target.id == viewer.user_id or target.is_admin:
        raise FormErrors({"reason": gettext("This account cannot be suspended.")})
    if request.ends_at is not None and request.ends_at <= now:
        raise FormErrors({"ends_at": gettext("The end date must be in the future.")})
    assert viewer.user_id is not None
    record = Ban(
        user_id=target.id,
        space_id=request.space_id,
        reason=_reason(request.reason, required=True),
        starts_at=now,
        ends_at=request.ends_at,
        created_by_id=viewer.user_id,
    )
    db.add(record)
    # Revoked sessions: the suspension takes effect on their very next request.
    db.execute(delete(UserSession).where(UserSession.user_id == target.id))
    db.flush()
    audit.record(
        db,
        viewer,
        ModerationAction.BAN,
        target_type=AuditTarget.USER,
        target_id=target.id,
        space_id=request.space_id,
        reason=record.reason,
        now=now,
    )
    return record


def lift_ban(db: Session, viewer: Viewer, ban_id: int, *, reason: str, now: datetime) -> None:
    record = db.get(Ban, ban_id)
    if record is None:
        raise NotFound
    if record.space_id is None:
        if not policy.can_ban_everywhere(viewer):
            raise Forbidden(gettext("Only administrators can suspend someone everywhere."))
    else:
        _require_moderator(viewer, record.space_id)
    record.lifted_at = now
    audit.record(
        db,
        viewer,
        ModerationAction.LIFT_BAN,
        target_type=AuditTarget.USER,
        target_id=record.user_id,
        space_id=record.space_id,
        reason=_reason(reason, required=False),
        now=now,
    )
    db.flush()


def parse_day(raw: str, field: str) -> datetime | None:
    """A date from an <input type=date> as midnight UTC; empty means none."""
    text = raw.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise FormErrors({field: gettext("Enter a date such as 2027-03-31.")}) from None


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


def decide(
    db: Session, viewer: Viewer, comment: Comment, decision: Decision, now: datetime
) -> None:
    """Carry out one moderator decision on a comment."""
    _require_moderator(viewer, comment.space_id)
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
