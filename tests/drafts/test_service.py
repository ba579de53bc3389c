"""Draft services: the citation sources of a draft, and what their loading costs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import policy
from app.curation import service as curation
from app.drafts import service, versions
from app.drafts.syntax import Content
from app.errors import FormErrors, NotFound
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


def _sections(draft: NoteDraft, background: str) -> dict[str, str]:
    return {
        s.key: background if s.key == "background" else ""
        for s in service.template_of(draft).sections
    }


def test_an_approved_draft_refuses_saves_until_a_new_version(db: Session, factory: Factory) -> None:
    now = datetime.now(UTC)
    moderator = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(moderator,))
    viewer = factory.viewer(moderator)
    draft = service.create_draft(
        db, viewer, space, template="background-note", lang="en", title="Note", now=now
    )
    service.save(
        db,
        viewer,
        draft,
        base_version=1,
        title="Note",
        sections=_sections(draft, "Agreed."),
        now=now,
    )
    for state in ("in-review", "approved"):
        service.change_state(db, viewer, draft, to=state, note="", now=now)
    approved = draft.version
    # Whatever version the save was based on, the frozen draft does not change.
    for base in (approved, approved - 1):
        with pytest.raises(FormErrors) as refused:
            service.save(
                db,
                viewer,
                draft,
                base_version=base,
                title="Note",
                sections=_sections(draft, "Changed."),
                now=now,
            )
        assert list(refused.value.errors) == ["new-version"]
    assert (draft.state, draft.version) == ("approved", approved)
    service.change_state(db, viewer, draft, to="draft", note="", now=now)
    service.save(
        db,
        viewer,
        draft,
        base_version=draft.version,
        title="Note 2",
        sections=_sections(draft, "Changed."),
        now=now,
    )
    assert (draft.state, draft.version) == ("draft", approved + 2)
    old = versions.version_of(db, viewer, draft, approved)
    assert (old.state, Content.of(old.content).sections["background"]) == ("approved", "Agreed.")
    then = versions.as_it_was(draft, old)
    assert (then.title, then.version, then.state) == ("Note", approved, "approved")
    assert then not in db  # a copy for the exports, never written back
    assert Content.of(draft.content).sections["background"] == "Changed."
    comparison = versions.compare(db, viewer, draft, approved, draft.version)
    assert comparison.changed
    assert str(comparison.title) == "Note <ins>2</ins>"
    with pytest.raises(NotFound):
        versions.version_of(db, factory.viewer(factory.user("Someone")), draft, 1)
    with pytest.raises(NotFound):
        versions.version_of(db, viewer, draft, draft.version + 1)


@pytest.mark.parametrize(
    ("old", "new", "html"),
    [
        ("a b c", "a c d", "a <del>b</del> c <ins>d</ins>"),
        ("a b", "a", "a <del>b</del>"),
        ("", "new words", "<ins>new words</ins>"),
        ("same\n\ntext", "same\n\ntext", "same\n\ntext"),
        (
            "<i>x</i> & y",
            "<i>z</i> & y",
            "<del>&lt;i&gt;x&lt;/i&gt;</del> <ins>&lt;i&gt;z&lt;/i&gt;</ins> &amp; y",
        ),
        (
            "Fees [c:1] too high.",
            "Fees [c:2] too high.",
            "Fees <del>[c:1]</del> <ins>[c:2]</ins> too high.",
        ),
    ],
)
def test_word_diff_marks_words_and_escapes_everything(old: str, new: str, html: str) -> None:
    assert str(versions.word_diff(old, new)) == html
