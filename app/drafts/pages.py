"""What the draft editor hands its template (app/web/templates.py's `PageContext`)."""

from __future__ import annotations

from dataclasses import dataclass

from app.curation.note_templates import TemplateSpec
from app.drafts.service import Conflict, Source
from app.models import NoteDraft
from app.models.curation import DraftState
from app.spaces.service import SpaceView
from app.web.templates import PageContext


@dataclass(frozen=True)
class DraftEditorContext(PageContext):
    """drafts/edit.html: a draft's sections as saved (or as sent back), and its sources."""

    space_view: SpaceView
    draft: NoteDraft
    spec: TemplateSpec
    title: str
    sections: dict[str, str]  # section key: Markdown
    block: dict[str, str]  # the title block's fields, as saved or as sent back
    words: int
    base_version: int  # the version the form edits; a save from an older one merges
    sources: dict[str, Source]  # citation key: where it points, and what changed there
    transitions: tuple[DraftState, ...]  # the states the draft may move to next
    errors: dict[str, str]
    conflict: Conflict | None  # a save whose sections someone else changed meanwhile
    saved: bool
