"""Search: what a reader may find, filtered, ordered, paged and shown with its passage.

One statement finds a page of comments (app/search/backends.py: FTS5 on SQLite, tsvector
on PostgreSQL, the same contract); the read gate (app/policy.py) narrows it to what the
reader may see, and the filters here narrow it to what they asked. Moderators' filters
(objectives, tags, editorial states, waiting or hidden comments) reach only the spaces
they moderate. Each hit is then drawn like a comment card would name it: space,
question, author under the space's attribution rule, date, language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.orm import Session

from app import policy
from app.accounts.names import display_name_key
from app.comments import threads
from app.curation import gcm
from app.fulltext.highlight import Segment, snippet
from app.fulltext.words import ALGORITHMS
from app.markup import plain_text
from app.models import Comment, CommentTag, CommentTranslation, Curation, SearchEntry, Tag, User
from app.models.comments import CommentKind, CommentStatus
from app.models.curation import FREE_TAGS
from app.policy import Viewer
from app.ratelimit import Limiter, Rule
from app.search import backends
from app.search.params import MAX_PAGE, PAGE_SIZE, SearchParams, Sort
from app.spaces import service as spaces
from app.spaces.service import QuestionLink, SpaceHeader


@dataclass(frozen=True)
class Hit:
    comment_id: int
    space: SpaceHeader
    question: QuestionLink | None  # the question the comment answers (or is)
    is_question: bool
    author_name: str | None  # None: not named, under the space's attribution rule
    author_is_moderator: bool
    created_at: datetime
    lang: str  # the language of the text that matched
    original_lang: str
    translated: bool  # the match is in the author's own translation
    status: CommentStatus
    snippet: tuple[Segment, ...]
    can_curate: bool


@dataclass(frozen=True)
class Results:
    params: SearchParams
    hits: list[Hit]
    total: int
    spaces: list[SpaceHeader]  # the spaces a search can be narrowed to
    space: SpaceHeader | None  # the space it is narrowed to
    questions: list[QuestionLink]  # that space's questions
    moderates: bool  # moderators' filters apply
    # More texts match than a search reads (backends.CANDIDATES): `total` counts the
    # comments among the most recent of them, which the results order.
    more: bool = False

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // PAGE_SIZE)))

    @property
    def first(self) -> int:
        """The number of this page's first result."""
        return (self.params.page - 1) * PAGE_SIZE + 1

    @property
    def shown_at_most(self) -> int:
        return MAX_PAGE * PAGE_SIZE

    @property
    def read_at_most(self) -> int:
        return backends.CANDIDATES

    @property
    def capped(self) -> bool:
        """More results than a search reads or its pages show: it should be narrowed."""
        return self.more or self.total > MAX_PAGE * PAGE_SIZE


# Each search reads the whole index: fewer per address than pages (typing counts each
# pause), counted in batches like every request (app/web/request_rate.py).
SEARCHES_PER_ADDRESS = Rule("search-ip", 240, timedelta(minutes=1))
BATCH = 10
LANGUAGES = tuple(ALGORITHMS)


def count_search(limiter: Limiter, client: tuple[str, int] | None, asked: SearchParams) -> None:
    """Count a search against its client address's allowance (TooMany past it)."""
    if asked.asked:
        # As app/web/request_rate.py names a request without an address.
        address = client[0] if client else "unknown"
        limiter.check_batched(SEARCHES_PER_ADDRESS, address, BATCH)


def search(db: Session, viewer: Viewer, params: SearchParams, *, lang: str) -> Results:
    space_views = spaces.space_headers(db, lang=lang)
    chosen = next((v for v in space_views if v.space.slug == params.space), None)
    questions = spaces.question_links(db, chosen.space.id, lang) if chosen else []
    moderates = viewer.moderates(chosen.space.id) if chosen else viewer.moderates_any
    empty = Results(params, [], 0, space_views, chosen, questions, moderates)
    if params.errors or not params.query.ok:
        return empty
    conditions = _conditions(viewer, params, chosen, questions)
    if conditions is None:
        return empty
    backends.without_parallel_workers(db)
    ranked = _ranked(db, params, conditions, (params.lang,) if params.lang else LANGUAGES)
    rows = list(db.execute(_page(ranked, params)).all())
    if rows:
        total, read = rows[0].total, rows[0].read
    elif params.page == 1:
        total = read = 0  # nothing matched: no need to ask again
    else:  # past the last page: how many there are
        counted = db.execute(_count(ranked)).one()
        total, read = counted.total, counted.read
    by_id = {v.space.id: v for v in space_views}
    hits = _hits(db, viewer, params, rows, by_id, lang)
    more = read >= backends.CANDIDATES
    return Results(params, hits, total, space_views, chosen, questions, moderates, more)


def _conditions(
    viewer: Viewer,
    params: SearchParams,
    chosen: SpaceHeader | None,
    questions: list[QuestionLink],
) -> list[ColumnElement[bool]] | None:
    """What the comments found must be; None when nothing can match (an unknown space)."""
    conditions: list[ColumnElement[bool]] = []
    if params.space:
        if chosen is None:
            return None
        conditions.append(Comment.space_id == chosen.space.id)
        question = next((q for q in questions if q.id == params.question), None)
        if question is not None:
            prefixes = [
                threads.root_path(is_question=True, number=question.number, comment_id=question.id)
            ]
            prefixes.append(threads.pinned_path(prefixes[0], pinned=True))
            conditions.append(
                Comment.path.startswith(prefixes[0]) | Comment.path.startswith(prefixes[1])
            )
    if params.lang:
        conditions.append(SearchEntry.lang == params.lang)
    if params.since:
        conditions.append(Comment.created_at >= _midnight(params.since))
    if params.until:
        conditions.append(Comment.created_at < _midnight(params.until) + timedelta(days=1))
    moderated = _moderated(viewer)
    curated = params.objective is not None or params.tag or params.state is not None
    if params.status != CommentStatus.PUBLISHED or curated:
        if not viewer.moderates_any:
            # Filters of moderators only: for anyone else the search is the public one.
            conditions.append(Comment.status == CommentStatus.PUBLISHED)
            return conditions
        if moderated is not None:
            conditions.append(Comment.space_id.in_(moderated) if moderated else false())
    conditions.append(Comment.status == params.status)
    if params.objective is not None:
        conditions.append(_tagged(gcm.TAXONOMY, str(params.objective)))
    if params.tag:
        conditions.append(_tagged(FREE_TAGS, display_name_key(params.tag)))
    if params.state is not None:
        conditions.append(
            exists().where(Curation.comment_id == Comment.id, Curation.state == params.state)
        )
    return conditions


def _moderated(viewer: Viewer) -> frozenset[int] | None:
    """The spaces a moderator's filters reach; None: every space (an administrator)."""
    return None if viewer.is_admin else viewer.moderated_space_ids


def _tagged(taxonomy: str, code: str) -> ColumnElement[bool]:
    return exists().where(
        CommentTag.comment_id == Comment.id,
        Tag.id == CommentTag.tag_id,
        Tag.taxonomy == taxonomy,
        Tag.code == code,
    )


def _midnight(day: Any) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _ranked(
    db: Session,
    params: SearchParams,
    conditions: list[ColumnElement[bool]],
    languages: tuple[str, ...],
) -> Any:
    hits = backends.candidates(
        db.get_bind().dialect.name,
        params.query,
        languages,
        conditions,
        oldest_first=params.sort is Sort.OLDEST,
    )
    return select(
        hits,
        backends.best_entry_first(hits).label("nth"),
        func.count().over().label("read"),
    ).subquery("ranked")


def _page(ranked: Any, params: SearchParams) -> Any:
    order = {
        Sort.RELEVANCE: (ranked.c.score.desc(), ranked.c.created_at.desc()),
        Sort.NEWEST: (ranked.c.created_at.desc(),),
        Sort.OLDEST: (ranked.c.created_at.asc(),),
    }[params.sort]
    last = ranked.c.comment_id.asc() if params.sort is Sort.OLDEST else ranked.c.comment_id.desc()
    return (
        select(
            ranked.c.comment_id,
            ranked.c.lang,
            ranked.c.translated,
            ranked.c.read,
            func.count().over().label("total"),
        )
        .where(ranked.c.nth == 1)
        .order_by(*order, last)
        .limit(PAGE_SIZE)
        .offset((params.page - 1) * PAGE_SIZE)
    )


def _count(ranked: Any) -> Any:
    """Comments found, and texts read, when the page asked for is past the last."""
    return select(
        func.count().filter(ranked.c.nth == 1).label("total"),
        func.coalesce(func.max(ranked.c.read), 0).label("read"),
    ).select_from(ranked)


def _hits(
    db: Session,
    viewer: Viewer,
    params: SearchParams,
    rows: list[Any],
    space_views: dict[int, SpaceHeader],
    lang: str,
) -> list[Hit]:
    if not rows:
        return []
    ids = [row.comment_id for row in rows]
    # Read again through the gate, what a card draws: what is drawn is what may be seen.
    comments = {
        c.id: c
        for c in db.execute(
            select(
                Comment.id,
                Comment.space_id,
                Comment.author_id,
                Comment.named_consent,
                Comment.kind,
                Comment.path,
                Comment.lang,
                Comment.status,
                Comment.created_at,
                Comment.body_html,
                User.display_name,
            )
            .join(User, User.id == Comment.author_id)
            .where(Comment.id.in_(ids))
        )
    }
    wanted = {(row.comment_id, row.lang) for row in rows if row.translated}
    translations: dict[tuple[int, str], str] = {}
    if wanted:
        # By comment id (its index), then the languages wanted: a (comment, language)
        # tuple IN is no index look-up on SQLite.
        for t in db.execute(
            select(
                CommentTranslation.comment_id,
                CommentTranslation.lang,
                CommentTranslation.body_html,
            ).where(CommentTranslation.comment_id.in_({c for c, _ in wanted}))
        ):
            if (t.comment_id, t.lang) in wanted:
                translations[(t.comment_id, t.lang)] = t.body_html
    asked = {
        (c.space_id, number)
        for c in comments.values()
        if (number := _question_number(c.path)) is not None
    }
    questions = {
        (space_id, link.number): link
        for space_id, links in spaces.questions_of(
            db, {s for s, _ in asked}, lang, numbers={n for _, n in asked}
        ).items()
        for link in links
    }
    hits = []
    for row in rows:
        comment = comments.get(row.comment_id)
        view = space_views.get(comment.space_id) if comment else None
        if comment is None or view is None:
            continue
        html = translations.get((comment.id, row.lang)) if row.translated else comment.body_html
        if html is None:
            continue
        named = policy.may_name(
            viewer,
            view.space,
            author_id=comment.author_id,
            author_is_moderator=comment.author_id in view.moderator_ids,
            named_consent=comment.named_consent,
        )
        hits.append(
            Hit(
                comment_id=comment.id,
                space=view,
                question=questions.get((comment.space_id, _question_number(comment.path) or 0)),
                is_question=comment.kind == CommentKind.QUESTION,
                author_name=comment.display_name if named else None,
                author_is_moderator=comment.author_id in view.moderator_ids,
                created_at=comment.created_at,
                lang=row.lang,
                original_lang=comment.lang,
                translated=bool(row.translated),
                status=comment.status,
                snippet=snippet(plain_text(html), row.lang, params.query),
                can_curate=policy.can_moderate(viewer, comment.space_id),
            )
        )
    return hits


def _question_number(path: str) -> int | None:
    """The number of the question a thread's root is, from the root's path segment."""
    root = path.split(threads.SEPARATOR, 1)[0]
    if root[:1] in ("0", "1"):
        return int(root[1:])
    return None
