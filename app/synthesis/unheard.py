"""The "unheard" check of a draft: what the consultation said that the draft cites nowhere.

Questions, themes, languages and objectives that have published contributions but no
citation in the draft yet, each with a verbatim passage from the uncited contributions
(the theme's representative passage, or else the sentence nearest the centre of those
contributions), so that a note does not silently drop a language or a whole theme.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.curation import gcm
from app.drafts import service as drafts
from app.markup import plain_text
from app.models import Comment, Embedding, NoteDraft, Space, User
from app.models.analysis import OWN_TEXT, ThemeKind
from app.models.comments import CommentKind, CommentStatus
from app.policy import Viewer
from app.synthesis import grouping, sentences, service
from app.synthesis.compute import DIM, question_of
from app.synthesis.vectors import unpack


class GapKind(StrEnum):
    """What a gap is of, in the order the check lists them."""

    QUESTION = "question"
    THEME = "theme"
    LANGUAGE = "language"
    OBJECTIVE = "objective"


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    key: str  # the question's number, the theme's id, the language, the objective's number
    label: str
    contributions: int
    contributors: int
    passage: service.Passage | None


@dataclass(frozen=True)
class _Contribution:
    comment_id: int
    author_id: int
    lang: str
    question: int | None


def check(db: Session, viewer: Viewer, draft: NoteDraft, space: Space, lang: str) -> list[Gap]:
    service.require_moderator(viewer, space.id)
    cited = drafts.cited_comment_ids(db, draft)
    rows = db.execute(
        policy.for_purpose(
            select(Comment.id, Comment.author_id, Comment.lang, Comment.path).where(
                Comment.space_id == space.id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.kind == CommentKind.COMMENT,
            ),
            policy.Purpose.PUBLISHED,
        )
    ).all()
    every = [_Contribution(r.id, r.author_id, r.lang, question_of(r.path)) for r in rows]
    board = service.board(db, viewer, space, lang)
    groups: list[tuple[GapKind, str, str, list[_Contribution], service.Passage | None]] = []
    by_question: dict[int | None, list[_Contribution]] = defaultdict(list)
    for c in every:
        by_question[c.question].append(c)
    for number in sorted(n for n in by_question if n is not None):
        groups.append((GapKind.QUESTION, str(number), str(number), by_question[number], None))
    by_id = {c.comment_id: c for c in every}
    for theme in board.themes:
        if theme.kind is ThemeKind.THEME:
            members = [by_id[i] for i in theme.comment_ids if i in by_id]
            uncited = [p for p in theme.passages if p.comment_id not in cited]
            groups.append(
                (
                    GapKind.THEME,
                    str(theme.id),
                    theme.label,
                    members,
                    uncited[0] if uncited else None,
                )
            )
    by_lang: dict[str, list[_Contribution]] = defaultdict(list)
    for c in every:
        by_lang[c.lang].append(c)
    for language in sorted(by_lang):
        groups.append((GapKind.LANGUAGE, language, language, by_lang[language], None))
    by_objective: dict[int, list[_Contribution]] = defaultdict(list)
    for comment_id, codes in service.objectives_of(db, [c.comment_id for c in every]).items():
        for code in codes:
            by_objective[code].append(by_id[comment_id])
    for code in sorted(by_objective):
        groups.append(
            (GapKind.OBJECTIVE, str(code), gcm.label(code, lang), by_objective[code], None)
        )
    gaps = []
    for kind, key, label, members, passage in groups:
        if not members or any(m.comment_id in cited for m in members):
            continue
        ids = [m.comment_id for m in members]
        found = passage or _nearest_centre(db, ids) or _first_sentence(db, ids)
        gaps.append(Gap(kind, key, label, len(members), len({m.author_id for m in members}), found))
    return gaps


def _nearest_centre(db: Session, comment_ids: Iterable[int]) -> service.Passage | None:
    """The sentence of these comments' own texts nearest their common centre."""
    rows = db.execute(
        policy.for_purpose(
            select(
                Embedding.comment_id,
                Embedding.vector,
                Embedding.sentences,
                Embedding.sentence_vectors,
                Comment.lang,
                Comment.body_html,
                User.display_name,
            )
            .join(Comment, Comment.id == Embedding.comment_id)
            .join(User, User.id == Comment.author_id)
            .where(
                Embedding.comment_id.in_(sorted(set(comment_ids))),
                Embedding.text_key == OWN_TEXT,
                Embedding.comment_version == Comment.version,
            ),
            policy.Purpose.PUBLISHED,
        )
    ).all()
    if not rows:
        return None
    centre = grouping.centroid(np.vstack([unpack(r.vector) for r in rows]))
    best: tuple[float, service.Passage] | None = None
    for r in rows:
        if not r.sentences:
            continue
        scores = unpack(r.sentence_vectors, DIM) @ centre
        index = int(np.argmax(scores))
        start, end = r.sentences[index]
        text = plain_text(r.body_html)
        if end > len(text):
            continue
        candidate = service.Passage(
            0, -1, r.comment_id, r.lang, start, end, text[start:end], r.display_name
        )
        if best is None or float(scores[index]) > best[0]:
            best = (float(scores[index]), candidate)
    return best[1] if best else None


FIRST_READ = 20  # comments read to find a sentence when none has a vector yet


def _first_sentence(db: Session, comment_ids: Iterable[int]) -> service.Passage | None:
    """The first sentence of the earliest of these comments (before they are embedded)."""
    rows = db.execute(
        policy.for_purpose(
            select(Comment.id, Comment.lang, Comment.body_html, User.display_name)
            .join(User, User.id == Comment.author_id)
            .where(Comment.id.in_(sorted(set(comment_ids))))
            .order_by(Comment.id)
            .limit(FIRST_READ),
            policy.Purpose.PUBLISHED,
        )
    ).all()
    for r in rows:
        text = plain_text(r.body_html)
        found = sentences.spans(text)
        if found:
            start, end = found[0]
            return service.Passage(0, -1, r.id, r.lang, start, end, text[start:end], r.display_name)
    return None
