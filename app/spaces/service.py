"""Reading spaces: the list, and a space page assembled in a fixed number of statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app import policy
from app.comments import queries as comment_queries
from app.comments.reads import comment_view
from app.comments.views import CommentView, ViewContext, build_views
from app.errors import NotFound
from app.models import Comment, Space, SpaceText
from app.models.spaces import AttributionRule
from app.policy import Purpose, Viewer
from app.spaces import queries

# The deepest reply level a page draws indented (a space may set fewer): deeper replies
# are drawn at that level and still say whom they answer.
MAX_SHOWN_DEPTH = 6


@dataclass(frozen=True)
class Moderator:
    id: int
    name: str


@dataclass(frozen=True)
class SpaceView:
    space: Space
    text: SpaceText
    moderators: list[Moderator]
    is_open: bool
    comment_count: int

    @property
    def moderator_ids(self) -> frozenset[int]:
        return frozenset(m.id for m in self.moderators)


@dataclass(frozen=True)
class Stamp:
    """What a space page depends on besides its address and its reader (the cache's version)."""

    space_id: int
    # With the id, which a new space may reuse after a deletion, and count its versions
    # from zero again: this space, not another one made since at the same address.
    created_at: datetime
    content_version: int
    phase: policy.SpacePhase


@dataclass(frozen=True)
class QuestionLink:
    id: int
    number: int
    text: str
    lang: str


@dataclass(frozen=True)
class SpacePage:
    view: SpaceView
    questions: list[QuestionLink]
    comments: list[CommentView]
    after: str | None
    next_after: str | None  # cursor of the next chunk, None when this is the last


def texts_of(db: Session, space_id: int) -> list[SpaceText]:
    """A space's title and introduction in each of its languages."""
    return list(db.scalars(queries.texts_for([space_id])))


class _InALanguage(Protocol):
    @property
    def lang(self) -> str: ...


_Text = TypeVar("_Text", bound=_InALanguage)


def pick_text(texts: Iterable[_Text], lang: str, original: str) -> _Text:
    """The text in the reader's language, falling back to the original."""
    by_lang = {t.lang: t for t in texts}
    return by_lang.get(lang) or by_lang.get(original) or next(iter(by_lang.values()))


@dataclass(frozen=True)
class SpaceRef:
    """What naming a space's authors and linking to it need."""

    id: int
    slug: str
    attribution: AttributionRule


@dataclass(frozen=True)
class Title:
    lang: str
    title: str


@dataclass(frozen=True)
class SpaceHeader:
    """A space as a search result or a filter names it: its address, title and moderators."""

    space: SpaceRef
    text: Title
    moderator_ids: frozenset[int]


def _every_space(
    db: Session,
) -> tuple[list[Space], dict[int, list[SpaceText]], dict[int, list[Moderator]]]:
    spaces = list(db.scalars(queries.all_spaces()))
    ids = [s.id for s in spaces]
    texts: dict[int, list[SpaceText]] = defaultdict(list)
    moderators: dict[int, list[Moderator]] = defaultdict(list)
    if ids:
        for text in db.scalars(queries.texts_for(ids)):
            texts[text.space_id].append(text)
        for row in db.execute(queries.moderators_for(ids)):
            moderators[row.space_id].append(Moderator(row.id, row.display_name))
    return spaces, texts, moderators


def space_headers(db: Session, *, lang: str) -> list[SpaceHeader]:
    """Every space by its title in `lang` (else its original language's), newest first.

    Rows, not entities: a search reads this on every request, and loading whole spaces
    and their introductions cost more than the search itself on a quiet index.
    """
    refs: dict[int, SpaceRef] = {}
    titles: dict[int, dict[str, Title]] = defaultdict(dict)
    original: dict[int, str] = {}
    for row in db.execute(queries.space_titles()):
        refs.setdefault(row.id, SpaceRef(row.id, row.slug, row.attribution))
        original[row.id] = row.original_lang
        titles[row.id][row.lang] = Title(row.lang, row.title)
    moderators: dict[int, set[int]] = defaultdict(set)
    for space_id, user_id in db.execute(queries.moderator_ids()):
        moderators[space_id].add(user_id)
    headers = []
    for space_id, ref in refs.items():
        title = pick_text(titles[space_id].values(), lang, original[space_id])
        headers.append(SpaceHeader(ref, title, frozenset(moderators[space_id])))
    return headers


def list_spaces(db: Session, viewer: Viewer, *, lang: str, now: datetime) -> list[SpaceView]:
    spaces, texts, moderators = _every_space(db)
    if not spaces:
        return []
    counts: dict[int, int] = {
        row[0]: row[1] for row in db.execute(queries.comment_counts([s.id for s in spaces]))
    }
    return [
        SpaceView(
            space=s,
            text=pick_text(texts[s.id], lang, s.original_lang),
            moderators=moderators[s.id],
            is_open=policy.space_is_open(s, now),
            comment_count=counts.get(s.id, 0),
        )
        for s in spaces
        if texts[s.id]
    ]


def load_space(db: Session, viewer: Viewer, slug: str, *, lang: str, now: datetime) -> SpaceView:
    space = db.scalar(queries.space_by_slug(slug))
    if space is None:
        raise NotFound
    return space_view(db, viewer, space, lang=lang, now=now)


def space_stamp(connection: Connection, slug: str, *, now: datetime) -> Stamp:
    """One small read that says whether a cached page of the space is still right."""
    row = connection.execute(queries.space_stamp(slug)).first()
    if row is None:
        raise NotFound
    phase = policy.space_phase(row.opens_at, row.closes_at, now)
    return Stamp(row.id, row.created_at, row.content_version, phase)


def space_of(db: Session, viewer: Viewer, space_id: int, *, lang: str, now: datetime) -> SpaceView:
    space = db.get(Space, space_id)
    if space is None:
        raise NotFound
    return space_view(db, viewer, space, lang=lang, now=now)


def space_view(db: Session, viewer: Viewer, space: Space, *, lang: str, now: datetime) -> SpaceView:
    texts = list(db.scalars(queries.texts_for([space.id])))
    if not texts:
        raise NotFound
    moderators = [
        Moderator(r.id, r.display_name) for r in db.execute(queries.moderators_for([space.id]))
    ]
    count = db.scalar(comment_queries.comment_count(space.id)) or 0
    return SpaceView(
        space=space,
        text=pick_text(texts, lang, space.original_lang),
        moderators=moderators,
        is_open=policy.space_is_open(space, now),
        comment_count=count,
    )


def _question_links(rows: Iterable[comment_queries.QuestionRow], lang: str) -> list[QuestionLink]:
    """One link per question, in the reader's language when the moderators gave one.

    Rows come one per (question, translation) pair, questions in order.
    """
    links: dict[int, QuestionLink] = {}
    for row in rows:
        if row.id not in links:
            links[row.id] = QuestionLink(row.id, row.number, _first_line(row.body_md), row.lang)
        if row.t_lang == lang and row.lang != lang:
            links[row.id] = QuestionLink(row.id, row.number, _first_line(row.t_body_md), lang)
    return list(links.values())


def question_links(db: Session, space_id: int, lang: str) -> list[QuestionLink]:
    return questions_of(db, [space_id], lang).get(space_id, [])


def questions_of(
    db: Session, space_ids: Iterable[int], lang: str, *, numbers: Collection[int] | None = None
) -> dict[int, list[QuestionLink]]:
    """Each space's question links (only these numbers, if given), in one query for all."""
    rows: dict[int, list[comment_queries.QuestionRow]] = defaultdict(list)
    for row in db.execute(comment_queries.question_index(*space_ids, numbers=numbers)):
        rows[row.space_id].append(row)
    return {
        space_id: _question_links(sorted(found, key=attrgetter("path")), lang)
        for space_id, found in rows.items()
    }


def _first_line(markdown: str, limit: int = 160) -> str:
    line = markdown.strip().splitlines()[0] if markdown.strip() else ""
    line = line.lstrip("#>*- ").strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def load_space_page(
    db: Session,
    viewer: Viewer,
    slug: str,
    *,
    lang: str,
    now: datetime,
    after: str | None,
    limit: int,
    max_shown_depth: int,
) -> SpacePage:
    view = load_space(db, viewer, slug, lang=lang, now=now)
    questions = question_links(db, view.space.id, lang)
    return _page(
        db,
        viewer,
        view,
        questions,
        lang=lang,
        after=after,
        limit=limit,
        max_shown_depth=max_shown_depth,
    )


def load_thread_page(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    *,
    lang: str,
    now: datetime,
    after: str | None,
    limit: int,
    max_shown_depth: int,
) -> SpacePage:
    """One comment and the replies below it, chunked like a space page."""
    view = space_view(db, viewer, db.get_one(Space, comment.space_id), lang=lang, now=now)
    return _page(
        db,
        viewer,
        view,
        [],
        lang=lang,
        after=after,
        limit=limit,
        max_shown_depth=max_shown_depth,
        within=comment.path,
        base_depth=comment.depth,
    )


def _page(
    db: Session,
    viewer: Viewer,
    view: SpaceView,
    questions: list[QuestionLink],
    *,
    lang: str,
    after: str | None,
    limit: int,
    max_shown_depth: int,
    within: str | None = None,
    base_depth: int = 0,
) -> SpacePage:
    space = view.space
    # A listing: hidden comments stay as placeholders (app/policy.py's read gate).
    chunk_query = policy.gate(
        db, comment_queries.space_chunk(space.id, after, limit + 1, within), Purpose.LISTING
    )
    # Plain column rows, no ORM objects: run on the connection, past the ORM's result
    # machinery and its events, so through the gate by hand (flushed first, as the
    # session would, so pending changes are seen).
    db.flush()
    conn = db.connection()
    rows = conn.execute(chunk_query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.id for r in rows]
    ctx = ViewContext(
        viewer=viewer,
        space=space,
        moderator_ids=view.moderator_ids,
        ui_lang=lang,
        max_shown_depth=min(max_shown_depth, space.max_shown_depth),
        base_depth=base_depth,
        locked_paths=tuple(conn.scalars(policy.gate(db, comment_queries.locked_paths(space.id)))),
    )
    comments = build_views(
        rows,
        conn.execute(policy.gate(db, comment_queries.translations_of()), {"ids": ids}).all()
        if ids
        else [],
        conn.execute(policy.gate(db, comment_queries.attachments_of()), {"ids": ids}).all()
        if ids
        else [],
        ctx,
        on_page=frozenset(ids),
    )
    return SpacePage(
        view=view,
        questions=questions,
        comments=comments,
        after=after,
        next_after=rows[-1].path if has_more and rows else None,
    )


def comment_alone(
    db: Session,
    viewer: Viewer,
    comment_id: int,
    view: SpaceView,
    *,
    lang: str,
    wanted: str | None = None,
) -> CommentView:
    """A comment drawn on its own, outside its thread (reply, report and tool pages)."""
    return comment_view(
        db,
        viewer,
        comment_id,
        space=view.space,
        moderator_ids=view.moderator_ids,
        ui_lang=lang,
        max_shown_depth=0,
        wanted_lang=wanted,
    )
