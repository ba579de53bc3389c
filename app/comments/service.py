"""Posting, editing and translating comments and questions: the rules live here."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import markup, policy
from app.comments import idempotency, queries, threads
from app.comments.views import CommentView, ViewContext, build_views
from app.db import claim_version, hold_row
from app.errors import Forbidden, FormErrors, NotFound, Stale
from app.i18n import gettext, language_name
from app.markup import render_markdown
from app.models import Comment, CommentRevision, CommentTranslation, Space
from app.models.comments import CommentKind, CommentStatus
from app.notifications import outbox
from app.policy import Purpose, Viewer

# C0 controls other than tab and line feed, DEL and C1 controls: invisible, never meant.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_body(raw: str, *, max_chars: int, field: str = "body") -> str:
    """NFC-normalised text with unified line ends, or a translated error."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise FormErrors({field: gettext("Write something before posting.")})
    if len(text) > max_chars:
        raise FormErrors(
            {
                field: gettext(
                    "This text has %(count)d characters; the limit is %(max)d.",
                    count=len(text),
                    max=max_chars,
                )
            }
        )
    if _CONTROL_CHARS.search(text):
        raise FormErrors({field: gettext("This text contains characters that are not allowed.")})
    if markup.nesting_depth(text) > markup.MAX_NESTING:
        raise FormErrors(
            {
                field: gettext(
                    "Quotes and lists are nested more than %(max)d levels deep; please "
                    "flatten them.",
                    max=markup.MAX_NESTING,
                )
            }
        )
    return text


def _check_lang(space: Space, lang: str, field: str = "lang") -> None:
    if lang not in space.language_list:
        names = ", ".join(language_name(code) for code in space.language_list)
        raise FormErrors(
            {field: gettext("Choose one of this space's languages: %(names)s.", names=names)}
        )


def _check_can_post(viewer: Viewer, space: Space, now: datetime) -> None:
    if not viewer.signed_in:
        raise Forbidden(gettext("Sign in to take part in the discussion."))
    if viewer.banned_from(space.id) and not viewer.moderates(space.id):
        raise FormErrors({"body": gettext("Your account is suspended from posting here.")})
    if not policy.can_post(viewer, space, now):
        raise FormErrors({"body": gettext("This space is closed: it no longer accepts comments.")})


def thread_is_locked(db: Session, comment: Comment) -> bool:
    """Whether this comment or any comment above it was locked by a moderator."""
    # Every ancestor, seen or not: a hidden root still locks its thread.
    query = select(Comment.id).where(
        Comment.space_id == comment.space_id,
        Comment.path.in_(threads.ancestor_paths(comment.path)),
        Comment.locked.is_(True),
    )
    return db.scalar(policy.for_purpose(query, Purpose.THREAD_SHAPE)) is not None


def get_comment(db: Session, viewer: Viewer, comment_id: int) -> Comment:
    # The read gate leaves out what this unit of work's reader may not see.
    comment = db.scalar(select(Comment).where(Comment.id == comment_id))
    if comment is None:
        raise NotFound
    return comment


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
    _check_lang(space, lang)
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
    _check_lang(space, lang)
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
    _check_lang(space, lang)
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
    _check_lang(space, lang)
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
