"""Select builders for reading comments: a fixed number of statements per page."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from app.models import Attachment, Comment, CommentTranslation, User
from app.models.comments import CommentKind, CommentStatus
from app.policy import Purpose, for_purpose

_Parent = aliased(Comment)
_ParentAuthor = aliased(User)


class CommentRow(Protocol):
    """A row of `comment_rows`, by column: more columns than SQLAlchemy types one by one."""

    id: int
    space_id: int
    author_id: int
    parent_id: int | None
    path: str
    kind: CommentKind
    number: int | None
    lang: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    status: CommentStatus
    moderated_at: datetime | None
    moderation_reason: str
    hidden_by_flags: bool
    pinned: bool
    named_consent: bool
    author_name: str
    # Outer-joined: None for a thread's top comment.
    parent_author_id: int | None
    parent_named_consent: bool | None
    parent_author_name: str | None


@cache  # built once: a Select is immutable, and building it costs more than running it
def comment_rows() -> Select[*tuple[Any, ...]]:
    """Comments with their author's and their parent's author's names, in thread order.

    Its rows are `CommentRow`s: keep the two in step.
    """
    return (
        select(
            Comment.id,
            Comment.space_id,
            Comment.author_id,
            Comment.parent_id,
            Comment.path,
            Comment.kind,
            Comment.number,
            Comment.lang,
            Comment.body_html,
            Comment.created_at,
            Comment.edited_at,
            Comment.status,
            Comment.moderated_at,
            Comment.moderation_reason,
            Comment.hidden_by_flags,
            Comment.pinned,
            Comment.named_consent,
            User.display_name.label("author_name"),
            _Parent.author_id.label("parent_author_id"),
            _Parent.named_consent.label("parent_named_consent"),
            _ParentAuthor.display_name.label("parent_author_name"),
        )
        .join(User, User.id == Comment.author_id)
        .outerjoin(_Parent, _Parent.id == Comment.parent_id)
        .outerjoin(_ParentAuthor, _ParentAuthor.id == _Parent.author_id)
        .order_by(Comment.path)
    )


# Sorts after every path character (digits and "."), closing a subtree's range.
_PATH_END = "~"


def space_chunk(
    space_id: int, after: str | None, limit: int, within: str | None = None
) -> Select[*tuple[Any, ...]]:
    """The next `limit` comments in thread order, optionally inside one subtree."""
    query = comment_rows().where(Comment.space_id == space_id)
    if within:
        query = query.where(Comment.path >= within, Comment.path < within + _PATH_END)
    if after:
        query = query.where(Comment.path > after)
    return query.limit(limit)


# The two below take their ids when executed (`{"ids": [...]}`): built once, they skip
# coercing a hundred literals into a new statement on every page.


class TranslationRow(Protocol):
    """A row of `translations_of`."""

    comment_id: int
    lang: str
    body_html: str


class AttachmentRow(Protocol):
    """A row of `attachments_of`."""

    id: int
    comment_id: int
    filename: str
    content_type: str
    size_bytes: int


@cache
def translations_of() -> Select[int, str, str]:
    """The texts in other languages of the comments `ids`."""
    return select(
        CommentTranslation.comment_id, CommentTranslation.lang, CommentTranslation.body_html
    ).where(CommentTranslation.comment_id.in_(bindparam("ids", expanding=True)))


@cache
def attachments_of() -> Select[int, int, str, str, int]:
    """The files of the comments `ids`, in upload order."""
    return (
        select(
            Attachment.id,
            Attachment.comment_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size_bytes,
        )
        .where(Attachment.comment_id.in_(bindparam("ids", expanding=True)))
        .order_by(Attachment.id)
    )


# id, path, number, lang, body_md, and one translation's lang and body_md (or None twice),
# and the question's space.
QuestionRow = Row[int, str, int | None, str, str, str, str, int]


def question_index(
    *space_ids: int, numbers: Collection[int] | None = None
) -> Select[int, str, int | None, str, str, str, str, int]:
    """Every question of these spaces the reader may see (of these numbers, if given), with
    its texts, for contents lists.

    Unordered: sort by `path` in Python. Ordered in SQL, SQLite walks the whole space in
    path order to find the few questions instead of taking them from their index.
    """
    return (
        select(
            Comment.id,
            Comment.path,
            Comment.number,
            Comment.lang,
            Comment.body_md,
            CommentTranslation.lang.label("t_lang"),
            CommentTranslation.body_md.label("t_body_md"),
            Comment.space_id,
        )
        .outerjoin(CommentTranslation, CommentTranslation.comment_id == Comment.id)
        .where(
            Comment.space_id.in_(space_ids),
            Comment.kind == CommentKind.QUESTION,
            *([] if numbers is None else [Comment.number.in_(numbers)]),
        )
    )


def comment_count(space_id: int) -> Select[int]:
    # Published only, whoever reads: the public count must not reveal the queue.
    return for_purpose(
        select(func.count(Comment.id)).where(
            Comment.space_id == space_id, Comment.kind == CommentKind.COMMENT
        ),
        Purpose.PUBLISHED,
    )


def next_question_number(space_id: int) -> Select[int | None]:
    # Hidden questions keep their numbers too.
    return for_purpose(
        select(func.coalesce(func.max(Comment.number), 0) + 1).where(
            Comment.space_id == space_id, Comment.kind == CommentKind.QUESTION
        ),
        Purpose.THREAD_SHAPE,
    )


def locked_paths(space_id: int) -> Select[str]:
    """Paths of the locked threads of a space (few), to mark their replies locked.

    Every locked thread, seen or not: a hidden root still locks the replies below it.
    """
    return for_purpose(
        select(Comment.path).where(Comment.space_id == space_id, Comment.locked.is_(True)),
        Purpose.THREAD_SHAPE,
    )
