"""What a digest reads: published comments only, whoever asks.

Every statement, subqueries included, goes through the read gate's `PUBLISHED` purpose:
a digest leaves the site. `build_digest` runs a fixed number of them (rows, translations,
tags, editorial states, moderators, texts) and turns the rows into `model.Digest`,
naming authors only as `policy.named_in_export` allows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import policy
from app.comments import threads
from app.errors import NotFound
from app.exports.digest.model import Coverage, Digest, Entry, Tagging, Translation, group_entries
from app.models import Comment, CommentTag, CommentTranslation, Curation, Space, Tag, User
from app.models.comments import CommentKind
from app.policy import Purpose, Viewer
from app.spaces import queries as space_queries
from app.spaces.service import pick_text
from app.web import urls

# Sorts after every path character, closing a subtree's range (as comment queries do).
_PATH_END = "~"
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _rows(space_id: int, within: str | None) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            Comment.id,
            Comment.author_id,
            Comment.parent_id,
            Comment.path,
            Comment.kind,
            Comment.number,
            Comment.lang,
            Comment.body_md,
            Comment.created_at,
            Comment.edited_at,
            Comment.status,
            Comment.named_consent,
            User.display_name.label("author_name"),
        )
        .join(User, User.id == Comment.author_id)
        .where(Comment.space_id == space_id)
        .order_by(Comment.path)
    )
    if within:
        query = query.where(Comment.path >= within, Comment.path < within + _PATH_END)
    return query


def _ids(space_id: int, within: str | None) -> Select[int]:
    query = select(Comment.id).where(Comment.space_id == space_id)
    if within:
        query = query.where(Comment.path >= within, Comment.path < within + _PATH_END)
    return query


def _published(query: _Query) -> _Query:
    """Every statement of a digest, subqueries included: it leaves the site."""
    return policy.for_purpose(query, Purpose.PUBLISHED)


def _question_path(db: Session, space: Space, question_id: int) -> str:
    query = select(Comment.path).where(
        Comment.id == question_id,
        Comment.space_id == space.id,
        Comment.kind == CommentKind.QUESTION,
    )
    path = db.scalar(_published(query))
    if path is None:
        raise NotFound
    return path


def build_digest(
    db: Session,
    viewer: Viewer,
    space: Space,
    lang: str,
    question_id: int | None = None,
    *,
    base_url: str = "",
    now: datetime | None = None,
) -> Digest:
    """What may be exported of `space` (or of one question's thread), as plain data.

    Published only, for any `viewer` (the routes let only moderators ask).
    """
    within = _question_path(db, space, question_id) if question_id is not None else None
    rows = db.execute(_published(_rows(space.id, within))).all()
    ids = _ids(space.id, within)
    translations: dict[int, list[Translation]] = defaultdict(list)
    for comment_id, text_lang, body_md in db.execute(
        _published(
            select(
                CommentTranslation.comment_id, CommentTranslation.lang, CommentTranslation.body_md
            )
            .where(CommentTranslation.comment_id.in_(ids))
            .order_by(CommentTranslation.comment_id, CommentTranslation.lang)
        )
    ):
        translations[comment_id].append(Translation(text_lang, body_md))
    tags: dict[int, list[Tagging]] = defaultdict(list)
    for comment_id, taxonomy, code, label in db.execute(
        _published(
            select(CommentTag.comment_id, Tag.taxonomy, Tag.code, Tag.label)
            .join(Tag, Tag.id == CommentTag.tag_id)
            .where(CommentTag.comment_id.in_(ids))
            .order_by(CommentTag.comment_id, Tag.taxonomy, Tag.label)
        )
    ):
        tags[comment_id].append(Tagging(taxonomy, code, label))
    states = dict(
        db.execute(
            _published(
                select(Curation.comment_id, Curation.state).where(Curation.comment_id.in_(ids))
            )
        ).all()
    )
    moderator_ids = {r.id for r in db.execute(space_queries.moderators_for([space.id]))}
    texts = list(db.scalars(space_queries.texts_for([space.id])))
    title = pick_text(texts, lang, space.original_lang).title if texts else space.slug

    author_ids: dict[int, int] = {}
    entries: list[Entry] = []
    for r in rows:
        is_moderator = r.author_id in moderator_ids
        named = policy.named_in_export(
            space, author_is_moderator=is_moderator, named_consent=bool(r.named_consent)
        )
        author_ids[r.id] = r.author_id
        entries.append(
            Entry(
                id=r.id,
                kind=r.kind,
                parent_id=r.parent_id,
                number=r.number,
                path=r.path,
                depth=threads.depth_of(r.path),
                lang=r.lang,
                author=r.author_name if named else None,
                author_is_moderator=is_moderator,
                created_at=r.created_at,
                edited_at=r.edited_at,
                status=r.status,
                editorial_state=states.get(r.id),
                tags=tuple(tags.get(r.id, ())),
                body_md=r.body_md,
                translations=tuple(translations.get(r.id, ())),
                url=urls.absolute_url(base_url, "comment", lang=lang, comment_id=r.id),
            )
        )
    groups = group_entries(entries, author_ids)
    return Digest(
        space_id=space.id,
        slug=space.slug,
        title=title,
        lang=lang,
        attribution=space.attribution,
        generated_at=now or datetime.now(UTC),
        question_id=question_id,
        groups=groups,
        coverage=Coverage.of(entries, author_ids),
        entry_ids=frozenset(author_ids),
    )
