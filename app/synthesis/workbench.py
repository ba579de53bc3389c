"""The drafting workbench: a draft's space, filtered, beside the draft, and citing from it.

The left column lists the space's published comments (moderators' eyes, the PUBLISHED
purpose: what is offered is what a note may cite), each cut into its sentences, each
sentence a passage that becomes an excerpt by its offsets. A page reads a bounded number
of comments in a constant number of statements, however large the space.

Citing makes the excerpt (curation.service.mark_excerpt: verbatim, offsets checked) and
either hands its marker back to the page (with JavaScript, which puts it at the cursor),
or appends it to a section as a new paragraph and saves the draft from the version the
moderator was editing (drafts.service.save, so a stale save merges or conflicts as any).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.comments import threads
from app.curation import gcm
from app.curation import service as curation
from app.drafts import service as drafts
from app.drafts import title_block, versions
from app.drafts.syntax import Content
from app.errors import FormErrors, NotFound
from app.fulltext.query import parse
from app.i18n import LOCALES, gettext
from app.markup import plain_text
from app.models import (
    Comment,
    CommentTag,
    Curation,
    Embedding,
    Excerpt,
    NoteDraft,
    ObjectiveSuggestion,
    Space,
    Tag,
    Theme,
    ThemeMember,
    User,
)
from app.models.analysis import OWN_TEXT, SuggestionState
from app.models.comments import CommentKind, CommentStatus
from app.models.curation import DraftState, EditorialState
from app.policy import Viewer
from app.search import backends
from app.spaces import service as spaces
from app.spaces.service import QuestionLink
from app.synthesis import sentences, service, unheard
from app.synthesis.compute import question_of

PAGE_SIZE = 50  # comments per page of the left column
MAX_PAGE = 40  # 2,000 comments; a space larger than that is narrowed by its filters
FILTERS = ("question", "theme", "objective", "language", "state", "q")
# A sentence's button: comment:start:end, and the comment's version the offsets are of.
_SENTENCE = re.compile(r"(\d{1,10}):(\d{1,7}):(\d{1,7})(?::(\d{1,7}))?")
_COMMENT = re.compile(r"\d{1,10}")


@dataclass(frozen=True)
class Filters:
    """What the left column is narrowed to; a value that means nothing is left out."""

    question: int | None = None  # a question's comment id (as the search takes it)
    theme: int | None = None
    objective: int | None = None
    language: str | None = None
    state: EditorialState | None = None
    q: str = ""
    page: int = 1

    def query(self, page: int | None = None) -> dict[str, str]:
        """The address's query for these filters (and another page)."""
        found = {
            "question": str(self.question or ""),
            "theme": str(self.theme or ""),
            "objective": str(self.objective or ""),
            "language": self.language or "",
            "state": str(self.state or ""),
            "q": self.q,
        }
        number = self.page if page is None else page
        if number > 1:
            found["page"] = str(number)
        return {k: v for k, v in found.items() if v}

    def encoded(self, page: int | None = None) -> str:
        return urlencode(self.query(page))

    @property
    def any(self) -> bool:
        return bool(self.query(page=1))


def _number(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 else None


def read_filters(raw: Mapping[str, str]) -> Filters:
    """The filters as an address gives them; what cannot be read is ignored."""
    state = raw.get("state", "")
    language = raw.get("language", "")
    objective = _number(raw.get("objective"))
    page = _number(raw.get("page")) or 1
    return Filters(
        question=_number(raw.get("question")),
        theme=_number(raw.get("theme")),
        objective=objective if objective in gcm.OBJECTIVES else None,
        language=language if language in LOCALES else None,
        state=EditorialState(state) if state in set(EditorialState) else None,
        q=" ".join(raw.get("q", "").split())[:200],
        page=min(max(page, 1), MAX_PAGE),
    )


@dataclass(frozen=True)
class Piece:
    """A run of a comment's text: a citable sentence, or what lies between sentences."""

    start: int
    end: int
    text: str
    sentence: bool


@dataclass(frozen=True)
class Item:
    comment_id: int
    version: int
    author: str  # moderators know who wrote what
    lang: str
    created_at: datetime
    question: int | None  # the question's number
    theme_label: str | None
    state: EditorialState | None
    pieces: tuple[Piece, ...]

    @property
    def sentences(self) -> list[Piece]:
        return [p for p in self.pieces if p.sentence]


@dataclass(frozen=True)
class ThemeChoice:
    id: int
    question: int | None
    label: str


@dataclass(frozen=True)
class Listing:
    filters: Filters
    items: list[Item]
    total: int
    more: bool
    questions: list[QuestionLink]
    themes: list[ThemeChoice]
    objectives: list[tuple[int, str]]
    ignored_query: bool = False  # the words typed could not be searched


def pieces_of(text: str, spans: list[tuple[int, int]]) -> tuple[Piece, ...]:
    """The whole text, cut at its sentences (spans sorted, within the text)."""
    found: list[Piece] = []
    at = 0
    for start, end in sorted(spans):
        if start < at or end > len(text) or start >= end:
            continue
        if start > at:
            found.append(Piece(at, start, text[at:start], False))
        found.append(Piece(start, end, text[start:end], True))
        at = end
    if at < len(text):
        found.append(Piece(at, len(text), text[at:], False))
    return tuple(found)


def _themes(db: Session, space: Space, lang: str) -> list[ThemeChoice]:
    rows = db.scalars(
        select(Theme)
        .where(Theme.space_id == space.id, Theme.merged_into_id.is_(None))
        .order_by(Theme.question_number, Theme.kind, Theme.id)
    )
    return [ThemeChoice(t.id, t.question_number, service._label(t, lang)[0]) for t in rows]


def _conditions(
    db: Session,
    space: Space,
    filters: Filters,
    questions: list[QuestionLink],
    themes: list[ThemeChoice],
) -> tuple[Filters, list[ColumnElement[bool]], bool]:
    """The statement's conditions, and the filters as they apply (unknown ones dropped)."""
    published = [
        Comment.space_id == space.id,
        Comment.status == CommentStatus.PUBLISHED,
        Comment.kind == CommentKind.COMMENT,
    ]
    conditions = list(published)
    question = next((q for q in questions if q.id == filters.question), None)
    if question is not None:
        root = threads.root_path(is_question=True, number=question.number, comment_id=question.id)
        pinned = threads.pinned_path(root, pinned=True)
        conditions.append(or_(Comment.path.startswith(root), Comment.path.startswith(pinned)))
    theme = next((t for t in themes if t.id == filters.theme), None)
    if theme is not None:
        conditions.append(
            Comment.id.in_(select(ThemeMember.comment_id).where(ThemeMember.theme_id == theme.id))
        )
    if filters.objective is not None:
        tagged = exists().where(
            CommentTag.comment_id == Comment.id,
            Tag.id == CommentTag.tag_id,
            Tag.taxonomy == gcm.TAXONOMY,
            Tag.code == str(filters.objective),
        )
        suggested = exists().where(
            ObjectiveSuggestion.comment_id == Comment.id,
            ObjectiveSuggestion.code == filters.objective,
            ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
        )
        conditions.append(or_(tagged, suggested))
    if filters.language is not None:
        conditions.append(Comment.lang == filters.language)
    if filters.state is not None:
        conditions.append(
            exists().where(Curation.comment_id == Comment.id, Curation.state == filters.state)
        )
    ignored = False
    words = filters.q
    if words:
        query = parse(words)
        if query.ok and query.words:
            hits = backends.candidates(db.get_bind().dialect.name, query, tuple(LOCALES), published)
            conditions.append(Comment.id.in_(select(hits.c.comment_id)))
        else:
            ignored, words = True, ""
    applied = Filters(
        question=question.id if question else None,
        theme=theme.id if theme else None,
        objective=filters.objective,
        language=filters.language,
        state=filters.state,
        q=filters.q if words else "",
        page=filters.page,
    )
    return applied, conditions, ignored


def listing(
    db: Session, viewer: Viewer, space: Space, raw: Mapping[str, str], lang: str
) -> Listing:
    """One page of the space's published comments under the filters, cut into sentences."""
    service.require_moderator(viewer, space.id)
    questions = spaces.question_links(db, space.id, lang)
    themes = _themes(db, space, lang)
    filters, conditions, ignored = _conditions(db, space, read_filters(raw), questions, themes)
    backends.without_parallel_workers(db)
    rows = db.execute(
        policy.for_purpose(
            select(
                Comment.id,
                Comment.lang,
                Comment.path,
                Comment.created_at,
                Comment.version,
                Comment.body_html,
                User.display_name,
                func.count().over().label("total"),
            )
            .join(User, User.id == Comment.author_id)
            .where(*conditions)
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(PAGE_SIZE)
            .offset((filters.page - 1) * PAGE_SIZE),
            policy.Purpose.PUBLISHED,
        )
    ).all()
    total = rows[0].total if rows else 0
    ids = [r.id for r in rows]
    labels = {t.id: t.label for t in themes}
    member_of: dict[int, int] = {}
    spans: dict[int, tuple[int, list[list[int]]]] = {}
    states: dict[int, EditorialState] = {}
    if ids:
        member_of = {
            r.comment_id: r.theme_id
            for r in db.execute(
                select(ThemeMember.comment_id, ThemeMember.theme_id).where(
                    ThemeMember.comment_id.in_(ids)
                )
            )
        }
        spans = {
            r.comment_id: (r.comment_version, r.sentences)
            for r in db.execute(
                select(Embedding.comment_id, Embedding.comment_version, Embedding.sentences).where(
                    Embedding.comment_id.in_(ids), Embedding.text_key == OWN_TEXT
                )
            )
        }
        states = {
            r.comment_id: r.state
            for r in db.execute(
                select(Curation.comment_id, Curation.state).where(Curation.comment_id.in_(ids))
            )
        }
    items = []
    for r in rows:
        text = plain_text(r.body_html)
        stored = spans.get(r.id)
        if stored is not None and stored[0] == r.version:
            cuts = [(int(s), int(e)) for s, e in stored[1]]
        else:
            cuts = sentences.spans(text)
        theme_id = member_of.get(r.id)
        items.append(
            Item(
                comment_id=r.id,
                version=r.version,
                author=r.display_name,
                lang=r.lang,
                created_at=r.created_at,
                question=question_of(r.path),
                theme_label=labels.get(theme_id) if theme_id is not None else None,
                state=states.get(r.id),
                pieces=pieces_of(text, cuts),
            )
        )
    more = filters.page < MAX_PAGE and filters.page * PAGE_SIZE < total
    objectives = [(code, gcm.label(code, lang)) for code in gcm.OBJECTIVES]
    return Listing(filters, items, total, more, questions, themes, objectives, ignored)


# --- the unheard check, as the page shows it -------------------------------------------

KINDS = tuple(unheard.GapKind)


@dataclass(frozen=True)
class Unheard:
    groups: list[tuple[unheard.GapKind, list[unheard.Gap]]]
    questions: dict[str, str]  # a question's number → its text

    @property
    def empty(self) -> bool:
        return not any(gaps for _kind, gaps in self.groups)


def unheard_of(db: Session, viewer: Viewer, draft: NoteDraft, space: Space, lang: str) -> Unheard:
    gaps = unheard.check(db, viewer, draft, space, lang)
    groups = [(kind, [g for g in gaps if g.kind == kind]) for kind in KINDS]
    questions = {str(q.number): q.text for q in spaces.question_links(db, space.id, lang)}
    return Unheard([(k, g) for k, g in groups if g], questions)


# --- citing ----------------------------------------------------------------------------


@dataclass
class Cited:
    excerpt: Excerpt
    section: str | None = None  # where the marker went (without JavaScript)
    draft: NoteDraft | None = None

    @property
    def marker(self) -> str:
        return f"[e:{self.excerpt.id}]"


@dataclass(frozen=True)
class CiteForm:
    """A citing request: which passage (a sentence's button, or a free selection), and,
    without JavaScript, the section to append it to and the draft as it was being edited."""

    cite: str = ""
    comment_id: int | None = None
    passage: str = ""
    start: int | None = None
    section: str = ""
    base_version: int = -1
    title: str | None = None
    sections: dict[str, str] | None = None  # as typed, when the form sent them
    block: dict[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def passage_field(self) -> str:
        """The field the passage came from, for its error."""
        if _COMMENT.fullmatch(self.cite):
            return f"passage-{self.cite}"
        return "passage" if self.passage else "cite"


def read_cite_form(draft: NoteDraft, form: Mapping[str, object]) -> CiteForm:
    spec = drafts.template_of(draft)
    given = {k: str(v) for k, v in form.items() if v is not None}
    sections = None
    if any(k.startswith("section_") for k in given):
        sections = {s.key: given.get(f"section_{s.key}", "") for s in spec.sections}
    block = title_block.form_values(given) if any(k.startswith("block_") for k in given) else None
    cite = given.get("cite", "").strip()
    comment_id = _number(given.get("comment_id"))
    passage = given.get("passage", "")
    start = _number(given.get("start"))
    if _COMMENT.fullmatch(cite):
        comment_id = int(cite)
        passage = given.get(f"passage-{cite}", "") or passage
        start = _number(given.get(f"start-{cite}"))
    base = given.get("base_version", "")
    return CiteForm(
        cite=cite,
        comment_id=comment_id,
        passage=passage,
        start=start,
        section=given.get("section", ""),
        base_version=int(base) if base.lstrip("-").isdigit() and len(base) < 10 else -1,
        title=given.get("title"),
        sections=sections,
        block=block,
        extra={k: v for k, v in given.items() if k.startswith(("passage-", "start-"))},
    )


def _frozen() -> FormErrors:
    return FormErrors(
        {
            "new-version": gettext(
                "This draft is approved, so it can no longer change: start a new version"
                " to edit it. What you typed is kept below."
            )
        }
    )


def _comment(db: Session, draft: NoteDraft, comment_id: int | None) -> Comment | None:
    if comment_id is None:
        return None
    return db.scalar(
        policy.for_purpose(
            select(Comment).where(
                Comment.id == comment_id,
                Comment.space_id == draft.space_id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.kind == CommentKind.COMMENT,
            ),
            policy.Purpose.PUBLISHED,
        )
    )


def _excerpt(
    db: Session, viewer: Viewer, draft: NoteDraft, form: CiteForm, now: datetime
) -> Excerpt:
    sentence = _SENTENCE.fullmatch(form.cite)
    comment_id = int(sentence.group(1)) if sentence else form.comment_id
    comment = _comment(db, draft, comment_id)
    key = form.passage_field()
    if comment is None:
        raise FormErrors({key: gettext("This comment cannot be cited: it is not published here.")})
    at: int | None
    if sentence:
        text = plain_text(comment.body_html)
        start, end = int(sentence.group(2)), int(sentence.group(3))
        edited = sentence.group(4) is not None and int(sentence.group(4)) != comment.version
        if edited or not 0 <= start < end <= len(text):
            raise FormErrors({key: gettext("This passage is not in the comment as it reads now.")})
        passage, at = text[start:end], start
    else:
        passage, at = form.passage, form.start
    try:
        return curation.mark_excerpt(
            db, viewer, comment, lang=comment.lang, passage=passage, start=at, now=now
        )
    except FormErrors as refusal:
        message = next(iter(refusal.errors.values()), "")
        raise FormErrors({key: message}) from refusal


def cite_at_cursor(
    db: Session, viewer: Viewer, draft: NoteDraft, form: CiteForm, now: datetime
) -> Cited:
    """Make the excerpt; the page puts its marker where the cursor is (nothing is saved)."""
    service.require_moderator(viewer, draft.space_id)
    if draft.state == DraftState.APPROVED:
        raise _frozen()
    return Cited(_excerpt(db, viewer, draft, form, now))


def cite_and_save(
    db: Session, viewer: Viewer, draft: NoteDraft, form: CiteForm, now: datetime
) -> Cited:
    """Make the excerpt and append its marker to a section as a new paragraph, saved from
    the version the form was editing (a stale one merges, or raises drafts.Conflict with
    the excerpt made: the marker is then in the text sent back)."""
    service.require_moderator(viewer, draft.space_id)
    spec = drafts.template_of(draft)
    keys = [s.key for s in spec.sections]
    if form.section not in keys:
        raise FormErrors({"section": gettext("Choose a section of this draft.")})
    if draft.state == DraftState.APPROVED:
        raise _frozen()
    if form.base_version == draft.version:
        base_title, base_sections = draft.title, Content.of(draft.content).sections
    else:
        try:
            revision = versions.version_of(db, viewer, draft, form.base_version)
        except NotFound as gone:
            message = gettext("This draft changed; reload it to continue.")
            raise FormErrors({"version": message}) from gone
        base_title, base_sections = revision.title, Content.of(revision.content).sections
    mine = dict(form.sections) if form.sections is not None else dict(base_sections)
    excerpt = _excerpt(db, viewer, draft, form, now)
    marker = f"[e:{excerpt.id}]"
    before = mine.get(form.section, "").rstrip()
    mine[form.section] = f"{before}\n\n{marker}" if before else marker
    cited = Cited(excerpt, form.section)
    cited.draft = drafts.save(
        db,
        viewer,
        draft,
        base_version=form.base_version,
        title=form.title if form.title is not None else base_title,
        sections=mine,
        block=form.block,
        now=now,
    )
    return cited


def typed_sections(draft: NoteDraft, form: CiteForm) -> dict[str, str]:
    """What the form held, to draw again after a refusal (the saved text if nothing)."""
    if form.sections is not None:
        return form.sections
    return Content.of(draft.content).sections
