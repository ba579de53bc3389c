"""A draft's versions: each one as it was saved, and what changed between two of them.

Every save and every change of state is a numbered DraftRevision holding the title, the
sections and the state of that moment, so a version is opened, compared and exported
from its revision alone. Differences are computed word by word with difflib and written
as HTML whose every piece of text is escaped: what a drafter or a quoted participant
wrote never becomes markup.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.curation.note_templates import SectionSpec
from app.drafts import service
from app.drafts.syntax import Content
from app.drafts.title_block import TitleBlock
from app.errors import NotFound
from app.models import DraftRevision, NoteDraft
from app.policy import Viewer

# A word and the spaces after it: words are compared, the spaces kept as they were written.
_TOKENS = re.compile(r"\S+\s*")


def _split(text: str) -> tuple[str, list[str]]:
    body = text.lstrip()
    return text[: len(text) - len(body)], _TOKENS.findall(body)


_TAGS = {"del": Markup("<del>{}</del>"), "ins": Markup("<ins>{}</ins>")}


def _marked(tag: str, tokens: list[str]) -> tuple[Markup, str]:
    """The tokens inside <tag>, and the spaces after the last of them (left outside)."""
    text = "".join(tokens)
    words = text.rstrip()
    return _TAGS[tag].format(words), text[len(words) :]


def word_diff(old: str, new: str) -> Markup:
    """`new` as HTML, with the words `old` had and it lacks in <del>, its own in <ins>."""
    _, before = _split(old)
    lead, after = _split(new)
    matcher = difflib.SequenceMatcher(
        None, [t.rstrip() for t in before], [t.rstrip() for t in after], autojunk=False
    )
    parts: list[Markup] = [escape(lead)]
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(after[j1:j2])))
            continue
        if parts[-1] and not parts[-1][-1].isspace():
            parts.append(escape(" "))  # a change after the last word, which had no space
        if op in ("delete", "replace"):
            removed, space = _marked("del", before[i1:i2])
            parts += [removed, escape(space if op == "delete" else " ")]
        if op in ("insert", "replace"):
            added, space = _marked("ins", after[j1:j2])
            parts += [added, escape(space)]
    return Markup("").join(parts)


def version_of(db: Session, viewer: Viewer, draft: NoteDraft, number: int) -> DraftRevision:
    """Version `number` of the draft, for its moderators; any other number is not found."""
    if not policy.can_moderate(viewer, draft.space_id):
        raise NotFound  # as the draft itself: to anyone else it does not exist
    revision = db.scalar(
        select(DraftRevision)
        .where(DraftRevision.draft_id == draft.id, DraftRevision.version == number)
        .order_by(DraftRevision.id)
        .limit(1)
    )
    if revision is None:
        raise NotFound
    return revision


def numbers(db: Session, draft: NoteDraft) -> list[int]:
    """The draft's version numbers, oldest first."""
    query = (
        select(DraftRevision.version)
        .where(DraftRevision.draft_id == draft.id)
        .distinct()
        .order_by(DraftRevision.version)
    )
    return list(db.scalars(query))


def as_it_was(draft: NoteDraft, revision: DraftRevision) -> NoteDraft:
    """The draft as it read at `revision`, for the exports: a copy never added to a session."""
    return NoteDraft(
        id=draft.id,
        space_id=draft.space_id,
        template=draft.template,
        lang=draft.lang,
        title=revision.title,
        content=revision.content,
        state=revision.state,
        word_target=draft.word_target,
        version=revision.version,
        created_by_id=draft.created_by_id,
        created_at=draft.created_at,
        updated_by_id=revision.author_id,
        updated_at=revision.created_at,
    )


@dataclass(frozen=True)
class SectionChange:
    section: SectionSpec
    diff: Markup  # the newer text, with what changed marked
    changed: bool


@dataclass(frozen=True)
class FieldChange:
    name: str  # a title block field (app/drafts/title_block.py)
    diff: Markup
    changed: bool


@dataclass(frozen=True)
class Comparison:
    old: DraftRevision
    new: DraftRevision
    title: Markup
    sections: list[SectionChange]
    title_block: list[FieldChange]  # the fields either version fills

    @property
    def changed(self) -> bool:
        return (
            self.old.title != self.new.title
            or any(s.changed for s in self.sections)
            or any(f.changed for f in self.title_block)
        )


def compare(
    db: Session, viewer: Viewer, draft: NoteDraft, old_number: int, new_number: int
) -> Comparison:
    """Version `old_number` against `new_number`, title and section by section."""
    old = version_of(db, viewer, draft, old_number)
    new = version_of(db, viewer, draft, new_number)
    then, now = Content.of(old.content), Content.of(new.content)
    changes = []
    for section in service.template_of(draft).sections:
        a, b = then.sections.get(section.key, ""), now.sections.get(section.key, "")
        changes.append(SectionChange(section, word_diff(a, b), a != b))
    block_changes = []
    for name in TitleBlock.names():
        a, b = then.title_block.get(name, ""), now.title_block.get(name, "")
        if a or b:
            block_changes.append(FieldChange(name, word_diff(a, b), a != b))
    return Comparison(old, new, word_diff(old.title, new.title), changes, block_changes)
