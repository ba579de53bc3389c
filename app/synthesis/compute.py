"""Computing a space's themes, passages, near-duplicates and objective suggestions.

Three steps, so that SQLite's one writer is held for milliseconds, not seconds: read what
the space holds (a read-only unit of work), compute (numpy, sklearn: no database), write
the outcome (one short transaction, which re-reads what moderators may have decided in
between). Only published comments count: what a note may cite.

Moderators' decisions survive: comments they placed (`pinned`) are not regrouped, a
theme keeps its id (and so its name) when the new grouping continues it, and a theme
merged away hands its future matches to the theme it was merged into.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app import policy
from app.curation import gcm
from app.i18n import LOCALES
from app.markup import plain_text
from app.models import (
    Comment,
    CommentTag,
    CommentTranslation,
    Embedding,
    NearDuplicate,
    ObjectiveSuggestion,
    Space,
    SpaceAnalysis,
    Tag,
    Theme,
    ThemeMember,
)
from app.models.analysis import OWN_TEXT, SuggestionState, ThemeKind
from app.models.comments import CommentKind, CommentStatus
from app.synthesis import grouping, labels, objectives, passages
from app.synthesis.embedder import Embedder, Vectors
from app.synthesis.vectors import pack, unpack

DIM = 384


def question_of(path: str) -> int | None:
    """The number of the question a comment's thread hangs from (None: a participant's
    own post). The root's segment holds it (comments.threads.root_path)."""
    if path[:1] in ("0", "1"):
        return int(path[1:11])
    return None


@dataclass
class Text:
    text_key: str
    lang: str
    words: str
    vector: Vectors
    spans: list[list[int]]
    sentence_vectors: Vectors
    _lemmas: list[str] | None = None

    @property
    def lemmas(self) -> list[str]:
        """Its words as lemmas, worked out once per computation (labels read them often)."""
        if self._lemmas is None:
            self._lemmas = labels.lemmas(self.words, self.lang)
        return self._lemmas


@dataclass
class Item:
    comment_id: int
    author_id: int
    lang: str
    version: int
    question: int | None
    texts: list[Text] = field(default_factory=list)

    @property
    def own(self) -> Text | None:
        return next((t for t in self.texts if t.text_key == OWN_TEXT), None)


@dataclass
class Snapshot:
    """What a recomputation starts from."""

    space_id: int
    content_version: int
    items: list[Item]
    themes: list[grouping.Known]
    kinds: dict[int, tuple[ThemeKind, int | None]]  # theme id → kind, question
    tagged: set[tuple[int, int]]  # (comment, objective) already tagged
    dismissed: set[tuple[int, int]]


def read(db: Session, space_id: int, model: str) -> Snapshot:
    policy.read_as(db, policy.ANONYMOUS, policy.Purpose.SYSTEM)
    version = db.scalar(select(Space.content_version).where(Space.id == space_id)) or 0
    rows = db.execute(
        select(
            Comment.id,
            Comment.author_id,
            Comment.lang,
            Comment.version,
            Comment.path,
            Comment.body_html,
        ).where(
            Comment.space_id == space_id,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.kind == CommentKind.COMMENT,
        )
    ).all()
    items = {r.id: Item(r.id, r.author_id, r.lang, r.version, question_of(r.path)) for r in rows}
    words: dict[tuple[int, str], tuple[str, str]] = {
        (r.id, OWN_TEXT): (r.lang, plain_text(r.body_html)) for r in rows
    }
    for t in db.execute(
        select(CommentTranslation.comment_id, CommentTranslation.lang, CommentTranslation.body_html)
        .join(Comment, Comment.id == CommentTranslation.comment_id)
        .where(Comment.space_id == space_id, Comment.status == CommentStatus.PUBLISHED)
    ):
        words[(t.comment_id, t.lang)] = (t.lang, plain_text(t.body_html))
    for e in db.execute(
        select(
            Embedding.comment_id,
            Embedding.text_key,
            Embedding.comment_version,
            Embedding.vector,
            Embedding.sentences,
            Embedding.sentence_vectors,
        )
        .join(Comment, Comment.id == Embedding.comment_id)
        .where(
            Comment.space_id == space_id,
            Comment.status == CommentStatus.PUBLISHED,
            Embedding.model == model,
        )
    ):
        item, found = items.get(e.comment_id), words.get((e.comment_id, e.text_key))
        if item is None or found is None:
            continue
        if e.text_key == OWN_TEXT and e.comment_version != item.version:
            continue  # made from an older text: the new one is queued
        item.texts.append(
            Text(
                e.text_key,
                found[0],
                found[1],
                unpack(e.vector),
                [list(s) for s in e.sentences],
                unpack(e.sentence_vectors, DIM) if e.sentences else np.zeros((0, DIM), np.float32),
            )
        )
    members: dict[int, set[int]] = defaultdict(set)
    pinned: dict[int, set[int]] = defaultdict(set)
    for m in db.execute(
        select(ThemeMember.theme_id, ThemeMember.comment_id, ThemeMember.pinned)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.space_id == space_id)
    ):
        members[m.theme_id].add(m.comment_id)
        if m.pinned:
            pinned[m.theme_id].add(m.comment_id)
    known, kinds = [], {}
    for th in db.execute(
        select(Theme.id, Theme.kind, Theme.question_number, Theme.centroid, Theme.merged_into_id)
        .where(Theme.space_id == space_id)
        .order_by(Theme.id)
    ):
        kinds[th.id] = (th.kind, th.question_number)
        known.append(
            grouping.Known(
                th.id,
                frozenset(members[th.id]),
                frozenset(pinned[th.id]),
                unpack(th.centroid) if th.centroid else None,
                th.merged_into_id,
            )
        )
    tagged = {
        (row.comment_id, int(row.code))
        for row in db.execute(
            select(CommentTag.comment_id, Tag.code)
            .join(Tag, Tag.id == CommentTag.tag_id)
            .where(Tag.space_id == space_id, Tag.taxonomy == gcm.TAXONOMY)
        )
    }
    dismissed = {
        (row.comment_id, row.code)
        for row in db.execute(
            select(ObjectiveSuggestion.comment_id, ObjectiveSuggestion.code)
            .join(Comment, Comment.id == ObjectiveSuggestion.comment_id)
            .where(
                Comment.space_id == space_id,
                ObjectiveSuggestion.state == SuggestionState.DISMISSED,
            )
        )
    }
    return Snapshot(space_id, version, list(items.values()), known, kinds, tagged, dismissed)


@dataclass
class PlannedTheme:
    """A theme as the computation leaves it: an id when it continues a known theme."""

    id: int | None
    question: int | None
    kind: ThemeKind
    members: list[int]
    centre: Vectors | None
    labels: dict[str, str]
    passages: list[dict[str, object]]


@dataclass
class Outcome:
    snapshot: Snapshot
    themes: list[PlannedTheme]
    duplicates: list[list[tuple[int, float]]]  # comment ids with their similarity
    suggestions: list[tuple[int, int, float]]  # comment, objective, confidence
    analysed: int


def compute(snapshot: Snapshot, embedder: Embedder) -> Outcome:
    items = [i for i in snapshot.items if i.own is not None]
    by_id = {i.comment_id: i for i in items}
    pinned_to = {c: k.id for k in snapshot.themes for c in k.pinned if c in by_id}
    planned: list[PlannedTheme] = []
    for question in sorted({i.question for i in items}, key=lambda q: (q is None, q or 0)):
        here = [i for i in items if i.question == question]
        free = [i for i in here if i.comment_id not in pinned_to]
        planned += _question_themes(snapshot, question, here, free, pinned_to, by_id)
    duplicates = _duplicates(items)
    suggestions = _suggestions(snapshot, items, embedder)
    return Outcome(snapshot, planned, duplicates, suggestions, len(items))


def _own(item: Item) -> Text:
    own = item.own
    assert own is not None
    return own


def _question_themes(
    snapshot: Snapshot,
    question: int | None,
    here: list[Item],
    free: list[Item],
    pinned_to: dict[int, int],
    by_id: dict[int, Item],
) -> list[PlannedTheme]:
    vectors = np.vstack([_own(i).vector for i in free]) if free else np.zeros((0, DIM), np.float32)
    numbers = grouping.themes(
        vectors, [len(_own(i).words.split()) for i in free], [_own(i).lang for i in free]
    )
    groups: dict[int, list[int]] = defaultdict(list)
    apart: list[int] = []
    for item, number in zip(free, numbers, strict=True):
        (groups[number] if number >= 0 else apart).append(item.comment_id)
    ordered = [groups[n] for n in sorted(groups)]
    centres = [grouping.centroid(np.vstack([_own(by_id[c]).vector for c in g])) for g in ordered]
    known = [k for k in snapshot.themes if snapshot.kinds[k.id] == (ThemeKind.THEME, question)]
    matched = grouping.match([frozenset(g) for g in ordered], centres, known)
    themes: dict[int | None, list[int]] = {}
    out: list[PlannedTheme] = []
    for group, theme_id in zip(ordered, matched, strict=True):
        if theme_id is None:
            out.append(PlannedTheme(None, question, ThemeKind.THEME, group, None, {}, []))
        else:
            themes[theme_id] = group
    # Known themes of this question: continued, or kept for what moderators placed in them.
    for k in known:
        if k.merged_into is not None:
            continue
        members = themes.get(k.id, []) + sorted(c for c, t in pinned_to.items() if t == k.id)
        out.append(PlannedTheme(k.id, question, ThemeKind.THEME, members, None, {}, []))
    other = next(
        (k.id for k in snapshot.themes if snapshot.kinds[k.id] == (ThemeKind.OTHER, question)),
        None,
    )
    placed_other = sorted(c for c, t in pinned_to.items() if t == other) if other else []
    out.append(PlannedTheme(other, question, ThemeKind.OTHER, apart + placed_other, None, {}, []))
    kept = [t for t in out if t.members or (t.id is not None)]
    background = {
        lang: labels.vocabulary(t.lemmas for i in here for t in i.texts if t.lang == lang)
        for lang in LOCALES
    }
    for theme in kept:
        _describe(theme, by_id, background)
    return kept


def _describe(
    theme: PlannedTheme, by_id: dict[int, Item], background: dict[str, labels.Vocabulary]
) -> None:
    members = [by_id[c] for c in theme.members if c in by_id]
    if not members:
        return
    theme.centre = grouping.centroid(np.vstack([_own(i).vector for i in members]))
    if theme.kind is ThemeKind.OTHER:
        return
    for lang in LOCALES:
        texts = [t.lemmas for i in members for t in i.texts if t.lang == lang]
        if texts and (found := labels.label(texts, background[lang])):
            theme.labels[lang] = found
    candidates, rows = [], []
    for item in members:
        for text in item.texts:
            for (start, end), vector in zip(text.spans, text.sentence_vectors, strict=True):
                candidates.append(
                    passages.Candidate(
                        item.comment_id,
                        text.text_key,
                        text.lang,
                        item.author_id,
                        start,
                        end,
                        item.version,
                    )
                )
                rows.append(vector)
    if candidates:
        picked = passages.pick(theme.centre, candidates, np.vstack(rows))
        theme.passages = [
            {
                "comment_id": c.comment_id,
                "text_key": c.text_key,
                "lang": c.lang,
                "start": c.start,
                "end": c.end,
                "comment_version": c.comment_version,
                "score": round(score, 4),
            }
            for c, score in picked
        ]


def _duplicates(items: Sequence[Item]) -> list[list[tuple[int, float]]]:
    if len(items) < 2:
        return []
    found = grouping.near_duplicates(
        np.vstack([_own(i).vector for i in items]),
        [i.lang for i in items],
        [_own(i).words for i in items],
    )
    return [[(items[row].comment_id, score) for row, score in group] for group in found]


def _suggestions(
    snapshot: Snapshot, items: Sequence[Item], embedder: Embedder
) -> list[tuple[int, int, float]]:
    if not items:
        return []
    found = objectives.suggest(embedder, np.vstack([_own(i).vector for i in items]))
    out = []
    for item, picks in zip(items, found, strict=True):
        for code, confidence in picks:
            key = (item.comment_id, code)
            if key not in snapshot.tagged and key not in snapshot.dismissed:
                out.append((item.comment_id, code, confidence))
    return out


def write(db: Session, outcome: Outcome, model: str, now: datetime) -> None:
    """Store the outcome; what moderators placed meanwhile wins over it."""
    snapshot = outcome.snapshot
    space_id = snapshot.space_id
    policy.read_as(db, policy.ANONYMOUS, policy.Purpose.SYSTEM)
    live = set(db.scalars(select(Theme.id).where(Theme.space_id == space_id)))
    pinned = set(
        db.scalars(
            select(ThemeMember.comment_id)
            .join(Theme, Theme.id == ThemeMember.theme_id)
            .where(Theme.space_id == space_id, ThemeMember.pinned)
        )
    )
    db.execute(
        delete(ThemeMember).where(
            ThemeMember.theme_id.in_(select(Theme.id).where(Theme.space_id == space_id)),
            ThemeMember.pinned.is_(False),
        )
    )
    kept: set[int] = set()
    for planned in outcome.themes:
        values = {
            "labels": planned.labels,
            "centroid": pack(planned.centre) if planned.centre is not None else None,
            "passages": planned.passages,
        }
        if planned.id is not None and planned.id in live:
            db.execute(update(Theme).where(Theme.id == planned.id).values(**values))
            theme_id = planned.id
        elif planned.id is not None or not planned.members:
            continue  # removed by a moderator meanwhile, or nothing to show
        else:
            theme = Theme(
                space_id=space_id,
                question_number=planned.question,
                kind=planned.kind,
                name="",
                created_at=now,
                **values,
            )
            db.add(theme)
            db.flush()
            theme_id = theme.id
        kept.add(theme_id)
        for comment_id in planned.members:
            if comment_id not in pinned:
                db.add(ThemeMember(comment_id=comment_id, theme_id=theme_id, pinned=False))
    db.flush()
    # Themes left with no comment and no name are gone; named ones wait for comments.
    empty = select(Theme.id).where(
        Theme.space_id == space_id,
        Theme.merged_into_id.is_(None),
        Theme.name == "",
        ~Theme.id.in_(select(ThemeMember.theme_id)),
    )
    db.execute(delete(Theme).where(Theme.id.in_(empty)))
    _write_duplicates(db, space_id, outcome.duplicates)
    _write_suggestions(db, space_id, outcome.suggestions)
    db.execute(
        update(SpaceAnalysis)
        .where(SpaceAnalysis.space_id == space_id)
        .values(
            computed_at=now,
            content_version=snapshot.content_version,
            comments=outcome.analysed,
            model=model,
            wanted=False,
            lease_until=None,
        )
    )


def _write_duplicates(
    db: Session, space_id: int, groups: Iterable[list[tuple[int, float]]]
) -> None:
    db.execute(delete(NearDuplicate).where(NearDuplicate.space_id == space_id))
    for group in groups:
        lowest = min(c for c, _score in group)
        for comment_id, score in group:
            db.add(
                NearDuplicate(
                    comment_id=comment_id, space_id=space_id, group_id=lowest, similarity=score
                )
            )
    db.flush()


def _write_suggestions(
    db: Session, space_id: int, suggestions: Iterable[tuple[int, int, float]]
) -> None:
    in_space = select(Comment.id).where(Comment.space_id == space_id)
    dismissed = {
        (row.comment_id, row.code)
        for row in db.execute(
            select(ObjectiveSuggestion.comment_id, ObjectiveSuggestion.code).where(
                ObjectiveSuggestion.comment_id.in_(in_space),
                ObjectiveSuggestion.state == SuggestionState.DISMISSED,
            )
        )
    }
    db.execute(
        delete(ObjectiveSuggestion).where(
            ObjectiveSuggestion.comment_id.in_(in_space),
            ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
        )
    )
    for comment_id, code, confidence in suggestions:
        if (comment_id, code) not in dismissed:
            db.add(
                ObjectiveSuggestion(
                    comment_id=comment_id,
                    code=code,
                    confidence=confidence,
                    state=SuggestionState.SUGGESTED,
                )
            )
    db.flush()
