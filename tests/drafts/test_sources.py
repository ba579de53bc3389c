"""A draft's citations resolved: the author's own translation, `[c:N/xx]`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.drafts import service
from app.drafts.service import SourceWarning
from app.models import CommentTranslation
from tests.factories import Factory


def test_a_translation_citation_quotes_the_authors_version(db: Session, factory: Factory) -> None:
    now = datetime.now(UTC)
    mona = factory.user("Moderator Mona")
    space = factory.space(moderators=(mona,))
    comment = factory.comment(
        space, factory.user("Kate Barth"), "Las políticas importan.", lang="es"
    )
    db.add(
        CommentTranslation(
            comment_id=comment.id,
            lang="en",
            body_md="Policies matter.",
            body_html="<p>Policies matter.</p>",
        )
    )
    db.flush()
    viewer = factory.viewer(mona)
    draft = service.create_draft(
        db, viewer, space, template="background-note", lang="en", title="Note", now=now
    )
    sections = {s.key: "" for s in service.template_of(draft).sections}
    first = next(iter(sections))
    sections[first] = (
        f"“Policies matter” [c:{comment.id}/en], “Las políticas” [c:{comment.id}], "
        f"nothing in French [c:{comment.id}/fr]."
    )
    draft = service.save(
        db, viewer, draft, base_version=draft.version, title="Note", sections=sections, now=now
    )
    found = service.sources(db, draft, space, frozenset({mona.id}))
    translated = found[f"c:{comment.id}/en"]
    assert (translated.text, translated.lang, translated.original_lang) == (
        "Policies matter.",
        "en",
        "es",
    )
    assert translated.warning is None
    original = found[f"c:{comment.id}"]
    assert (original.text, original.lang, original.original_lang) == (
        "Las políticas importan.",
        "es",
        "es",
    )
    # No version in that language: nothing to quote, and the editor says so.
    assert found[f"c:{comment.id}/fr"].warning == SourceWarning.DELETED
