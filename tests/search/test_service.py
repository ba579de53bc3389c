"""Search through the service, on the suite's database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app.comments import editing
from app.models import Space, User
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
        return service.search(db, viewer, asked, lang="en")
    finally:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)


@pytest.fixture
def people(factory: Factory) -> dict[str, User]:
    return {"mod": factory.user("Moderator Mona"), "ana": factory.user("Ana Author")}


@pytest.fixture
def space(factory: Factory, people: dict[str, User]) -> Space:
    return factory.space(slug="mobility", moderators=(people["mod"],))


def test_accents_and_case_are_ignored(db: Session, factory: Factory, space: Space, people) -> None:
    c = factory.comment(
        space, people["ana"], "La migración laboral necesita vías seguras.", lang="es"
    )
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
        db,
        factory.viewer(people["ana"]),
        c,
        space,
        lang="en",
        body="The rights of women workers.",
        now=NOW,
        max_chars=5000,
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
    assert sorted(found(db, ANONYMOUS, "recruitment fees")) == sorted(
        [q1.id, in_q1.id, elsewhere.id]
    )
    assert found(db, ANONYMOUS, "recruitment", space="other") == [elsewhere.id]
    assert sorted(
        found(db, ANONYMOUS, "recruitment", space="mobility", question=str(q1.id))
    ) == sorted([q1.id, in_q1.id])
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
    assert [i for p in pages for i in p] == [c.id for c in made]
    oldest = found(db, ANONYMOUS, "mobility", sort="oldest")
    assert oldest == [c.id for c in reversed(made)][:20]
    assert found(db, ANONYMOUS, "mobility", sort="bogus") == found(db, ANONYMOUS, "mobility")
    assert run(db, ANONYMOUS, "mobility").total == 45
    past = run(db, ANONYMOUS, "mobility", page="4")
    assert (past.hits, past.total, past.pages) == ([], 45, 3)
    assert run(db, ANONYMOUS, "absentword").total == 0


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '""',
        "NEAR(a b)",
        "a OR b",
        "(",
        ":",
        "^",
        "*",
        "x" * 10_000,
        "a\x00b",
        "\x07",
        "\ufffd",
        "שלום עולם",
        "‮evil",
        "-",
        "- -a",
        "AND",
        "NOT remittances",
        "a*",
    ],
)
def test_hostile_queries_never_fail(
    db: Session, factory: Factory, space: Space, people, typed: str
) -> None:
    factory.comment(space, people["ana"], "Remittances and NEAR words (a b) OR not.")
    results = run(db, ANONYMOUS, typed)
    assert results.total >= 0


def test_moderators_narrow_by_curation_in_the_spaces_they_moderate(
    db: Session, factory: Factory, space: Space, people
) -> None:
    from app.curation import service as curation
    from app.models.curation import EditorialState

    other_mod = factory.user("Other Moderator")
    other = factory.space(slug="elsewhere", moderators=(other_mod,))
    tagged = factory.comment(space, people["ana"], "Decent work and fair wages.")
    plain = factory.comment(space, people["ana"], "Decent work in agriculture.")
    foreign = factory.comment(other, people["ana"], "Decent work abroad.")
    mod = factory.viewer(people["mod"])
    elsewhere = factory.viewer(other_mod)
    read_as(db, mod)
    curation.add_tag(db, mod, tagged, objective="6", now=NOW)
    curation.add_tag(db, mod, tagged, label="Wages", now=NOW)
    curation.set_state(db, mod, tagged, state=EditorialState.CANDIDATE, reason="", now=NOW)
    read_as(db, elsewhere)
    curation.add_tag(db, elsewhere, foreign, objective="6", now=NOW)
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    assert sorted(found(db, mod, "decent work")) == sorted([tagged.id, plain.id, foreign.id])
    assert found(db, mod, "decent work", objective="6") == [tagged.id]
    assert found(db, elsewhere, "decent work", objective="6") == [foreign.id]
    assert found(db, mod, "decent work", tag="wages") == [tagged.id]
    assert found(db, mod, "decent work", state="candidate") == [tagged.id]
    # For anyone else the moderators' filters do nothing: the public search.
    assert len(found(db, ANONYMOUS, "decent work", objective="6")) == 3
    assert len(found(db, factory.viewer(people["ana"]), "decent work", state="used")) == 3


def test_waiting_comments_only_for_their_space_s_moderators(
    db: Session, factory: Factory, people
) -> None:
    from app.models.spaces import PostingPolicy

    mod, other_mod = people["mod"], factory.user("Other Moderator")
    space = factory.space(moderators=(mod,))
    factory.space(moderators=(other_mod,))
    space.posting_policy = PostingPolicy.PRE_MODERATION
    db.flush()
    waiting = factory.comment(space, people["ana"], "Portable social protection.")
    assert waiting.status == CommentStatus.PENDING
    admin = factory.user("Site Keeper", admin=True)
    assert found(db, factory.viewer(mod), "portable", status="pending") == [waiting.id]
    assert found(db, factory.viewer(admin), "portable", status="pending") == [waiting.id]
    assert found(db, factory.viewer(other_mod), "portable", status="pending") == []
    assert found(db, ANONYMOUS, "portable", status="pending") == []
    assert found(db, factory.viewer(people["ana"]), "portable", status="pending") == []
    assert found(db, factory.viewer(mod), "portable") == []


def test_attribution_rules_apply_to_results(db: Session, factory: Factory, people) -> None:
    from app.models.spaces import AttributionRule

    space = factory.space(moderators=(people["mod"],))
    space.attribution = AttributionRule.CHATHAM_HOUSE
    db.flush()
    factory.comment(space, people["ana"], "Unnamed testimony on detention.")
    (anonymous,) = run(db, ANONYMOUS, "detention").hits
    assert anonymous.author_name is None
    (own,) = run(db, factory.viewer(people["ana"]), "detention").hits
    assert own.author_name == "Ana Author"
    (moderated,) = run(db, factory.viewer(people["mod"]), "detention").hits
    assert moderated.author_name == "Ana Author"


def test_results_name_their_space_and_question(
    db: Session, factory: Factory, space: Space, people
) -> None:
    question = factory.question(space, people["mod"], "What should consular services offer?")
    reply = factory.comment(
        space, people["ana"], "Consular help for detained workers.", parent=question
    )
    hits = {h.comment_id: h for h in run(db, ANONYMOUS, "consular").hits}
    assert hits[reply.id].question is not None
    assert hits[reply.id].question.number == question.number
    assert hits[question.id].is_question
    assert hits[reply.id].space.space.slug == "mobility"


def test_a_search_reads_a_bounded_number_of_texts_and_says_so(
    db: Session, factory: Factory, space: Space, people, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.search import backends

    monkeypatch.setattr(backends, "CANDIDATES", 5)
    made = [factory.comment(space, people["ana"], f"Labour attachés, note {i}.") for i in range(8)]
    results = run(db, ANONYMOUS, "attaché")
    assert results.more
    assert results.capped
    assert results.total == 5
    # The most recent texts are the ones read.
    assert sorted(h.comment_id for h in results.hits) == sorted(c.id for c in made[-5:])
    assert run(db, ANONYMOUS, "attaché", sort="oldest").total == 5
    assert sorted(found(db, ANONYMOUS, "attaché", sort="oldest")) == sorted(c.id for c in made[:5])
    assert not run(db, ANONYMOUS, "note 3").more


def test_relevance_puts_the_denser_match_first(
    db: Session, factory: Factory, space: Space, people
) -> None:
    padding = " Other matters were raised at length in the same meeting." * 6
    long_once = factory.comment(space, people["ana"], "Recruitment fees matter." + padding)
    short_once = factory.comment(space, people["ana"], "Recruitment fees matter.")
    thrice = factory.comment(space, people["ana"], "Fees, visa fees and recruitment fees.")
    assert found(db, ANONYMOUS, "fees") == [thrice.id, short_once.id, long_once.id]
