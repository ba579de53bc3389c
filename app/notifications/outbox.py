"""Queueing e-mails: rows added to the caller's unit of work, committed with their cause.

Nothing here commits or sends; the worker (app.notifications.worker) does the sending.
A payload holds ids and the few strings the e-mail needs, already in the recipient's
language where there is a choice (the space's title, the comment's own translation), so
the worker renders without reading anything else and a later edit changes no queued mail.
Names of authors are never copied: whether a reader may see one depends on the space's
attribution rule, and an e-mail cannot be taken back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app import policy
from app.markup import plain_text
from app.models import (
    Comment,
    CommentTranslation,
    EmailOptOut,
    Flag,
    Follow,
    OutboxMessage,
    Space,
    SpaceModerator,
    SpaceText,
    User,
)
from app.models.comments import CommentKind, CommentStatus

KIND_REPLY = "reply"  # someone answered your comment
KIND_DECISION = "decision"  # a moderator approved or rejected your comment
KIND_NEW_COMMENT = "new_comment"  # a new comment in a space you follow
KIND_DIGEST = "digest"  # moderators: what waits for review in your spaces
KINDS: tuple[str, ...] = (KIND_REPLY, KIND_DECISION, KIND_NEW_COMMENT, KIND_DIGEST)
ALL_KINDS = "all"  # the opt-out from every kind
# Account e-mails: always sent, to unverified addresses too, and nobody can opt out of them.
KIND_PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of e-mail, not a secret
KIND_VERIFY_EMAIL = "verify_email"
KIND_PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a kind of e-mail
ACCOUNT_KINDS: tuple[str, ...] = (KIND_PASSWORD_RESET, KIND_VERIFY_EMAIL, KIND_PASSWORD_CHANGED)

EXCERPT_CHARS = 300
DIGEST_INTERVAL = timedelta(hours=24)
# Serialises digest queueing between workers on PostgreSQL (any fixed 64-bit number).
_DIGEST_LOCK = 0x526F756E64746162


def opted_out(db: Session, user_ids: Iterable[int], kind: str) -> set[int]:
    """Those of these people who get no e-mail of this kind: they asked for none of it
    (or of any kind), or their address is not verified. Notifications go only to
    addresses proven to be the account holder's, so a typo cannot mail a stranger."""
    ids = set(user_ids)
    if not ids:
        return set()
    unverified = select(User.id).where(User.id.in_(ids), User.email_verified_at.is_(None))
    return set(
        db.scalars(
            select(EmailOptOut.user_id)
            .where(EmailOptOut.user_id.in_(ids), EmailOptOut.kind.in_((kind, ALL_KINDS)))
            .union(unverified)
        )
    )


def account_mail(
    db: Session, kind: str, recipient: User, payload: dict[str, object], now: datetime
) -> OutboxMessage:
    """Queue an account e-mail (a link to reset or verify, a notice of a change)."""
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"not an account e-mail: {kind!r}")
    return _add(db, kind, recipient, payload, now)


def notify_reply(db: Session, reply: Comment, now: datetime) -> OutboxMessage | None:
    """Tell the parent comment's author about a published reply by someone else."""
    if reply.status != CommentStatus.PUBLISHED or reply.parent_id is None:
        return None
    parent = db.get(Comment, reply.parent_id)
    if parent is None or parent.author_id == reply.author_id:
        return None
    recipient = db.get(User, parent.author_id)
    if recipient is None or opted_out(db, [recipient.id], KIND_REPLY):
        return None
    space = _SpaceInfo.load(db, reply.space_id)
    excerpts = _Excerpts.load(db, reply)
    payload = {
        "comment_id": reply.id,
        "thread_id": parent.id,
        **space.for_locale(recipient.locale),
        "excerpt": excerpts.for_locale(recipient.locale),
    }
    return _add(db, KIND_REPLY, recipient, payload, now)


def notify_decision(
    db: Session, comment: Comment, approved: bool, reason: str, now: datetime
) -> OutboxMessage | None:
    """Tell a comment's author that a moderator approved or rejected it (and why)."""
    recipient = db.get(User, comment.author_id)
    if recipient is None or opted_out(db, [recipient.id], KIND_DECISION):
        return None
    space = _SpaceInfo.load(db, comment.space_id)
    excerpts = _Excerpts.load(db, comment)
    payload = {
        "comment_id": comment.id,
        "thread_id": comment.parent_id or comment.id,
        **space.for_locale(recipient.locale),
        "excerpt": excerpts.for_locale(recipient.locale),
        "approved": bool(approved),
        "reason": reason.strip(),
    }
    return _add(db, KIND_DECISION, recipient, payload, now)


def notify_followers(db: Session, comment: Comment, now: datetime) -> list[OutboxMessage]:
    """Tell every follower of the space about a published comment, except its author.

    The parent's author is left out when they get the reply e-mail for it already
    (call `notify_reply` too): one event, one e-mail.
    """
    if comment.status != CommentStatus.PUBLISHED:
        return []
    follower_ids = set(
        db.scalars(
            select(Follow.user_id).where(
                Follow.space_id == comment.space_id, Follow.user_id != comment.author_id
            )
        )
    )
    if comment.parent_id is not None:
        parent_author = db.scalar(select(Comment.author_id).where(Comment.id == comment.parent_id))
        if parent_author in follower_ids and not opted_out(db, [parent_author], KIND_REPLY):
            follower_ids.discard(parent_author)
    follower_ids -= opted_out(db, follower_ids, KIND_NEW_COMMENT)
    if not follower_ids:
        return []
    space = _SpaceInfo.load(db, comment.space_id)
    excerpts = _Excerpts.load(db, comment)
    messages = []
    for recipient in db.scalars(select(User).where(User.id.in_(follower_ids)).order_by(User.id)):
        payload = {
            "comment_id": comment.id,
            "thread_id": comment.parent_id or comment.id,
            "is_question": comment.kind == CommentKind.QUESTION,
            **space.for_locale(recipient.locale),
            "excerpt": excerpts.for_locale(recipient.locale),
        }
        messages.append(_add(db, KIND_NEW_COMMENT, recipient, payload, now))
    return messages


def queue_moderator_digest(db: Session, now: datetime) -> list[OutboxMessage]:
    """One digest per moderator with comments awaiting review or open flags in their
    spaces, and at most one per moderator in any 24 hours."""
    if db.get_bind().dialect.name == "postgresql":
        # Two workers queueing at once would each see no recent digest.
        db.execute(select(func.pg_advisory_xact_lock(_DIGEST_LOCK)))
    pending: dict[int, int] = {
        space_id: count
        for space_id, count in db.execute(
            select(Comment.space_id, func.count(Comment.id))
            .where(Comment.status == CommentStatus.PENDING)
            .group_by(Comment.space_id)
            # Counts only, each told to the moderators of its space alone.
            .execution_options(**{policy.PURPOSE: policy.Purpose.QUEUE})
        )
    }
    flagged: dict[int, int] = {
        space_id: count
        for space_id, count in db.execute(
            select(Comment.space_id, func.count(distinct(Flag.comment_id)))
            .join(Flag, Flag.comment_id == Comment.id)
            .where(Flag.resolved_at.is_(None))
            .group_by(Comment.space_id)
            .execution_options(**{policy.PURPOSE: policy.Purpose.QUEUE})
        )
    }
    space_ids = set(pending) | set(flagged)
    if not space_ids:
        return []
    spaces_of: dict[int, list[int]] = defaultdict(list)
    for user_id, space_id in db.execute(
        select(SpaceModerator.user_id, SpaceModerator.space_id).where(
            SpaceModerator.space_id.in_(space_ids)
        )
    ):
        spaces_of[user_id].append(space_id)
    recent = set(
        db.scalars(
            select(OutboxMessage.recipient_id).where(
                OutboxMessage.kind == KIND_DIGEST,
                OutboxMessage.recipient_id.in_(spaces_of),
                OutboxMessage.created_at > now - DIGEST_INTERVAL,
            )
        )
    )
    wanted = set(spaces_of) - recent - opted_out(db, spaces_of, KIND_DIGEST)
    if not wanted:
        return []
    infos = _SpaceInfo.load_many(db, space_ids)
    messages = []
    for recipient in db.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id)):
        entries = [
            {
                **infos[space_id].for_locale(recipient.locale),
                "pending": pending.get(space_id, 0),
                "flagged": flagged.get(space_id, 0),
            }
            for space_id in spaces_of[recipient.id]
        ]
        entries.sort(key=lambda entry: str(entry["space_title"]).casefold())
        payload = {
            "spaces": entries,
            "pending": sum(pending.get(space_id, 0) for space_id in spaces_of[recipient.id]),
            "flagged": sum(flagged.get(space_id, 0) for space_id in spaces_of[recipient.id]),
        }
        messages.append(_add(db, KIND_DIGEST, recipient, payload, now))
    return messages


def _add(
    db: Session, kind: str, recipient: User, payload: dict[str, object], now: datetime
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        recipient_id=recipient.id,
        payload=payload,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
        last_error="",
    )
    db.add(message)
    db.flush()
    return message


class _SpaceInfo:
    """A space's slug and its title in each language it has one in."""

    def __init__(self, space: Space, texts: Iterable[SpaceText]) -> None:
        self.slug = space.slug
        self.original_lang = space.original_lang
        self.titles = {text.lang: text.title for text in texts}

    @classmethod
    def load(cls, db: Session, space_id: int) -> _SpaceInfo:
        return cls.load_many(db, [space_id])[space_id]

    @classmethod
    def load_many(cls, db: Session, space_ids: Iterable[int]) -> dict[int, _SpaceInfo]:
        ids = set(space_ids)
        texts: dict[int, list[SpaceText]] = defaultdict(list)
        for text in db.scalars(select(SpaceText).where(SpaceText.space_id.in_(ids))):
            texts[text.space_id].append(text)
        return {
            space.id: cls(space, texts[space.id])
            for space in db.scalars(select(Space).where(Space.id.in_(ids)))
        }

    def for_locale(self, locale: str) -> dict[str, object]:
        title = (
            self.titles.get(locale)
            or self.titles.get(self.original_lang)
            or next(iter(self.titles.values()), self.slug)
        )
        return {"space_slug": self.slug, "space_title": title}


class _Excerpts:
    """A comment's opening words as plain text, in the reader's language when its
    author translated it, else as written."""

    def __init__(self, original: str, translations: dict[str, str]) -> None:
        self.original = original
        self.translations = translations

    @classmethod
    def load(cls, db: Session, comment: Comment) -> _Excerpts:
        translations = {
            t.lang: t.body_html
            for t in db.scalars(
                select(CommentTranslation).where(CommentTranslation.comment_id == comment.id)
            )
        }
        return cls(comment.body_html, translations)

    def for_locale(self, locale: str) -> str:
        return excerpt(self.translations.get(locale) or self.original)


def excerpt(html: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text of sanitised comment HTML, white space collapsed, at most `limit` chars."""
    text = plain_text(html)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def comment_published(db: Session, comment: Comment, now: datetime) -> None:
    """A comment became visible to all: tell whom it answers and who follows the space."""
    notify_reply(db, comment, now)
    notify_followers(db, comment, now)
