"""Search through the service, on the suite's database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.comments import editing
from app.models import Comment, Space, User
from app.models.comments import CommentStatus
from app.moderation import decisions
from app.policy import ANONYMOUS, Purpose, Viewer, read_as
from app.search import params, service
from tests.factories import Factory

NOW = datetime.now(UTC)


def found(db: Session, viewer: Viewer, q: str, **extra: str) -> list[int]:
    results = run(db, viewer, q, **extra)
    return [h.comment_id for h in results.hits]


def run(db: Session, viewer: Viewer, q: str, **extra: str) -> service.Results:
    asked = params.read({"q": q, **extra})
    read_as(db, viewer)
    try:
        return service.search(db, viewer, asked, lang="en", now=NOW)
    finally:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)


@pytest.fixture
def people(factory: Factory) -> dict[str, User]:
    return {"mod": factory.user("Moderator Mona"), "ana": factory.user("Ana Author")}


@pytest.fixture
def space(factory: Factory, people: dict[str, User]) -> Space:
    return factory.space(slug="mobility", moderators=(people["mod"],))


def test_accents_and_case_are_ignored(db: Session, factory: Factory, space: Space, people) -> None:
    c = factory.comment(space, people["ana"], "La migración laboral necesita vías seguras.", lang="es")
    assert found(db, ANONYMOUS, "migracion") == [c.id]
    assert found(db, ANONYMOUS, "MIGRACIÓN") == [c.id]


@pytest.mark.parametrize(
    ("written", "lang", "typed"),
    [
        ("Les travailleurs saisonniers sont exposés.", "fr", "travailleur"),
        ("Las trabajadoras domésticas migrantes", "es", "trabajadora"),
        ("Remittances reach families faster online.", "en", "remittance"),
        ("Une société plus inclusive", "fr", "societe"),
        ("Las migraciones circulares", "es", "migración"),
    ],
)
def test_word_forms_meet(
    db: Session, factory: Factory, space: Space, people, written: str, lang: str, typed: str
) -> None:
    c = factory.comment(space, people["ana"], written, lang=lang)
    assert found(db, ANONYMOUS, typed) == [c.id]


def test_each_text_is_stemmed_in_its_own_language(
    db: Session, factory: Factory, space: Space, people
) -> None:
    c = factory.comment(space, people["ana"], "Los derechos de las trabajadoras.", lang="es")
    read_as(db, factory.viewer(people["ana"]))
    editing.save_translation(
        db, factory.viewer(people["ana"]), c, space,
        lang="en", body="The rights of women workers.", now=NOW, max_chars=5000,
    )
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    results = run(db, ANONYMOUS, "worker")
    assert [(h.comment_id, h.lang, h.translated) for h in results.hits] == [(c.id, "en", True)]
    assert found(db, ANONYMOUS, "trabajadora") == [c.id]


def test_phrases_and_exclusions(db: Session, factory: Factory, space: Space, people) -> None:
    a = factory.comment(space, people["ana"], "Leaving no one behind is the promise.")
    b = factory.comment(space, people["ana"], "No one is leaving the table behind.")
    assert sorted(found(db, ANONYMOUS, "leaving behind")) == sorted([a.id, b.id])
    assert found(db, ANONYMOUS, '"leaving no one behind"') == [a.id]
    assert found(db, ANONYMOUS, "behind -promise") == [b.id]
    assert found(db, ANONYMOUS, 'behind -"no one behind"') == [b.id]


def test_hidden_and_pending_comments_are_not_found_by_readers(
    db: Session, factory: Factory, space: Space, people
) -> None:
    c = factory.comment(space, people["ana"], "Firewall between services and enforcement.")
    mod = factory.viewer(people["mod"])
    read_as(db, mod)
    decisions.hide(db, mod, c, reason="Off topic", now=NOW)
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    assert found(db, ANONYMOUS, "firewall") == []
    assert found(db, factory.viewer(people["ana"]), "firewall", status="hidden") == []
    assert found(db, mod, "firewall") == []  # published only, unless asked
    assert found(db, mod, "firewall", status="hidden") == [c.id]
    read_as(db, mod)
    decisions.restore(db, mod, c, reason="Fine", now=NOW)
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    assert found(db, ANONYMOUS, "firewall") == [c.id]


def test_edits_reindex_at_once(db: Session, factory: Factory, space: Space, people) -> None:
    c = factory.comment(space, people["ana"], "Consular services abroad.")
    ana = factory.viewer(people["ana"])
    read_as(db, ana)
    editing.edit_comment(
        db, ana, c, space, body="Portability of pensions.", lang="en", now=NOW, max_chars=5000
    )
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    assert found(db, ANONYMOUS, "consular") == []
    assert found(db, ANONYMOUS, "pension") == [c.id]


def test_snippet_marks_matches_and_keeps_text_as_text(
    db: Session, factory: Factory, space: Space, people
) -> None:
    factory.comment(space, people["ana"], "Use <script>alert(1)</script> and **remittances** too.")
    (hit,) = run(db, ANONYMOUS, "remittances").hits
    assert [s.text for s in hit.snippet if s.mark] == ["remittances"]
    assert "<script>" in "".join(s.text for s in hit.snippet)


def test_filters_space_question_lang_dates(
    db: Session, factory: Factory, space: Space, people
) -> None:
    other = factory.space(slug="other")
    q1 = factory.question(space, people["mod"], "What about recruitment fees?")
    in_q1 = factory.comment(space, people["ana"], "Recruitment fees trap workers.", parent=q1)
    elsewhere = factory.comment(other, people["ana"], "Recruitment fees everywhere.")
    french = factory.comment(space, people["ana"], "Les frais de recrutement.", lang="fr")
    assert sorted(found(db, ANONYMOUS, "recruitment fees")) == sorted([q1.id, in_q1.id, elsewhere.id])
    assert found(db, ANONYMOUS, "recruitment", space="other") == [elsewhere.id]
    assert sorted(found(db, ANONYMOUS, "recruitment", space="mobility", question=str(q1.id))) == sorted([q1.id, in_q1.id])
    assert found(db, ANONYMOUS, "recrutement", language="fr") == [french.id]
    assert found(db, ANONYMOUS, "recruitment", space="nowhere") == []
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    assert found(db, ANONYMOUS, "recruitment", **{"from": tomorrow}) == []
    assert len(found(db, ANONYMOUS, "recruitment", to=tomorrow)) == 3


def test_sort_and_pages_are_stable(db: Session, factory: Factory, space: Space, people) -> None:
    made = [factory.comment(space, people["ana"], f"Labour mobility point {i}.") for i in range(45)]
    for i, c in enumerate(made):
        c.created_at = NOW - timedelta(minutes=i)
    db.flush()
    pages = [found(db, ANONYMOUS, "mobility", sort="newest", page=str(n)) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [20, 20, 5]
    assert sum(pages, []) == [c.id for c in made]
    oldest = found(db, ANONYMOUS, "mobility", sort="oldest")
    assert oldest == [c.id for c in reversed(made)][:20]
    assert found(db, ANONYMOUS, "mobility", sort="bogus") == found(db, ANONYMOUS, "mobility")
    assert run(db, ANONYMOUS, "mobility").total == 45


@pytest.mark.parametrize(
    "typed",
    ['"', '""', "NEAR(a b)", "a OR b", "(", ":", "^", "*", "x" * 10_000, "a\x00b", "\x07",
     "\ufffd", "שלום עולם", "‮evil", "-", "- -a", "AND", "NOT remittances", "a*"],
)
def test_hostile_queries_never_fail(db: Session, factory: Factory, space: Space, people, typed: str) -> None:
    factory.comment(space, people["ana"], "Remittances and NEAR words (a b) OR not.")
    results = run(db, ANONYMOUS, typed)
    assert results.total >= 0
