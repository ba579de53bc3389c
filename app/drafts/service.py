"""Note drafts: created from a template and the curated inputs, edited by several moderators.

Every save names the version it was based on. A stale save is merged section by section
when the two edits do not touch the same section, and otherwise refused with a Conflict
that carries both texts: nobody's words are silently overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.curation.note_templates import TemplateSpec, templates
from app.curation.service import fingerprint
from app.db import claim_version
from app.drafts import syntax, title_block
from app.drafts.prefill import prefilled
from app.drafts.prefill import shortened_text as _quote  # a source's preview
from app.drafts.syntax import Citation, Content
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import LOCALES, gettext
from app.markup import plain_text
from app.models import (
    Comment,
    CommentRevision,
    CommentTranslation,
    DraftRevision,
    Excerpt,
    NoteDraft,
    Space,
    User,
)
from app.models.base import state_or_none
from app.models.comments import CommentStatus
from app.models.curation import DraftState
from app.policy import Viewer
from app.spaces.service import pick_text, texts_of
from app.text import clean_line, line_problem

MAX_TITLE = 200
MAX_SECTION = 100_000
TRANSITIONS = {
    DraftState.DRAFT: (DraftState.IN_REVIEW,),
    DraftState.IN_REVIEW: (DraftState.DRAFT, DraftState.APPROVED),
    # An approved draft is frozen: going back to draft starts a new version after it.
    DraftState.APPROVED: (DraftState.DRAFT,),
}


def _require_moderator(viewer: Viewer, space_id: int) -> None:
    if not policy.can_moderate(viewer, space_id):
        raise Forbidden(gettext("Only the space's moderators can do this."))


def get_draft(db: Session, viewer: Viewer, draft_id: int) -> NoteDraft:
    draft = db.get(NoteDraft, draft_id)
    # Drafts are the moderators' workspace: to anyone else they do not exist.
    if draft is None or not policy.can_moderate(viewer, draft.space_id):
        raise NotFound
    return draft


def template_of(draft: NoteDraft) -> TemplateSpec:
    return templates()[draft.template]


def drafts_of(db: Session, viewer: Viewer, space: Space) -> list[NoteDraft]:
    _require_moderator(viewer, space.id)
    return list(
        db.scalars(
            select(NoteDraft).where(NoteDraft.space_id == space.id).order_by(NoteDraft.id.desc())
        )
    )


def _clean_title(raw: str) -> str:
    if (problem := line_problem(raw)) is not None:
        raise FormErrors({"title": problem})
    title = clean_line(raw)
    if not title:
        raise FormErrors({"title": gettext("Give the draft a title.")})
    if len(title) > MAX_TITLE:
        raise FormErrors({"title": gettext("Keep the title under 200 characters.")})
    return title


def _record(db: Session, draft: NoteDraft, viewer: Viewer, now: datetime, note: str = "") -> None:
    assert viewer.user_id is not None
    db.add(
        DraftRevision(
            draft_id=draft.id,
            version=draft.version,
            title=draft.title,
            content=draft.content,
            state=draft.state,
            note=note,
            author_id=viewer.user_id,
            created_at=now,
        )
    )
    db.flush()


def create_draft(
    db: Session,
    viewer: Viewer,
    space: Space,
    *,
    template: str,
    lang: str,
    title: str,
    now: datetime,
) -> NoteDraft:
    _require_moderator(viewer, space.id)
    assert viewer.user_id is not None
    spec = templates().get(template)
    errors: dict[str, str] = {}
    if spec is None:
        errors["template"] = gettext("Choose a template.")
    if lang not in LOCALES:
        errors["lang"] = gettext("Choose English, French or Spanish.")
    try:
        clean = _clean_title(title)
    except FormErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    assert spec is not None
    texts = texts_of(db, space.id)
    space_title = pick_text(texts, lang, space.original_lang).title if texts else ""
    block = title_block.prefilled(db, space.id, lang, space_title)
    content = Content(prefilled(db, space, spec, lang), {}, block.to_json())
    _remember_sources(db, content, space.id)
    draft = NoteDraft(
        space_id=space.id,
        template=spec.key,
        lang=lang,
        title=clean,
        content=content.to_json(),
        word_target=space.note_word_target or spec.word_target,
        created_by_id=viewer.user_id,
        updated_by_id=viewer.user_id,
        created_at=now,
        updated_at=now,
    )
    db.add(draft)
    db.flush()
    _record(db, draft, viewer, now, note="created")
    return draft


@dataclass
class Conflict(Exception):
    """A save based on a stale version that touches sections someone else changed."""

    current_version: int
    merged: dict[str, str]  # what can be kept: others' edits plus yours where no clash
    clashes: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (theirs, yours)
    title: str = ""


def _revision(db: Session, draft: NoteDraft, version: int) -> DraftRevision | None:
    return db.scalar(
        select(DraftRevision)
        .where(DraftRevision.draft_id == draft.id, DraftRevision.version == version)
        .order_by(DraftRevision.id)
        .limit(1)
    )


def merge(
    base: dict[str, str], theirs: dict[str, str], mine: dict[str, str]
) -> Conflict | dict[str, str]:
    """Three-way merge by section: a section only one side changed takes that side."""
    merged: dict[str, str] = {}
    clashes: dict[str, tuple[str, str]] = {}
    for key in dict.fromkeys([*theirs, *mine]):
        b, t, m = base.get(key, ""), theirs.get(key, ""), mine.get(key, "")
        if m in (b, t):
            merged[key] = t
        elif t == b:
            merged[key] = m
        else:
            merged[key] = m
            clashes[key] = (t, m)
    if clashes:
        return Conflict(current_version=0, merged=merged, clashes=clashes)
    return merged


def save(
    db: Session,
    viewer: Viewer,
    draft: NoteDraft,
    *,
    base_version: int,
    title: str,
    sections: dict[str, str],
    block: dict[str, str] | None = None,
    now: datetime,
) -> NoteDraft:
    """Save the draft's title, sections and (if given) title block fields, merged with
    any save made since `base_version` (see `merge`)."""
    _require_moderator(viewer, draft.space_id)
    errors: dict[str, str] = {}
    try:
        clean_title = _clean_title(title)
    except FormErrors as exc:
        errors.update(exc.errors)
    try:
        heading = title_block.clean(block) if block is not None else None
    except FormErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    spec = template_of(draft)
    mine = {s.key: sections.get(s.key, "").replace("\r\n", "\n") for s in spec.sections}
    for key, text in mine.items():
        if len(text) > MAX_SECTION:
            raise FormErrors({f"section_{key}": gettext("This section is too long.")})
    # The draft was read by a plain SELECT: a save that lands between that read and this
    # one's UPDATE makes the conditional UPDATE match nothing, and the merge runs again
    # against what that save wrote (never a second revision with the same number).
    for _attempt in range(5):
        # Checked on the row as the conditional UPDATE finds it: an approval that lands
        # first freezes the draft for this save too.
        if draft.state == DraftState.APPROVED:
            message = gettext(
                "This draft is approved, so it can no longer change: start a new version"
                " to edit it. What you typed is kept below."
            )
            raise FormErrors({"new-version": message})
        current = Content.of(draft.content)
        kept, title_kept = mine, clean_title
        block_kept = current.title_block if heading is None else heading.to_json()
        if base_version != draft.version:
            base_revision = _revision(db, draft, base_version)
            if base_revision is None:
                raise FormErrors({"version": gettext("This draft changed; reload it to continue.")})
            base = Content.of(base_revision.content).sections
            outcome = merge(base, current.sections, mine)
            if isinstance(outcome, Conflict):
                outcome.current_version = draft.version
                outcome.title = clean_title
                raise outcome
            kept = outcome
            # A title this save left as it was keeps the one someone else gave meanwhile.
            if clean_title == base_revision.title:
                title_kept = draft.title
            if heading is not None and block_kept == Content.of(base_revision.content).title_block:
                block_kept = current.title_block
        if claim_version(db, draft, draft.version):
            break
        db.refresh(draft)
    else:
        raise FormErrors({"version": gettext("This draft changed; reload it to continue.")})
    updated = Content(kept, current.cited, block_kept)
    _remember_sources(db, updated, draft.space_id)
    draft.title = title_kept
    draft.content = updated.to_json()
    draft.updated_by_id = viewer.user_id or draft.updated_by_id
    draft.updated_at = now
    db.flush()
    _record(db, draft, viewer, now)
    return draft


def change_state(
    db: Session,
    viewer: Viewer,
    draft: NoteDraft,
    *,
    to: str,
    note: str,
    now: datetime,
    seen_version: int | None = None,
) -> None:
    """Move a draft to the state `to` names (a DraftState's value, as the form sends it).

    `seen_version`, the version the moderator was reading: a review or an approval
    applies to that text, so a save landed since makes it refused, never carried over.
    """
    _require_moderator(viewer, draft.space_id)
    target = state_or_none(DraftState, to)
    # Checked again on the row as it is when the conditional UPDATE wins: two moderators
    # approving at once make one transition, not two revisions with the same number.
    for _attempt in range(5):
        if seen_version is not None and seen_version != draft.version:
            message = gettext(
                "Someone saved this draft after you opened it (version %(number)s now)."
                " Read that version, then choose again.",
                number=draft.version,
            )
            raise FormErrors({"state": message})
        if target is None or target not in TRANSITIONS[draft.state]:
            raise FormErrors({"state": gettext("This draft cannot move to that state now.")})
        if claim_version(db, draft, draft.version):
            break
        db.refresh(draft)
    else:
        raise FormErrors({"state": gettext("This draft changed; reload it to continue.")})
    draft.state = target
    draft.updated_by_id = viewer.user_id or draft.updated_by_id
    draft.updated_at = now
    db.flush()
    _record(db, draft, viewer, now, note=" ".join(note.split())[:1000])


def history(db: Session, viewer: Viewer, draft: NoteDraft) -> list[tuple[DraftRevision, str]]:
    _require_moderator(viewer, draft.space_id)
    rows = db.execute(
        select(DraftRevision, User.display_name)
        .join(User, User.id == DraftRevision.author_id)
        .where(DraftRevision.draft_id == draft.id)
        .order_by(DraftRevision.version.desc(), DraftRevision.id.desc())
    ).all()
    return [(r, name) for r, name in rows]


# --- sources and provenance ------------------------------------------------------------


class SourceWarning(StrEnum):
    """Why a citation's source may no longer say what the draft quotes."""

    DELETED = "deleted"  # the comment or the excerpt is gone
    HIDDEN = "hidden"  # hidden, or otherwise not published
    EDITED = "edited"  # its words changed after they were quoted


@dataclass(frozen=True)
class Source:
    """Where a citation points, as exports and warnings need it."""

    key: str
    comment_id: int | None
    author_name: str | None  # None: not named, under the space's rule
    created_at: datetime | None
    lang: str  # the language of `text`
    text: str  # the excerpt, or the comment's words (in its author's translation: [c:N/xx])
    warning: SourceWarning | None
    original_lang: str = ""  # the comment's own language ("" when it is gone)
    # EDITED: when the wording the draft quotes was written (None: not on record).
    quoted_on: datetime | None = None


@dataclass(frozen=True)
class _Resolved:
    """What one citation points at now: nothing, an excerpt alone (its comment gone), or
    the comment (and the excerpt) with the words the citation quotes."""

    comment: Comment | None
    excerpt: Excerpt | None
    text: str
    lang: str | None = None  # the words' language, when not the comment's or the excerpt's


_NOTHING = _Resolved(None, None, "")


def _resolve(
    db: Session, cites: Iterable[Citation], space_id: int, purpose: policy.Purpose
) -> dict[str, _Resolved]:
    """What each citation points at, if the reader may read it for `purpose` in this space.

    A note cites its own space only: an id from elsewhere resolves as nothing. Excerpts,
    comments and translations are read in one statement each, however many are cited.
    """
    wanted = {cite.key: cite for cite in cites}
    excerpt_ids = {c.id for c in wanted.values() if c.kind == "e"}
    excerpts: dict[int, Excerpt] = {}
    if excerpt_ids:
        of_excerpts = select(Excerpt).where(
            Excerpt.id.in_(excerpt_ids), Excerpt.space_id == space_id
        )
        excerpts = {e.id: e for e in db.scalars(policy.for_purpose(of_excerpts, purpose))}
    comment_ids = {c.id for c in wanted.values() if c.kind == "c"}
    comment_ids |= {e.comment_id for e in excerpts.values()}
    comments: dict[int, Comment] = {}
    if comment_ids:
        of_comments = select(Comment).where(
            Comment.id.in_(comment_ids), Comment.space_id == space_id
        )
        comments = {c.id: c for c in db.scalars(policy.for_purpose(of_comments, purpose))}
    # Excerpts of a translation quote the translation's words.
    translated = {
        e.comment_id
        for e in excerpts.values()
        if e.comment_id in comments and e.lang != comments[e.comment_id].lang
    }
    # [c:N/xx] quotes the author's own translation into xx.
    translated |= {
        c.id
        for c in wanted.values()
        if c.kind == "c" and c.lang and c.id in comments and c.lang != comments[c.id].lang
    }
    translations: dict[tuple[int, str], str] = {}
    if translated:
        of_translations = select(CommentTranslation).where(
            CommentTranslation.comment_id.in_(translated)
        )
        translations = {
            (t.comment_id, t.lang): t.body_html
            for t in db.scalars(policy.for_purpose(of_translations, purpose))
        }
    found: dict[str, _Resolved] = {}
    for key, cite in wanted.items():
        if cite.kind == "c":
            comment = comments.get(cite.id)
            if comment is None:
                found[key] = _NOTHING
            elif cite.lang and cite.lang != comment.lang:
                # No version in that language (any more): nothing to quote.
                html = translations.get((comment.id, cite.lang))
                found[key] = (
                    _Resolved(comment, None, plain_text(html), cite.lang) if html else _NOTHING
                )
            else:
                found[key] = _Resolved(comment, None, plain_text(comment.body_html))
            continue
        excerpt = excerpts.get(cite.id)
        comment = comments.get(excerpt.comment_id) if excerpt else None
        if excerpt is None or comment is None:
            found[key] = _Resolved(None, excerpt, "")
        elif excerpt.lang == comment.lang:
            found[key] = _Resolved(comment, excerpt, plain_text(comment.body_html))
        else:
            # No version in that language any more: nothing to compare the excerpt with.
            html = translations.get((comment.id, excerpt.lang))
            found[key] = _Resolved(comment, excerpt, plain_text(html) if html else "")
    return found


def _cited(content: Content) -> list[Citation]:
    """Every citation of every section, each once, in order of first appearance."""
    seen: dict[str, Citation] = {}
    for text in content.sections.values():
        for cite in syntax.citations(text):
            seen.setdefault(cite.key, cite)
    return list(seen.values())


def cited_comment_ids(db: Session, draft: NoteDraft) -> set[int]:
    """The comments a draft quotes, directly or through an excerpt (published ones)."""
    resolved = _resolve(
        db, _cited(Content.of(draft.content)), draft.space_id, policy.Purpose.PUBLISHED
    )
    return {r.comment.id for r in resolved.values() if r.comment is not None}


def _remember_sources(db: Session, content: Content, space_id: int) -> None:
    """Fingerprint each newly cited source, so a later edit of it can be noticed."""
    new = [cite for cite in _cited(content) if cite.key not in content.cited]
    for key, resolved in _resolve(db, new, space_id, policy.Purpose.READ).items():
        excerpt = resolved.excerpt
        content.cited[key] = excerpt.source_hash if excerpt else fingerprint(resolved.text)


def sources(
    db: Session,
    draft: NoteDraft,
    space: Space,
    moderator_ids: frozenset[int],
    purpose: policy.Purpose = policy.Purpose.READ,
) -> dict[str, Source]:
    """Every citation of the draft, resolved, with what changed since it was cited.

    The editor reads them as its reader (a hidden source is flagged); an export passes
    `PUBLISHED`: a hidden source is then no longer available.
    """
    content = Content.of(draft.content)
    chatham = template_of(draft).chatham_house
    resolved = _resolve(db, _cited(content), space.id, purpose)
    author_ids = {r.comment.author_id for r in resolved.values() if r.comment is not None}
    names: dict[int, str] = {}
    if author_ids:
        query = select(User.id, User.display_name).where(User.id.in_(author_ids))
        names = {user_id: name for user_id, name in db.execute(query)}
    found: dict[str, Source] = {}
    for key, r in resolved.items():
        comment, excerpt, current = r.comment, r.excerpt, r.text
        if comment is None or (key.startswith("e:") and excerpt is None):
            found[key] = Source(key, None, None, None, "", "", SourceWarning.DELETED)
            continue
        named = not chatham and policy.named_in_export(
            space,
            author_is_moderator=comment.author_id in moderator_ids,
            named_consent=comment.named_consent,
        )
        warning: SourceWarning | None = None
        if comment.status != CommentStatus.PUBLISHED:
            warning = SourceWarning.HIDDEN
        elif content.cited.get(key) not in (None, fingerprint(current)):
            warning = SourceWarning.EDITED
        found[key] = Source(
            key=key,
            comment_id=comment.id,
            author_name=names.get(comment.author_id) if named else None,
            created_at=comment.created_at,
            lang=excerpt.lang if excerpt else r.lang or comment.lang,
            text=excerpt.text if excerpt else _quote(current),
            warning=warning,
            original_lang=comment.lang,
        )
    edited = {k: s for k, s in found.items() if s.warning == SourceWarning.EDITED}
    for key, day in _quoted_on(db, edited, content.cited).items():
        found[key] = replace(found[key], quoted_on=day)
    return found


def _quoted_on(
    db: Session, edited: dict[str, Source], cited: dict[str, str]
) -> dict[str, datetime]:
    """When each edited source's quoted wording was written: the kept revision whose
    text has the fingerprint taken when it was cited (one statement for all of them).

    Read as the draft's reader, a moderator of its space, for any purpose: a superseded
    text never leaves the site, but the day it was written may (an export names it).
    """
    ids = {s.comment_id for s in edited.values() if s.comment_id is not None}
    if not ids:
        return {}
    query = select(CommentRevision).where(CommentRevision.comment_id.in_(ids))
    written: dict[tuple[int, str, str], datetime] = {}
    for revision in db.scalars(policy.for_purpose(query, policy.Purpose.READ)):
        mark = (revision.comment_id, revision.lang, fingerprint(plain_text(revision.body_html)))
        written.setdefault(mark, revision.written_at)
    found: dict[str, datetime] = {}
    for key, source in edited.items():
        assert source.comment_id is not None
        day = written.get((source.comment_id, source.lang, cited.get(key, "")))
        if day is not None:
            found[key] = day
    return found
