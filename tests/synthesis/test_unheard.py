"""The unheard check: what has contributions in a space but no citation in the draft yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.drafts import service as drafts
from app.markup import plain_text
from app.models import Comment, NoteDraft
from app.models.analysis import ThemeKind
from app.moderation import decisions
from app.synthesis import service, unheard
from tests.factories import Factory, sign_in
from tests.html import parse, texts
from tests.synthesis.conftest import Consultation

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _draft(db: Session, factory: Factory, c: Consultation) -> NoteDraft:
    return drafts.create_draft(
        db,
        factory.viewer(c.moderator),
        c.space,
        template="background-note",
        lang="en",
        title="A note",
        now=NOW,
    )


def _cite(db: Session, factory: Factory, c: Consultation, draft: NoteDraft, text: str) -> None:
    sections = {**draft.content["sections"], "background": text}
    drafts.save(
        db,
        factory.viewer(c.moderator),
        draft,
        base_version=draft.version,
        title=draft.title,
        sections=sections,
        now=NOW,
    )
    db.flush()


def _keys(gaps: list[unheard.Gap], kind: str) -> set[str]:
    return {g.key for g in gaps if g.kind == kind}


def test_a_draft_citing_nothing_lists_every_question_theme_and_language(
    db: Session, factory: Factory, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    analyse()
    c = consultation
    db.refresh(c.space)
    viewer = factory.viewer(c.moderator)
    draft = _draft(db, factory, c)
    gaps = unheard.check(db, viewer, draft, c.space, "en")
    assert _keys(gaps, "question") == {str(c.question.number)}
    themes = service.board(db, viewer, c.space, "en").themes
    with_members = {str(t.id) for t in themes if t.kind is ThemeKind.THEME and t.comment_ids}
    assert with_members
    assert _keys(gaps, "theme") == with_members
    assert _keys(gaps, "language") == {"en", "fr", "es"}
    by_lang = {g.key: g for g in gaps if g.kind == "language"}
    langs = [comment.lang for comment in c.comments.values()]
    assert {k: g.contributions for k, g in by_lang.items()} == {
        lang: langs.count(lang) for lang in ("en", "fr", "es")
    }
    # Each with a verbatim passage of one of its contributions.
    texts_by_id = {comment.id: plain_text(comment.body_html) for comment in c.comments.values()}
    for gap in gaps:
        assert gap.passage is not None, gap
        text = texts_by_id[gap.passage.comment_id]
        assert text[gap.passage.start : gap.passage.end] == gap.passage.text
        assert gap.passage.text in text


def test_citing_a_comment_of_a_theme_removes_that_theme_its_question_and_language(
    db: Session, factory: Factory, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    analyse()
    c = consultation
    db.refresh(c.space)
    viewer = factory.viewer(c.moderator)
    draft = _draft(db, factory, c)
    before = unheard.check(db, viewer, draft, c.space, "en")
    theme = next(g for g in before if g.kind == "theme")
    members = next(
        t for t in service.board(db, viewer, c.space, "en").themes if str(t.id) == theme.key
    )
    cited = db.get(Comment, members.comment_ids[0])
    assert cited is not None
    _cite(db, factory, c, draft, f"As one contributor put it [c:{cited.id}].")
    after = unheard.check(db, viewer, draft, c.space, "en")
    assert theme.key not in _keys(after, "theme")
    assert _keys(after, "theme") == _keys(before, "theme") - {theme.key}
    assert _keys(after, "question") == set()
    assert _keys(after, "language") == {"en", "fr", "es"} - {cited.lang}


def test_a_hidden_comment_is_never_offered(
    client: TestClient,
    db: Session,
    factory: Factory,
    consultation: Consultation,
) -> None:
    c = consultation
    viewer = factory.viewer(c.moderator)
    draft = _draft(db, factory, c)
    # Every Spanish comment but one cited; the one left is hidden.
    spanish = [comment for comment in c.comments.values() if comment.lang == "es"]
    hidden = spanish[0]
    decisions.hide(db, viewer, hidden, reason="Names a colleague.", now=NOW)
    db.flush()
    gaps = unheard.check(db, viewer, draft, c.space, "en")
    assert all(g.passage is None or g.passage.comment_id != hidden.id for g in gaps)
    es = next(g for g in gaps if g.kind == "language" and g.key == "es")
    assert es.contributions == len(spanish) - 1
    _cite(db, factory, c, draft, " ".join(f"[c:{s.id}]" for s in spanish[1:]))
    gaps = unheard.check(db, viewer, draft, c.space, "en")
    assert "es" not in _keys(gaps, "language")
    # Neither the check's page nor the workbench offers it.
    sign_in(client, c.moderator)
    page = parse(client.get(f"/en/drafts/{draft.id}/unheard").text)
    assert not [
        b for b in page.css("button.cite") if b.attributes["value"].startswith(f"{hidden.id}:")
    ]
    bench = parse(client.get(f"/en/drafts/{draft.id}/workbench").text)
    assert bench.css_first(f"#wb-c-{hidden.id}") is None
    ids = set(db.scalars(select(Comment.id).where(Comment.space_id == c.space.id)))
    assert hidden.id in ids


def test_the_check_as_a_page_and_as_the_draft_pages_fragment(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    sign_in(client, c.moderator)
    page = parse(client.get(f"/en/drafts/{draft.id}/unheard").text)
    assert texts(page, "#unheard h4") == ["Questions", "Languages"]
    question = page.css_first(f"#gap-question-{c.question.number}")
    assert question is not None
    people = len({comment.author_id for comment in c.comments.values()})
    assert f"{len(c.comments)} contributions from {people} people, none cited" in question.text()
    # Without vectors yet, each gap still quotes a sentence of its contributions.
    quote = question.css_first("blockquote")
    assert quote is not None
    assert quote.attributes["lang"] in ("en", "fr", "es")
    button = question.css_first("button.cite")
    assert button is not None
    # The page without JavaScript: the buttons post its own form.
    assert button.attributes["form"] == "unheard-cite"
    assert page.css_first("form#unheard-cite input[name=base_version]") is not None
    # Under htmx (the draft's pages), they post the draft's form.
    fragment = parse(
        client.get(f"/en/drafts/{draft.id}/unheard", headers={"HX-Request": "true"}).text
    )
    assert {b.attributes["form"] for b in fragment.css("button.cite")} == {"draft"}
    # The draft's page loads it, and links to it and to the workbench.
    editor = parse(client.get(f"/en/drafts/{draft.id}").text)
    holder = editor.css_first("#unheard")
    assert holder is not None
    assert holder.attributes["hx-get"] == f"/en/drafts/{draft.id}/unheard"
    links = {a.attributes["href"] for a in editor.css("a")}
    assert {f"/en/drafts/{draft.id}/workbench", f"/en/drafts/{draft.id}/unheard"} <= links

    # Citing from the page (without JavaScript) appends to the section chosen and saves.
    value = button.attributes["value"]
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite",
        data={"base_version": str(draft.version), "section": "background", "cite": value},
    )
    assert response.status_code == 303, response.text
    db.refresh(draft)
    assert "[e:" in draft.content["sections"]["background"]
    page = parse(client.get(f"/en/drafts/{draft.id}/unheard").text)
    assert page.css_first(f"#gap-question-{c.question.number}") is None


def test_nothing_unheard_is_said(client: TestClient, db: Session, factory: Factory) -> None:
    moderator = factory.user("Mira Moderator")
    space = factory.space(moderators=(moderator,))
    question = factory.question(space, moderator, "What should change?")
    comment = factory.comment(
        space, factory.user("Only One"), "The fees should be lower for everyone.", parent=question
    )
    draft = drafts.create_draft(
        db,
        factory.viewer(moderator),
        space,
        template="background-note",
        lang="en",
        title="A note",
        now=NOW,
    )
    drafts.save(
        db,
        factory.viewer(moderator),
        draft,
        base_version=draft.version,
        title=draft.title,
        sections={**draft.content["sections"], "background": f"Lower fees [c:{comment.id}]."},
        now=NOW,
    )
    db.flush()
    sign_in(client, moderator)
    page = parse(client.get(f"/en/drafts/{draft.id}/unheard").text)
    assert texts(page, "#unheard p.note") == [
        "Nothing is left unheard: every question, theme, language and objective with"
        " contributions is cited at least once."
    ]
