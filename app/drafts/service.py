"""Note drafts: created from a template and the curated inputs, edited by several moderators.

Every save names the version it was based on. A stale save is merged section by section
when the two edits do not touch the same section, and otherwise refused with a Conflict
that carries both texts: nobody's words are silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.curation.service import fingerprint, source_text
from app.db import claim_version
from app.drafts import document
from app.drafts.catalogue import TemplateSpec, templates
from app.drafts.document import Citation, Content
from app.errors import Forbidden, FormErrors, NotFound
from app.i18n import LOCALES, gettext
from app.markup import plain_text
from app.models import Assignment, Comment, DraftRevision, Excerpt, NoteDraft, Space, User
from app.models.comments import STATUS_PUBLISHED
from app.policy import Viewer
from app.text import clean_line, line_problem

MAX_TITLE = 200
MAX_SECTION = 100_000
PREFILL_CHARS = 400
TRANSITIONS = {
    "draft": ("in-review",),
    "in-review": ("draft", "approved"),
    "approved": ("draft",),
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


def _quote(text: str, limit: int = PREFILL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _prefill(db: Session, space: Space, spec: TemplateSpec) -> dict[str, str]:
    """Each section starts with the inputs assigned to it, as quoted bullets with sources."""
    sections: dict[str, str] = {}
    for section in spec.sections:
        lines: list[str] = []
        # Published only, whoever drafts: a note's quotes leave the site.
        query = (
            select(Assignment, Comment, Excerpt)
            .join(Comment, Comment.id == Assignment.comment_id)
            .outerjoin(Excerpt, Excerpt.id == Assignment.excerpt_id)
            .where(
                Assignment.space_id == space.id,
                Assignment.section == spec.section_key(section.key),
            )
            .order_by(Comment.path, Assignment.id)
        )
        rows = db.execute(policy.for_purpose(query, policy.Purpose.PUBLISHED)).all()
        for _assignment, comment, excerpt in rows:
            if excerpt is not None:
                lines.append(f"- “{_quote(excerpt.text)}” [e:{excerpt.id}]")
            else:
                lines.append(f"- “{_quote(plain_text(comment.body_html))}” [c:{comment.id}]")
        sections[section.key] = "\n".join(lines)
    return sections


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
    content = Content(_prefill(db, space, spec), {})
    _remember_sources(db, content, space.id)
    draft = NoteDraft(
        space_id=space.id,
        template=spec.key,
        lang=lang,
        title=clean,
        content=content.to_json(),
        word_target=spec.word_target,
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
    now: datetime,
) -> NoteDraft:
    _require_moderator(viewer, draft.space_id)
    clean_title = _clean_title(title)
    spec = template_of(draft)
    mine = {s.key: sections.get(s.key, "").replace("\r\n", "\n") for s in spec.sections}
    for key, text in mine.items():
        if len(text) > MAX_SECTION:
            raise FormErrors({f"section_{key}": gettext("This section is too long.")})
    # The draft was read by a plain SELECT: a save that lands between that read and this
    # one's UPDATE makes the conditional UPDATE match nothing, and the merge runs again
    # against what that save wrote (never a second revision with the same number).
    for _attempt in range(5):
        current = Content.of(draft.content)
        kept, title_kept = mine, clean_title
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
        if claim_version(db, draft, draft.version):
            break
        db.refresh(draft)
    else:
        raise FormErrors({"version": gettext("This draft changed; reload it to continue.")})
    updated = Content(kept, current.cited)
    _remember_sources(db, updated, draft.space_id)
    draft.title = title_kept
    draft.content = updated.to_json()
    draft.updated_by_id = viewer.user_id or draft.updated_by_id
    draft.updated_at = now
    db.flush()
    _record(db, draft, viewer, now)
    return draft


def change_state(
    db: Session, viewer: Viewer, draft: NoteDraft, *, to: str, note: str, now: datetime
) -> None:
    _require_moderator(viewer, draft.space_id)
    # Checked again on the row as it is when the conditional UPDATE wins: two moderators
    # approving at once make one transition, not two revisions with the same number.
    for _attempt in range(5):
        if to not in TRANSITIONS.get(draft.state, ()):
            raise FormErrors({"state": gettext("This draft cannot move to that state now.")})
        if claim_version(db, draft, draft.version):
            break
        db.refresh(draft)
    else:
        raise FormErrors({"state": gettext("This draft changed; reload it to continue.")})
    draft.state = to
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


@dataclass(frozen=True)
class Source:
    """Where a citation points, as exports and warnings need it."""

    key: str
    comment_id: int | None
    author_name: str | None  # None: not named, under the space's rule
    created_at: datetime | None
    lang: str
    text: str  # the excerpt, or the comment's words
    warning: str | None  # "deleted" | "hidden" | "edited" | None


def _current_text(
    db: Session, cite: Citation, space_id: int, purpose: policy.Purpose
) -> tuple[Comment | None, Excerpt | None, str]:
    """What a citation points at, if the reader may read it for `purpose` in this space.

    A note cites its own space only: an id from elsewhere resolves as nothing.
    """
    options = {policy.PURPOSE: purpose}
    if cite.kind == "e":
        excerpt = db.get(Excerpt, cite.id, execution_options=options)
        if excerpt is None or excerpt.space_id != space_id:
            return None, None, ""
        comment = db.get(Comment, excerpt.comment_id, execution_options=options)
        if comment is None:
            return None, excerpt, ""
        try:
            return comment, excerpt, source_text(db, comment, excerpt.lang)
        except FormErrors:
            return comment, excerpt, ""
    comment = db.get(Comment, cite.id, execution_options=options)
    if comment is None or comment.space_id != space_id:
        return None, None, ""
    return comment, None, plain_text(comment.body_html)


def _remember_sources(db: Session, content: Content, space_id: int) -> None:
    """Fingerprint each newly cited source, so a later edit of it can be noticed."""
    for text in content.sections.values():
        for cite in document.citations(text):
            if cite.key not in content.cited:
                _comment, excerpt, current = _current_text(db, cite, space_id, policy.Purpose.READ)
                content.cited[cite.key] = excerpt.source_hash if excerpt else fingerprint(current)


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
    found: dict[str, Source] = {}
    for text in content.sections.values():
        for cite in document.citations(text):
            if cite.key in found:
                continue
            comment, excerpt, current = _current_text(db, cite, space.id, purpose)
            if comment is None or (cite.kind == "e" and excerpt is None):
                found[cite.key] = Source(cite.key, None, None, None, "", "", "deleted")
                continue
            author = db.get(User, comment.author_id)
            named = not chatham and policy.named_in_export(
                space,
                author_is_moderator=comment.author_id in moderator_ids,
                named_consent=comment.named_consent,
            )
            warning: str | None = None
            if comment.status != STATUS_PUBLISHED:
                warning = "hidden"
            elif content.cited.get(cite.key) not in (None, fingerprint(current)):
                warning = "edited"
            found[cite.key] = Source(
                key=cite.key,
                comment_id=comment.id,
                author_name=author.display_name if author and named else None,
                created_at=comment.created_at,
                lang=excerpt.lang if excerpt else comment.lang,
                text=excerpt.text if excerpt else _quote(current),
                warning=warning,
            )
    return found
