"""Curating a consultation: tags, excerpts, editorial states and section assignments.

Only the space's moderators curate; curation is never shown to participants.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import policy
from app.accounts.names import display_name_key
from app.curation import gcm
from app.curation.note_templates import section_choices
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import gettext
from app.markup import plain_text
from app.models import (
    Assignment,
    Comment,
    CommentTag,
    CommentTranslation,
    Curation,
    Excerpt,
    ObjectiveSuggestion,
    Tag,
)
from app.models.analysis import SuggestionState
from app.models.base import state_or_none
from app.models.curation import FREE_TAGS, EditorialState
from app.policy import Viewer
from app.text import clean_line, line_problem

MAX_TAG = 60
MAX_REASON = 1000


def _require_moderator(viewer: Viewer, space_id: int) -> None:
    if not policy.can_moderate(viewer, space_id):
        raise Forbidden(gettext("Only the space's moderators can do this."))


def source_text(db: Session, comment: Comment, lang: str) -> str:
    """The words of one version of a comment (its original or a translation)."""
    if lang == comment.lang:
        return plain_text(comment.body_html)
    translation = db.get(CommentTranslation, (comment.id, lang))
    if translation is None:
        raise FormErrors({"lang": gettext("This comment has no version in that language.")})
    return plain_text(translation.body_html)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tag(db: Session, space_id: int, taxonomy: str, code: str, label: str) -> Tag:
    tag = db.scalar(
        select(Tag).where(Tag.space_id == space_id, Tag.taxonomy == taxonomy, Tag.code == code)
    )
    if tag is None:
        tag = Tag(space_id=space_id, taxonomy=taxonomy, code=code, label=label)
        db.add(tag)
        db.flush()
    return tag


def add_tag(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    *,
    label: str = "",
    objective: str = "",
    now: datetime,
) -> Tag:
    """Tag a comment with a free label or a Global Compact objective (by number)."""
    _require_moderator(viewer, comment.space_id)
    assert viewer.user_id is not None
    if objective:
        try:
            number = int(objective)
        except ValueError:
            number = 0
        if number not in gcm.OBJECTIVES:
            raise FormErrors({"objective": gettext("Choose an objective from 1 to 23.")})
        tag = _tag(db, comment.space_id, gcm.TAXONOMY, str(number), gcm.label(number, "en"))
    else:
        if (problem := line_problem(label)) is not None:
            raise FormErrors({"label": problem})
        text = clean_line(label)
        if not text:
            raise FormErrors({"label": gettext("Write a tag, or choose an objective.")})
        if len(text) > MAX_TAG:
            raise FormErrors({"label": gettext("Keep tags under 60 characters.")})
        tag = _tag(db, comment.space_id, FREE_TAGS, display_name_key(text), text)
    if db.get(CommentTag, (comment.id, tag.id)) is None:
        db.add(
            CommentTag(
                comment_id=comment.id, tag_id=tag.id, created_by_id=viewer.user_id, created_at=now
            )
        )
        db.flush()
    return tag


def objective_tags(db: Session, comment_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(comment, objective number) for each Global Compact objective these are tagged with."""
    rows = db.execute(
        select(CommentTag.comment_id, Tag.code)
        .join(Tag, Tag.id == CommentTag.tag_id)
        .where(CommentTag.comment_id.in_(comment_ids), Tag.taxonomy == gcm.TAXONOMY)
    )
    return [(comment_id, int(code)) for comment_id, code in rows]


@dataclass(frozen=True)
class Suggestion:
    """An objective the workbench suggested for a comment from what it says."""

    comment_id: int
    code: int
    label: str
    confidence: float
    likely: bool


# From this confidence on a suggested objective is shown as likely: precision 0.94 on the
# bench set (0.85 from 0.885, 1.0 from 0.895; bench/synthesis.py, bench/RESULTS.md). Here,
# below the synthesis package that makes the suggestions, so both read one value.
LIKELY = 0.89


def suggested_objectives(
    db: Session, viewer: Viewer, comment_ids: Sequence[int], lang: str
) -> dict[int, list[Suggestion]]:
    """Objectives suggested (not dismissed, not yet tagged) for these comments, most
    confident first; only for the spaces the viewer moderates."""
    rows = db.execute(
        select(
            ObjectiveSuggestion.comment_id,
            ObjectiveSuggestion.code,
            ObjectiveSuggestion.confidence,
            Comment.space_id,
        )
        .join(Comment, Comment.id == ObjectiveSuggestion.comment_id)
        .where(
            ObjectiveSuggestion.comment_id.in_(comment_ids),
            ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
        )
        .order_by(ObjectiveSuggestion.comment_id, ObjectiveSuggestion.confidence.desc())
    ).all()
    found: dict[int, list[Suggestion]] = defaultdict(list)
    for row in rows:
        if policy.can_moderate(viewer, row.space_id):
            found[row.comment_id].append(
                Suggestion(
                    row.comment_id,
                    row.code,
                    gcm.label(row.code, lang),
                    row.confidence,
                    row.confidence >= LIKELY,
                )
            )
    return found


def remove_tag(db: Session, viewer: Viewer, comment: Comment, tag_id: int) -> None:
    _require_moderator(viewer, comment.space_id)
    db.execute(
        delete(CommentTag).where(CommentTag.comment_id == comment.id, CommentTag.tag_id == tag_id)
    )


def set_state(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    *,
    state: EditorialState | None,
    reason: str,
    now: datetime,
) -> Curation:
    """Candidate, used, or excluded (with a reason) for the notes."""
    _require_moderator(viewer, comment.space_id)
    assert viewer.user_id is not None
    chosen = state_or_none(EditorialState, state)
    if chosen is None:
        raise FormErrors({"state": gettext("Choose candidate, used or excluded.")})
    text = " ".join(reason.split())[:MAX_REASON]
    if chosen is EditorialState.EXCLUDED and not text:
        raise FormErrors({"reason": gettext("Say why the comment is excluded.")})
    row = db.get(Curation, comment.id)
    if row is None:
        row = Curation(
            comment_id=comment.id, space_id=comment.space_id, updated_by_id=viewer.user_id
        )
        db.add(row)
    row.state, row.reason, row.updated_by_id, row.updated_at = chosen, text, viewer.user_id, now
    db.flush()
    return row


def mark_excerpt(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    *,
    lang: str,
    passage: str,
    start: int | None,
    now: datetime,
) -> Excerpt:
    """Keep a passage of one version of the comment, with where it was and what it read.

    The passage must be found in that version's text; `start` (from a selection in the
    browser) picks among repeated occurrences, and is checked, not trusted.
    """
    _require_moderator(viewer, comment.space_id)
    assert viewer.user_id is not None
    text = source_text(db, comment, lang or comment.lang)
    wanted = " ".join(passage.split())
    if not wanted:
        raise FormErrors({"passage": gettext("Select or paste the passage to keep.")})
    at = (
        start
        if start is not None and text[start : start + len(wanted)] == wanted
        else text.find(wanted)
    )
    if at < 0:
        raise FormErrors(
            {"passage": gettext("This passage is not in the comment as it reads now.")}
        )
    excerpt = Excerpt(
        space_id=comment.space_id,
        comment_id=comment.id,
        lang=lang or comment.lang,
        text=wanted,
        start=at,
        end=at + len(wanted),
        comment_version=comment.version,
        source_hash=fingerprint(text),
        created_by_id=viewer.user_id,
        created_at=now,
    )
    db.add(excerpt)
    db.flush()
    return excerpt


def remove_excerpt(db: Session, viewer: Viewer, comment: Comment, excerpt_id: int) -> None:
    _require_moderator(viewer, comment.space_id)
    db.execute(delete(Excerpt).where(Excerpt.id == excerpt_id, Excerpt.comment_id == comment.id))


def assign(
    db: Session,
    viewer: Viewer,
    comment: Comment,
    *,
    section: str,
    excerpt_id: int | None,
    now: datetime,
) -> Assignment:
    """Set a comment, or one of its excerpts, aside for a section of the notes."""
    _require_moderator(viewer, comment.space_id)
    assert viewer.user_id is not None
    if section not in dict(section_choices("en")):
        raise FormErrors({"section": gettext("Choose a section.")})
    if excerpt_id is not None:
        excerpt = db.get(Excerpt, excerpt_id)
        if excerpt is None or excerpt.comment_id != comment.id:
            raise NotFound
    existing = db.scalar(
        select(Assignment).where(
            Assignment.space_id == comment.space_id,
            Assignment.section == section,
            Assignment.comment_id == comment.id,
            Assignment.excerpt_id.is_(None)
            if excerpt_id is None
            else Assignment.excerpt_id == excerpt_id,
        )
    )
    if existing is not None:
        return existing
    row = Assignment(
        space_id=comment.space_id,
        section=section,
        comment_id=comment.id,
        excerpt_id=excerpt_id,
        created_by_id=viewer.user_id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def unassign(db: Session, viewer: Viewer, comment: Comment, assignment_id: int) -> None:
    _require_moderator(viewer, comment.space_id)
    db.execute(
        delete(Assignment).where(
            Assignment.id == assignment_id, Assignment.comment_id == comment.id
        )
    )


@dataclass(frozen=True)
class Panel:
    """Everything the curation panel of one comment shows."""

    tags: list[Tag]
    suggestions: list[int]  # objectives the text names that are not yet tags
    state: Curation | None
    excerpts: list[Excerpt]
    assignments: list[Assignment]
    versions: list[str]


def panel(db: Session, viewer: Viewer, comment: Comment) -> Panel:
    _require_moderator(viewer, comment.space_id)
    tags = list(
        db.scalars(
            select(Tag)
            .join(CommentTag, CommentTag.tag_id == Tag.id)
            .where(CommentTag.comment_id == comment.id)
            .order_by(Tag.taxonomy.desc(), Tag.label)
        )
    )
    translations = list(
        db.scalars(select(CommentTranslation).where(CommentTranslation.comment_id == comment.id))
    )
    words = " ".join([comment.body_md, *(t.body_md for t in translations)])
    tagged = {int(t.code) for t in tags if t.taxonomy == gcm.TAXONOMY}
    return Panel(
        tags=tags,
        suggestions=[n for n in gcm.suggest(words) if n not in tagged],
        state=db.get(Curation, comment.id),
        excerpts=list(
            db.scalars(select(Excerpt).where(Excerpt.comment_id == comment.id).order_by(Excerpt.id))
        ),
        assignments=list(
            db.scalars(
                select(Assignment)
                .where(Assignment.comment_id == comment.id)
                .order_by(Assignment.id)
            )
        ),
        versions=[comment.lang, *sorted(t.lang for t in translations)],
    )


@dataclass(frozen=True)
class Action:
    """One curation form as sent: `op` says which."""

    op: str
    label: str = ""
    objective: str = ""
    tag_id: int | None = None
    state: EditorialState | None = None
    reason: str = ""
    lang: str = ""
    passage: str = ""
    start: int | None = None
    excerpt_id: int | None = None
    section: str = ""
    assignment_id: int | None = None


def apply(db: Session, viewer: Viewer, comment: Comment, action: Action, now: datetime) -> None:
    if action.op == "tag":
        add_tag(db, viewer, comment, label=action.label, objective=action.objective, now=now)
    elif action.op == "untag" and action.tag_id is not None:
        remove_tag(db, viewer, comment, action.tag_id)
    elif action.op == "state":
        set_state(db, viewer, comment, state=action.state, reason=action.reason, now=now)
    elif action.op == "excerpt":
        mark_excerpt(
            db,
            viewer,
            comment,
            lang=action.lang,
            passage=action.passage,
            start=action.start,
            now=now,
        )
    elif action.op == "unexcerpt" and action.excerpt_id is not None:
        remove_excerpt(db, viewer, comment, action.excerpt_id)
    elif action.op == "assign":
        assign(db, viewer, comment, section=action.section, excerpt_id=action.excerpt_id, now=now)
    elif action.op == "unassign" and action.assignment_id is not None:
        unassign(db, viewer, comment, action.assignment_id)
    else:
        raise FormErrors({"op": gettext("Choose an action.")})
