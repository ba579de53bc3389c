"""Draft services: the citation sources of a draft, and what their loading costs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app import policy
from app.curation import service as curation
from app.drafts import service
from app.drafts.syntax import Content
from app.models import Comment, CommentTranslation, NoteDraft, Space, User
from app.models.comments import CommentStatus
from app.spaces import service as spaces
from tests.conftest import StatementCounter
from tests.factories import Factory

_SAVEPOINT = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")


def _cited_draft(db: Session, factory: Factory, moderator: User, space: Space, n: int) -> NoteDraft:
    """A draft citing `n` comments and `n` excerpts (every other one of a translation),
    each comment by an author of its own."""
    now = datetime.now(UTC)
    viewer = factory.viewer(moderator)
    question = factory.question(space, moderator, f"Question for {n} sources?")
    lines = []
    for i in range(n):
        author = factory.user(f"Author {n}-{i}")
        comment = factory.comment(space, author, f"Words number {i} of {n}.", parent=question)
        db.add(
            CommentTranslation(
                comment_id=comment.id,
                lang="fr",
                body_md=f"Mots numéro {i} sur {n}.",
                body_html=f"<p>Mots numéro {i} sur {n}.</p>",
            )
        )
        db.flush()
        lang, passage = ("fr", "Mots numéro") if i % 2 else ("en", "Words number")
        excerpt = curation.mark_excerpt(
            db, viewer, comment, lang=lang, passage=passage, start=None, now=now
        )
        lines.append(f"- a comment [c:{comment.id}] and an excerpt [e:{excerpt.id}]")
    draft = service.create_draft(
        db, viewer, space, template="background-note", lang="en", title=f"{n} sources", now=now
    )
    spec = service.template_of(draft)
    sections = {s.key: "" for s in spec.sections}
    sections[spec.sections[0].key] = "\n".join(lines)
    return service.save(
        db,
        viewer,
        draft,
        base_version=draft.version,
        title=draft.title,
        sections=sections,
        now=now,
    )


def _counted(
    session_factory: sessionmaker[Session],
    counter: StatementCounter,
    factory: Factory,
    moderator: User,
    draft: NoteDraft,
    purpose: policy.Purpose,
) -> tuple[int, dict[str, service.Source]]:
    """Statements `sources` runs in a unit of work of its own (nothing cached yet)."""
    with session_factory() as db:
        viewer = factory.viewer(moderator)
        policy.read_as(db, viewer)
        loaded = db.get(NoteDraft, draft.id)
        assert loaded is not None
        space_view = spaces.space_of(db, viewer, loaded.space_id, lang="en", now=datetime.now(UTC))
        counter.statements.clear()
        found = service.sources(
            db, loaded, space_view.space, space_view.moderator_ids, purpose=purpose
        )
        count = sum(1 for s in counter.statements if not _SAVEPOINT.match(s))
    return count, found


def test_sources_load_in_a_constant_number_of_statements(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    count_statements: StatementCounter,
) -> None:
    moderator = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(moderator,))
    counts: dict[tuple[int, policy.Purpose], int] = {}
    for n in (2, 6, 16):
        draft = _cited_draft(db, factory, moderator, space, n)
        for purpose in (policy.Purpose.READ, policy.Purpose.PUBLISHED):
            counts[(n, purpose)], found = _counted(
                session_factory, count_statements, factory, moderator, draft, purpose
            )
            assert len(found) == 2 * n
            assert all(s.warning is None and s.comment_id for s in found.values())
    for purpose in (policy.Purpose.READ, policy.Purpose.PUBLISHED):
        by_size = [counts[(n, purpose)] for n in (2, 6, 16)]
        assert len(set(by_size)) == 1, (purpose, by_size)
        assert by_size[0] <= 4, by_size


def test_sources_resolve_names_texts_and_warnings(
    db: Session, factory: Factory, session_factory: sessionmaker[Session]
) -> None:
    moderator = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(moderator,))
    draft = _cited_draft(db, factory, moderator, space, 2)
    keys = list(Content.of(draft.content).cited)
    assert [k[0] for k in keys] == ["c", "e", "c", "e"]
    first, second = (db.get(Comment, int(keys[i][2:])) for i in (0, 2))
    assert first is not None
    assert second is not None
    # Since they were quoted, the first comment was edited and the second hidden.
    first.body_html = "<p>Changed entirely.</p>"
    second.status = CommentStatus.HIDDEN
    db.flush()
    with session_factory() as reading:
        viewer = factory.viewer(moderator)
        policy.read_as(reading, viewer)
        loaded = reading.get(NoteDraft, draft.id)
        assert loaded is not None
        view = spaces.space_of(reading, viewer, space.id, lang="en", now=datetime.now(UTC))
        found = service.sources(reading, loaded, view.space, view.moderator_ids)
        published = service.sources(
            reading, loaded, view.space, view.moderator_ids, purpose=policy.Purpose.PUBLISHED
        )
    assert [(s.warning, s.lang, s.text) for s in found.values()] == [
        ("edited", "en", "Changed entirely."),
        ("edited", "en", "Words number"),  # an excerpt of the English words, since changed
        ("hidden", "en", "Words number 1 of 2."),
        ("hidden", "fr", "Mots numéro"),  # of the French translation, unchanged
    ]
    assert [s.author_name for s in found.values()] == ["Author 2-0"] * 2 + ["Author 2-1"] * 2
    assert [s.comment_id for s in found.values()] == [first.id, first.id, second.id, second.id]
    # What leaves the site sees published words only.
    assert [s.comment_id for s in published.values()] == [first.id, first.id, None, None]
    assert [s.warning for s in published.values()][2:] == ["deleted", "deleted"]
