"""The workbench as moderators see and steer it: themes with their passages, duplicates,
suggested objectives, progress, and the decisions they make about them.

Only a space's moderators see any of it. Words are read under the PUBLISHED purpose:
what a theme shows is what a note may cite, and a comment hidden since the themes were
computed drops out of them at once (the themes are then marked stale).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app import policy
from app.curation import gcm
from app.curation import service as curation
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import LOCALES, gettext
from app.markup import plain_text
from app.models import (
    Comment,
    CommentTranslation,
    Embedding,
    Excerpt,
    NearDuplicate,
    ObjectiveSuggestion,
    Space,
    SpaceAnalysis,
    Theme,
    ThemeMember,
    User,
)
from app.models.analysis import OWN_TEXT, SuggestionState, ThemeKind
from app.models.comments import CommentKind, CommentStatus
from app.policy import Viewer
from app.synthesis import queue
from app.text import clean_line, line_problem

MAX_NAME = 120
MOSTLY = 0.6  # a theme is "raised mostly in" a language holding this share of its comments


def require_moderator(viewer: Viewer, space_id: int) -> None:
    if not policy.can_moderate(viewer, space_id):
        raise Forbidden(gettext("Only the space's moderators can do this."))


@dataclass(frozen=True)
class Progress:
    analysed: int  # published comments with a current vector
    total: int
    computed_at: datetime | None
    stale: bool  # comments changed since the themes were computed
    wanted: bool  # a recomputation is queued


def progress(db: Session, viewer: Viewer, space: Space) -> Progress:
    require_moderator(viewer, space.id)
    published = (
        select(Comment.id)
        .where(
            Comment.space_id == space.id,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.kind == CommentKind.COMMENT,
        )
        .scalar_subquery()
    )
    total = (
        db.scalar(select(func.count()).select_from(Comment).where(Comment.id.in_(published))) or 0
    )
    current = (
        db.scalar(
            select(func.count())
            .select_from(Embedding)
            .join(Comment, Comment.id == Embedding.comment_id)
            .where(
                Embedding.comment_id.in_(published),
                Embedding.text_key == OWN_TEXT,
                Embedding.comment_version == Comment.version,
            )
        )
        or 0
    )
    waiting = queue.pending_in(db, space.id)
    analysis = db.get(SpaceAnalysis, space.id)
    computed = analysis.computed_at if analysis and analysis.content_version >= 0 else None
    stale = analysis is None or analysis.content_version != space.content_version
    return Progress(
        min(current, max(total - waiting, 0)) if waiting else current,
        total,
        computed,
        bool(total) and stale,
        bool(analysis and analysis.wanted),
    )


def ask_recompute(db: Session, viewer: Viewer, space: Space) -> None:
    require_moderator(viewer, space.id)
    queue.want(db, {space.id})


@dataclass(frozen=True)
class Passage:
    theme_id: int
    index: int
    comment_id: int
    lang: str
    start: int
    end: int
    text: str
    author: str


@dataclass(frozen=True)
class ThemeView:
    id: int
    question: int | None
    kind: ThemeKind
    label: str
    label_lang: str | None  # the label's language when it is not the page's
    named: bool  # the label is a moderator's
    comment_ids: tuple[int, ...]
    comments: int  # a group of near-duplicates counts once
    repeated: int  # comments left out of `comments` as repeats of another
    contributors: int
    languages: tuple[tuple[str, int], ...]  # by count, largest first
    mostly: str | None
    objectives: tuple[tuple[int, str], ...]
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Board:
    progress: Progress
    themes: tuple[ThemeView, ...]

    def of_question(self, number: int | None) -> list[ThemeView]:
        return [t for t in self.themes if t.question == number]

    @property
    def questions(self) -> list[int | None]:
        return sorted({t.question for t in self.themes}, key=lambda q: (q is None, q or 0))


@dataclass(frozen=True)
class _Member:
    comment_id: int
    author_id: int
    lang: str
    version: int


def board(
    db: Session,
    viewer: Viewer,
    space: Space,
    lang: str,
    *,
    question: int | None = None,
    all_questions: bool = True,
) -> Board:
    """The themes of a space (or of one question), each with what it holds now."""
    require_moderator(viewer, space.id)
    statement = select(Theme).where(Theme.space_id == space.id, Theme.merged_into_id.is_(None))
    if not all_questions:
        statement = statement.where(Theme.question_number == question)
    themes = list(db.scalars(statement.order_by(Theme.question_number, Theme.kind, Theme.id)))
    ids = [t.id for t in themes]
    members: dict[int, list[_Member]] = defaultdict(list)
    for row in db.execute(
        policy.for_purpose(
            select(
                ThemeMember.theme_id, Comment.id, Comment.author_id, Comment.lang, Comment.version
            )
            .join(Comment, Comment.id == ThemeMember.comment_id)
            .where(ThemeMember.theme_id.in_(ids), Comment.status == CommentStatus.PUBLISHED)
            .order_by(Comment.id),
            policy.Purpose.PUBLISHED,
        )
    ):
        members[row.theme_id].append(_Member(row.id, row.author_id, row.lang, row.version))
    in_themes = [m.comment_id for ms in members.values() for m in ms]
    groups = dict(
        db.execute(
            select(NearDuplicate.comment_id, NearDuplicate.group_id).where(
                NearDuplicate.comment_id.in_(in_themes)
            )
        )
        .tuples()
        .all()
    )
    objectives = objectives_of(db, in_themes)
    texts = _texts(db, [p for t in themes for p in t.passages])
    authors = _authors(db, {int(str(p["comment_id"])) for t in themes for p in t.passages})
    views = []
    for theme in themes:
        held = members[theme.id]
        if not held and theme.kind is ThemeKind.OTHER:
            continue
        views.append(_view(theme, held, groups, objectives, texts, authors, lang))
    return Board(progress(db, viewer, space), tuple(views))


def _view(
    theme: Theme,
    held: list[_Member],
    groups: dict[int, int],
    objectives: dict[int, set[int]],
    texts: dict[tuple[int, str], str],
    authors: dict[int, str],
    lang: str,
) -> ThemeView:
    distinct = {groups.get(m.comment_id, -m.comment_id) for m in held}
    by_lang = Counter(m.lang for m in held)
    shares = tuple(sorted(by_lang.items(), key=lambda kv: (-kv[1], kv[0])))
    mostly = (
        shares[0][0] if held and len(shares) > 1 and shares[0][1] >= MOSTLY * len(held) else None
    )
    counted = Counter(code for m in held for code in objectives.get(m.comment_id, ()))
    floor = max(2, len(held) // 4)
    top = [code for code, n in counted.most_common(3) if n >= floor]
    label, label_lang = _label(theme, lang)
    current = {m.comment_id: m.version for m in held}
    passages = []
    for index, p in enumerate(theme.passages):
        comment_id, key = int(str(p["comment_id"])), str(p["text_key"])
        start, end = int(str(p["start"])), int(str(p["end"]))
        text = texts.get((comment_id, key))
        # Shown only while the comment reads as it did: a verbatim passage or nothing.
        if comment_id not in current or current[comment_id] != int(str(p["comment_version"])):
            continue
        if text is None or end > len(text):
            continue
        passages.append(
            Passage(
                theme.id,
                index,
                comment_id,
                str(p["lang"]),
                start,
                end,
                text[start:end],
                authors.get(comment_id, ""),
            )
        )
    return ThemeView(
        id=theme.id,
        question=theme.question_number,
        kind=theme.kind,
        label=label,
        label_lang=label_lang,
        named=bool(theme.name),
        comment_ids=tuple(m.comment_id for m in held),
        comments=len(distinct),
        repeated=len(held) - len(distinct),
        contributors=len({m.author_id for m in held}),
        languages=shares,
        mostly=mostly,
        objectives=tuple((code, gcm.label(code, lang)) for code in top),
        passages=tuple(passages),
    )


def _label(theme: Theme, lang: str) -> tuple[str, str | None]:
    if theme.kind is ThemeKind.OTHER:
        return gettext("Set apart: off-topic, very short or unlike the others"), None
    if theme.name:
        return theme.name, None
    if lang in theme.labels:
        return theme.labels[lang], None
    for other in LOCALES:
        if other in theme.labels:
            return theme.labels[other], other
    return gettext("Theme %(number)s", number=theme.id), None


def objectives_of(db: Session, comment_ids: Sequence[int]) -> dict[int, set[int]]:
    """Per comment: objectives tagged by moderators, or suggested and not dismissed."""
    found: dict[int, set[int]] = defaultdict(set)
    for comment_id, code in curation.objective_tags(db, comment_ids):
        found[comment_id].add(code)
    for row in db.execute(
        select(ObjectiveSuggestion.comment_id, ObjectiveSuggestion.code).where(
            ObjectiveSuggestion.comment_id.in_(comment_ids),
            ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
        )
    ):
        found[row.comment_id].add(row.code)
    return found


def _texts(db: Session, passages: Iterable[dict[str, object]]) -> dict[tuple[int, str], str]:
    """The published words of the texts these passages come from."""
    wanted = {(int(str(p["comment_id"])), str(p["text_key"])) for p in passages}
    ids = sorted({c for c, _k in wanted})
    found: dict[tuple[int, str], str] = {}
    for row in db.execute(
        policy.for_purpose(
            select(Comment.id, Comment.body_html).where(Comment.id.in_(ids)),
            policy.Purpose.PUBLISHED,
        )
    ):
        found[(row.id, OWN_TEXT)] = plain_text(row.body_html)
    for tr in db.execute(
        policy.for_purpose(
            select(
                CommentTranslation.comment_id, CommentTranslation.lang, CommentTranslation.body_html
            ).where(CommentTranslation.comment_id.in_(ids)),
            policy.Purpose.PUBLISHED,
        )
    ):
        found[(tr.comment_id, tr.lang)] = plain_text(tr.body_html)
    return {key: text for key, text in found.items() if key in wanted}


def _authors(db: Session, comment_ids: set[int]) -> dict[int, str]:
    """Who wrote each comment, for moderators (who always know it)."""
    return dict(
        db.execute(
            policy.for_purpose(
                select(Comment.id, User.display_name)
                .join(User, User.id == Comment.author_id)
                .where(Comment.id.in_(sorted(comment_ids))),
                policy.Purpose.PUBLISHED,
            )
        )
        .tuples()
        .all()
    )


# --- decisions -------------------------------------------------------------------------


def theme_of(db: Session, viewer: Viewer, theme_id: int) -> Theme:
    """A theme still standing (not merged away), for its space's moderators."""
    theme = db.get(Theme, theme_id)
    if theme is None or theme.merged_into_id is not None:
        raise NotFound
    require_moderator(viewer, theme.space_id)
    return theme


def rename(db: Session, viewer: Viewer, theme_id: int, name: str) -> Theme:
    """Name a theme (an empty name gives it back its computed label)."""
    theme = theme_of(db, viewer, theme_id)
    if (problem := line_problem(name)) is not None:
        raise FormErrors({"name": problem})
    text = clean_line(name)
    if len(text) > MAX_NAME:
        raise FormErrors({"name": gettext("Keep a theme's name under 120 characters.")})
    theme.name = text
    db.flush()
    return theme


def _place(db: Session, theme: Theme, comment_ids: Iterable[int]) -> None:
    for comment_id in comment_ids:
        db.execute(delete(ThemeMember).where(ThemeMember.comment_id == comment_id))
        db.add(ThemeMember(comment_id=comment_id, theme_id=theme.id, pinned=True))
    db.flush()


def _members(db: Session, theme_id: int) -> list[int]:
    return list(
        db.scalars(
            select(ThemeMember.comment_id)
            .where(ThemeMember.theme_id == theme_id)
            .order_by(ThemeMember.comment_id)
        )
    )


def merge(db: Session, viewer: Viewer, theme_id: int, into_id: int | None) -> Theme:
    """Fold a theme into another of the same question; later groupings that continue the
    folded theme continue the other."""
    theme = theme_of(db, viewer, theme_id)
    if into_id is None:
        raise FormErrors({"into": gettext("Choose the theme to merge it into.")})
    into = theme_of(db, viewer, into_id)
    if into.id == theme.id or (into.space_id, into.question_number) != (
        theme.space_id,
        theme.question_number,
    ):
        raise FormErrors({"into": gettext("Choose another theme of the same question.")})
    if ThemeKind.OTHER in (theme.kind, into.kind):
        raise FormErrors({"into": gettext("Comments set apart are moved, not merged.")})
    _place(db, into, _members(db, theme.id))
    theme.merged_into_id = into.id
    db.execute(update(Theme).where(Theme.merged_into_id == theme.id).values(merged_into_id=into.id))
    db.flush()
    return into


def split(
    db: Session, viewer: Viewer, theme_id: int, comment_ids: Sequence[int], name: str
) -> Theme:
    """Make a new theme of some of a theme's comments."""
    theme = theme_of(db, viewer, theme_id)
    chosen = sorted(set(comment_ids) & set(_members(db, theme.id)))
    if not chosen:
        raise FormErrors({"comments": gettext("Tick the comments that make the new theme.")})
    fresh = Theme(
        space_id=theme.space_id,
        question_number=theme.question_number,
        kind=ThemeKind.THEME,
        name="",
        labels={},
        passages=[],
    )
    db.add(fresh)
    db.flush()
    if name.strip():
        rename(db, viewer, fresh.id, name)
    _place(db, fresh, chosen)
    return fresh


def move(db: Session, viewer: Viewer, comment: Comment, theme_id: int | None) -> Theme:
    """Put a comment in another theme of its question, for good."""
    if theme_id is None:
        raise FormErrors({"theme": gettext("Choose a theme.")})
    theme = theme_of(db, viewer, theme_id)
    current = db.scalar(
        select(Theme)
        .join(ThemeMember, ThemeMember.theme_id == Theme.id)
        .where(ThemeMember.comment_id == comment.id)
    )
    if comment.space_id != theme.space_id or (
        current is not None and current.question_number != theme.question_number
    ):
        raise FormErrors({"theme": gettext("Choose a theme of this comment's question.")})
    _place(db, theme, [comment.id])
    return theme


def _passage(db: Session, viewer: Viewer, theme_id: int, index: int) -> tuple[Comment, Passage]:
    theme = theme_of(db, viewer, theme_id)
    space = db.get(Space, theme.space_id)
    assert space is not None
    shown = board(db, viewer, space, "en", question=theme.question_number, all_questions=False)
    view = next(
        (p for t in shown.themes if t.id == theme.id for p in t.passages if p.index == index),
        None,
    )
    comment = db.get(Comment, view.comment_id) if view else None
    if view is None or comment is None:
        raise FormErrors(
            {"passage": gettext("This passage is not in the comment as it reads now.")}
        )
    return comment, view


def keep_passage(db: Session, viewer: Viewer, theme_id: int, index: int, now: datetime) -> Excerpt:
    """Keep a theme's representative passage as an excerpt, by its offsets."""
    comment, found = _passage(db, viewer, theme_id, index)
    return curation.mark_excerpt(
        db, viewer, comment, lang=found.lang, passage=found.text, start=found.start, now=now
    )


def assign_passage(
    db: Session, viewer: Viewer, theme_id: int, index: int, section: str, now: datetime
) -> Excerpt:
    """Keep the passage as an excerpt and set it aside for a section of the notes."""
    excerpt = keep_passage(db, viewer, theme_id, index, now)
    comment = db.get(Comment, excerpt.comment_id)
    assert comment is not None
    curation.assign(db, viewer, comment, section=section, excerpt_id=excerpt.id, now=now)
    return excerpt


def _suggestion(db: Session, viewer: Viewer, comment: Comment, code: int) -> ObjectiveSuggestion:
    require_moderator(viewer, comment.space_id)
    row = db.get(ObjectiveSuggestion, (comment.id, code))
    if row is None or row.state is not SuggestionState.SUGGESTED:
        raise NotFound
    return row


def accept(db: Session, viewer: Viewer, comment: Comment, code: int, now: datetime) -> None:
    """Tag the comment with the suggested objective."""
    row = _suggestion(db, viewer, comment, code)
    curation.add_tag(db, viewer, comment, objective=str(code), now=now)
    db.delete(row)
    db.flush()


def dismiss(db: Session, viewer: Viewer, comment: Comment, code: int, now: datetime) -> None:
    """Never suggest this objective for this comment again."""
    row = _suggestion(db, viewer, comment, code)
    row.state = SuggestionState.DISMISSED
    row.decided_by_id = viewer.user_id
    row.decided_at = now
    db.flush()


@dataclass(frozen=True)
class Repeat:
    comment_id: int
    lang: str
    author: str
    similarity: float
    text: str


def near_duplicates(db: Session, viewer: Viewer, space: Space) -> list[list[Repeat]]:
    """Groups of published comments making the same point, largest first."""
    require_moderator(viewer, space.id)
    rows = db.execute(
        policy.for_purpose(
            select(
                NearDuplicate.group_id,
                Comment.id,
                Comment.lang,
                Comment.body_html,
                User.display_name,
                NearDuplicate.similarity,
            )
            .join(Comment, Comment.id == NearDuplicate.comment_id)
            .join(User, User.id == Comment.author_id)
            .where(NearDuplicate.space_id == space.id)
            .order_by(NearDuplicate.group_id, Comment.id),
            policy.Purpose.PUBLISHED,
        )
    ).all()
    groups: dict[int, list[Repeat]] = defaultdict(list)
    for row in rows:
        groups[row.group_id].append(
            Repeat(row.id, row.lang, row.display_name, row.similarity, plain_text(row.body_html))
        )
    found = [g for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), g[0].comment_id))


# --- what the themes pages show besides the board ----------------------------------------


@dataclass(frozen=True)
class MemberComment:
    id: int
    lang: str
    author: str
    text: str


def members_of(
    db: Session, viewer: Viewer, space: Space, theme_ids: Sequence[int]
) -> dict[int, list[MemberComment]]:
    """The published comments of these themes, with their words and authors."""
    require_moderator(viewer, space.id)
    found: dict[int, list[MemberComment]] = defaultdict(list)
    for row in db.execute(
        policy.for_purpose(
            select(
                ThemeMember.theme_id,
                Comment.id,
                Comment.lang,
                Comment.body_html,
                User.display_name,
            )
            .join(Comment, Comment.id == ThemeMember.comment_id)
            .join(User, User.id == Comment.author_id)
            .where(
                ThemeMember.theme_id.in_(theme_ids),
                Comment.space_id == space.id,
                Comment.status == CommentStatus.PUBLISHED,
            )
            .order_by(Comment.id),
            policy.Purpose.PUBLISHED,
        )
    ):
        found[row.theme_id].append(
            MemberComment(row.id, row.lang, row.display_name, plain_text(row.body_html))
        )
    return found


@dataclass(frozen=True)
class ThemePage:
    space: Space
    theme: ThemeView
    comments: list[MemberComment]
    others: list[ThemeView]  # the other themes of its question, where comments can go


def theme_page(db: Session, viewer: Viewer, theme_id: int, lang: str) -> ThemePage:
    """One theme with its comments, and the other themes of its question."""
    theme = theme_of(db, viewer, theme_id)
    space = db.get(Space, theme.space_id)
    assert space is not None
    shown = board(db, viewer, space, lang, question=theme.question_number, all_questions=False)
    view = next((t for t in shown.themes if t.id == theme.id), None)
    if view is None:  # a theme of comments set apart, none of them left
        view = _view(theme, [], {}, {}, {}, {}, lang)
    return ThemePage(
        space,
        view,
        members_of(db, viewer, space, [theme.id]).get(theme.id, []),
        [t for t in shown.themes if t.id != theme.id],
    )


def kept_passages(db: Session, passages: Iterable[Passage]) -> set[tuple[int, str, int, int]]:
    """Which of these passages are already kept as excerpts (comment, language, offsets)."""
    wanted = {(p.comment_id, p.lang, p.start, p.end) for p in passages}
    if not wanted:
        return set()
    rows = db.execute(
        select(Excerpt.comment_id, Excerpt.lang, Excerpt.start, Excerpt.end).where(
            Excerpt.comment_id.in_(sorted({w[0] for w in wanted}))
        )
    )
    found = {(row.comment_id, row.lang, row.start, row.end) for row in rows}
    return found & wanted


# --- for scripts (`roundtable themes`, `roundtable near-duplicates`) -------------------


def as_moderator(space: Space) -> Viewer:
    """The operator's eyes on one space, for the command line."""
    return Viewer(moderated_space_ids=frozenset({space.id}))


def board_report(board: Board, lang: str) -> dict[str, object]:
    progress = board.progress
    return {
        "lang": lang,
        "computed_at": progress.computed_at.isoformat() if progress.computed_at else None,
        "stale": progress.stale,
        "analysed": progress.analysed,
        "comments": progress.total,
        "themes": [
            {
                "id": t.id,
                "question": t.question,
                "kind": str(t.kind),
                "label": t.label,
                "named": t.named,
                "comment_ids": list(t.comment_ids),
                "comments": t.comments,
                "repeated": t.repeated,
                "contributors": t.contributors,
                "languages": dict(t.languages),
                "objectives": [code for code, _label in t.objectives],
                "passages": [
                    {
                        "comment_id": p.comment_id,
                        "lang": p.lang,
                        "start": p.start,
                        "end": p.end,
                        "text": p.text,
                    }
                    for p in t.passages
                ],
            }
            for t in board.themes
        ],
    }


def duplicates_report(groups: list[list[Repeat]]) -> dict[str, object]:
    return {
        "groups": [
            [
                {"comment_id": r.comment_id, "lang": r.lang, "similarity": round(r.similarity, 4)}
                for r in group
            ]
            for group in groups
        ]
    }
