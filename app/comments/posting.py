"""Posting comments, replies and questions: the rules live here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import policy
from app.comments import idempotency, queries, threads
from app.comments.bodies import check_lang, clean_body
from app.comments.editing import save_translation
from app.comments.reads import get_comment, thread_is_locked
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import gettext
from app.markup import render_markdown
from app.models import Comment, Space
from app.models.comments import CommentKind, CommentStatus
from app.notifications import outbox
from app.policy import Viewer


def _check_can_post(viewer: Viewer, space: Space, now: datetime) -> None:
    if not viewer.signed_in:
        raise Forbidden(gettext("Sign in to take part in the discussion."))
    if viewer.banned_from(space.id) and not viewer.moderates(space.id):
        raise FormErrors({"body": gettext("Your account is suspended from posting here.")})
    if not policy.can_post(viewer, space, now):
        raise FormErrors({"body": gettext("This space is closed: it no longer accepts comments.")})


@dataclass(frozen=True)
class LanguageCheck:
    """What a posting form says about its text's language, so its author can be asked."""

    detected: str | None  # language.confident_language(body), computed before any lock
    left_default: bool  # the author did not change the language the form offered


class AskLanguage(Exception):
    """Nothing stored: the text looks like another of the space's languages than chosen."""

    def __init__(self, detected: str, chosen: str) -> None:
        super().__init__(f"{chosen} chosen, {detected} detected")
        self.detected = detected
        self.chosen = chosen


def _ask_about_language(space: Space, lang: str, check: LanguageCheck | None) -> None:
    """Ask before storing when the author left the default and the detector disagrees.

    A language the author picked is theirs to pick: never questioned.
    """
    if check is None or not check.left_default or check.detected is None:
        return
    if check.detected != lang and check.detected in space.language_list:
        raise AskLanguage(check.detected, lang)


@dataclass(frozen=True)
class PreparedText:
    """A body cleaned and rendered before the unit of work writes (see `prepare_text`)."""

    text: str
    html: str


def prepare_text(body: str, *, max_chars: int) -> PreparedText | None:
    """Clean and render a body ahead of time: Markdown and sanitising need no lock.

    None when the body is refused: the refusal comes in its turn, after the checks that
    come first (signed in, space open).
    """
    try:
        text = clean_body(body, max_chars=max_chars)
    except FormErrors:
        return None
    return PreparedText(text, render_markdown(text))


def _rendered(text: str, prepared: PreparedText | None) -> str:
    if prepared is not None and prepared.text == text:
        return prepared.html
    return render_markdown(text)


@dataclass(frozen=True)
class Posted:
    comment: Comment
    replayed: bool  # True: an earlier request with the same idempotency key made it


def _insert_once(db: Session, comment: Comment) -> Comment:
    """Insert a new comment, or return the one a racing request with the same key made.

    The unique constraint on (author, key) decides the race. Only the savepoint is rolled
    back, so the request's unit of work carries on and answers with the winner's comment.
    """
    try:
        with db.begin_nested():
            db.add(comment)
            db.flush()
    except IntegrityError:
        winner = idempotency.find(db, comment.author_id, comment.idempotency_key)
        if winner is None:  # another constraint refused it: a real error
            raise
        return winner
    return comment


def submit_comment(
    db: Session,
    viewer: Viewer,
    space: Space,
    *,
    body: str,
    lang: str,
    parent_id: int | None,
    now: datetime,
    max_chars: int,
    named_consent: bool = False,
    idempotency_key: str | None = None,
    language_check: LanguageCheck | None = None,
    prepared: PreparedText | None = None,
) -> Posted:
    """Post a comment or reply; with a key already used by this author, the earlier one."""
    _check_can_post(viewer, space, now)
    text = clean_body(body, max_chars=max_chars)
    key = idempotency.clean_key(idempotency_key)
    assert viewer.user is not None
    # A retry is answered with what the first request made, even if the thread has been
    # locked (say) in between: the person was told, or will be, that it was posted.
    existing = idempotency.find(db, viewer.user.id, key)
    if existing is not None:
        replayed = idempotency.replay(
            db, existing, text=text, kind=CommentKind.COMMENT, parent_id=parent_id
        )
        return Posted(replayed, replayed=True)
    check_lang(space, lang)
    parent: Comment | None = None
    if parent_id is not None:
        parent = get_comment(db, viewer, parent_id)
        if parent.space_id != space.id:
            raise NotFound
        if parent.status != CommentStatus.PUBLISHED:
            raise FormErrors({"body": gettext("Only published comments can be answered.")})
        if threads.depth_of(parent.path) + 1 > threads.MAX_DEPTH:
            raise FormErrors({"body": gettext("This thread is too deep to reply further here.")})
        if not policy.can_reply(viewer, space, now, thread_locked=thread_is_locked(db, parent)):
            raise FormErrors({"body": gettext("This thread is locked: it takes no new replies.")})
    # Last of the checks: a question is asked only about a post that could be stored.
    _ask_about_language(space, lang, language_check)
    review = policy.needs_review(viewer, space)
    comment = Comment(
        space_id=space.id,
        author_id=viewer.user.id,
        parent_id=parent.id if parent else None,
        kind=CommentKind.COMMENT,
        lang=lang,
        body_md=text,
        body_html=_rendered(text, prepared),
        created_at=now,
        # Set below, once the id is known. Unique meanwhile: on PostgreSQL, posts racing in
        # one space with the same placeholder would each wait for the other to commit.
        path=f"~{secrets.token_hex(8)}",
        status=CommentStatus.PENDING if review else CommentStatus.PUBLISHED,
        named_consent=named_consent,
        idempotency_key=key,
    )
    winner = _insert_once(db, comment)
    if winner is not comment:
        replayed = idempotency.replay(
            db, winner, text=text, kind=CommentKind.COMMENT, parent_id=parent_id
        )
        return Posted(replayed, replayed=True)
    comment.path = (
        threads.child_path(parent.path, comment.id)
        if parent
        else threads.root_path(is_question=False, number=None, comment_id=comment.id)
    )
    comment.depth = threads.depth_of(comment.path)
    db.flush()
    if comment.status == CommentStatus.PUBLISHED:
        outbox.comment_published(db, comment, now)
    return Posted(comment, replayed=False)


def ask_question(
    db: Session,
    viewer: Viewer,
    space: Space,
    *,
    text: str,
    lang: str,
    translations: dict[str, str] | None = None,
    now: datetime,
    max_chars: int,
    idempotency_key: str | None = None,
) -> Comment:
    """A moderator's numbered discussion question, optionally with its other languages."""
    if not policy.can_ask_question(viewer, space):
        raise Forbidden(gettext("Only the space's moderators can post discussion questions."))
    body = clean_body(text, max_chars=max_chars)
    key = idempotency.clean_key(idempotency_key)
    assert viewer.user is not None
    existing = idempotency.find(db, viewer.user.id, key)
    if existing is not None:
        return idempotency.replay(
            db, existing, text=body, kind=CommentKind.QUESTION, parent_id=None
        )
    check_lang(space, lang)
    # Two moderators asking at once must not both take the next number: the space row's
    # lock queues them on PostgreSQL (SQLite already lets one writer in at a time).
    db.execute(select(Space.id).where(Space.id == space.id).with_for_update())
    number = db.scalar(queries.next_question_number(space.id)) or 1
    question = Comment(
        space_id=space.id,
        author_id=viewer.user.id,
        kind=CommentKind.QUESTION,
        number=number,
        lang=lang,
        body_md=body,
        body_html=render_markdown(body),
        created_at=now,
        path=threads.root_path(is_question=True, number=number, comment_id=0),
        depth=0,
        status=CommentStatus.PUBLISHED,
        idempotency_key=key,
    )
    winner = _insert_once(db, question)
    if winner is not question:
        return idempotency.replay(db, winner, text=body, kind=CommentKind.QUESTION, parent_id=None)
    for other_lang, other_text in (translations or {}).items():
        if other_lang != lang:
            save_translation(
                db,
                viewer,
                question,
                space,
                lang=other_lang,
                body=other_text,
                now=now,
                max_chars=max_chars,
            )
    outbox.comment_published(db, question, now)
    return question
