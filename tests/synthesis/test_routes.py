"""The themes board, a theme's page and the near-duplicates, as moderators use them: every
decision by a plain form (303) and under htmx (the part it changed), kept across a
recomputation, refused with its error beside the field; nobody else sees any of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser, LexborNode
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.markup import plain_text
from app.models import (
    Assignment,
    Comment,
    CommentTag,
    Excerpt,
    ObjectiveSuggestion,
    Tag,
    Theme,
    ThemeMember,
)
from app.models.analysis import SuggestionState, ThemeKind
from app.moderation import decisions
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts
from tests.synthesis.conftest import Consultation

HTMX = {"HX-Request": "true"}
Analyse = Callable[[], int]


def _board(
    client: TestClient, c: Consultation, lang: str = "en", query: str = ""
) -> LexborHTMLParser:
    response = client.get(f"/{lang}/spaces/{c.space.slug}/themes{query}")
    assert response.status_code == 200, response.text
    return parse(response.text)


def _cards(page: LexborHTMLParser) -> dict[int, LexborNode]:
    return {
        int((card.attributes["id"] or "").removeprefix("theme-")): card
        for card in page.css("article.theme-card")
    }


def _langs(card: LexborNode) -> set[str]:
    return {a.text() for a in card.css(".theme-languages abbr")}


def _count(card: LexborNode) -> int:
    """The comments a card counts, each repeat of another included."""
    repeats = texts(card, ".theme-figures .repeats")
    return int(texts(card, ".theme-figures")[0].split()[0]) + (
        int(repeats[0].strip("(").split()[0]) if repeats else 0
    )


def _members(db: Session, theme_id: int) -> set[int]:
    return set(db.scalars(select(ThemeMember.comment_id).where(ThemeMember.theme_id == theme_id)))


def _mixed(db: Session, c: Consultation, page: LexborHTMLParser) -> int:
    """A theme of the board that holds comments in all three languages."""
    mixed = [i for i, card in _cards(page).items() if _langs(card) == {"en", "fr", "es"}]
    assert mixed, "no theme mixes the three languages"
    return mixed[0]


def test_the_board_shows_themes_across_languages_and_what_is_stale(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation, analyse: Analyse
) -> None:
    c = consultation
    sign_in(client, c.moderator)
    before = _board(client, c)
    assert texts(before, ".progress-count") == ["0 of 21 comments analysed"]
    assert texts(before, ".computed") == ["Themes not computed yet."]
    assert before.css(".stale")
    analyse()
    page = _board(client, c)
    assert texts(page, ".progress-count") == ["21 of 21 comments analysed"]
    assert texts(page, ".computed")[0].startswith("Themes computed on ")
    assert not page.css(".stale")
    assert one(page, "#themes-progress form button").text() == "Recompute now"
    # One question, numbered and titled; a theme mixing English, French and Spanish.
    assert texts(page, "#question-1 h3") == [f"Question 1: {c.question.body_md}"]
    theme_id = _mixed(db, c, page)
    card = _cards(page)[theme_id]
    held = _members(db, theme_id)
    assert _count(card) == len(held)
    shares = texts(card, ".theme-languages")[0]
    assert all(f"{code} " in shares for code in ("en", "fr", "es"))
    assert " · " in shares
    # Passages: verbatim words of a comment of the theme, in its language, linked.
    quotes = card.css(".passages blockquote")
    assert quotes
    by_id = {comment.id: comment for comment in c.comments.values()}
    for quote in quotes:
        comment_id = int((quote.attributes["cite"] or "").rsplit("/", 1)[1])
        assert comment_id in held
        assert quote.attributes["lang"] == by_id[comment_id].lang
        assert quote.text().strip() in plain_text(by_id[comment_id].body_html)
    assert one(card, "h4 a").attributes["href"] == f"/en/themes/{theme_id}"
    # Sections to assign to, and the merge menu offers only this question's other themes.
    assert len(card.css(".passages li")[0].css("select[name=section] option")) > 2
    others = {int(o.attributes["value"] or 0) for o in card.css("select[name=into] option")}
    assert others - {0} <= set(_cards(page)) - {theme_id}
    # The filter: a question's number, or anything else ignored.
    assert set(_cards(_board(client, c, query="?question=1"))) == set(_cards(page))
    assert set(_cards(_board(client, c, query="?question=zz%00"))) == set(_cards(page))
    assert _cards(_board(client, c, query="?question=7"))  # no such question: all shown
    # In French: the page's own words translated, the same themes.
    assert set(_cards(_board(client, c, lang="fr"))) == set(_cards(page))

    # A hidden comment leaves its theme at once, and the themes say they are stale.
    gone = min(held)
    decisions.hide(
        db, factory.viewer(c.moderator), db.get(Comment, gone), reason="Off topic.", now=NOW
    )
    db.flush()
    after = _board(client, c)
    assert after.css(".stale")
    cited = {int((q.attributes["cite"] or "").rsplit("/", 1)[1]) for q in after.css("blockquote")}
    assert gone not in cited
    assert _count(_cards(after)[theme_id]) == len(held) - 1
    theme_page = parse(client.get(f"/en/themes/{theme_id}").text)
    assert not theme_page.css(f"#tc-{gone}")
    # The near-duplicates page is linked from the board.
    link = one(after, "a[href$='/near-duplicates']")
    assert client.get(link.attributes["href"] or "").status_code == 200


NOW = datetime.now(UTC)


def test_decisions_round_trip_and_survive_a_recomputation(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation, analyse: Analyse
) -> None:
    c = consultation
    analyse()
    sign_in(client, c.moderator)
    page = _board(client, c)
    themes = [i for i, card in _cards(page).items() if "apart" not in card.attributes["class"]]
    assert len(themes) >= 3, "too few themes to merge and split"
    keep, folded = themes[0], themes[1]

    # Rename under htmx: the question's part comes back with the new name.
    response = client.post(
        f"/en/themes/{keep}/rename", data={"name": "  Fees on   transfers "}, headers=HTMX
    )
    assert response.status_code == 200
    part = parse(response.text)
    assert one(part, "section.theme-question").attributes["id"] == "question-1"
    assert texts(part, f"#theme-{keep} h4 a") == ["Fees on transfers"]
    assert one(part, f"#rename-{keep}-name").attributes["value"] == "Fees on transfers"

    # Merge without JavaScript: back to the board, at the theme merged into.
    folded_members = _members(db, folded)
    response = client.post(f"/en/themes/{keep}/merge", data={"into": ""})
    assert response.status_code == 422
    response = client.post(f"/en/themes/{folded}/merge", data={"into": str(keep), "question": "1"})
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/en/spaces/{c.space.slug}/themes?question=1#theme-{keep}"
    )
    assert folded_members <= _members(db, keep)
    assert client.get(f"/en/themes/{folded}").status_code == 404

    # Split two comments off into a new, named theme, from the theme's page.
    theme_page = parse(client.get(f"/en/themes/{keep}").text)
    ids = [int(box.attributes["value"] or 0) for box in theme_page.css("input[name=ids]")]
    assert set(ids) == _members(db, keep)
    chosen = ids[:2]
    response = client.post(
        f"/en/themes/{keep}/split",
        data={"ids": [str(i) for i in chosen], "name": "Cash at the border", "back": "theme"},
        headers=HTMX,
    )
    assert response.status_code == 200
    detail = parse(response.text)
    made_link = one(detail, "#theme-detail p.note a")
    made = int((made_link.attributes["href"] or "").rsplit("/", 1)[1])
    assert _members(db, made) == set(chosen)
    assert not {int(b.attributes["value"] or 0) for b in detail.css("input[name=ids]")} & set(
        chosen
    )

    # Move one more comment into the new theme, without JavaScript.
    moved = ids[2]
    response = client.post(
        f"/en/themes/{keep}/move",
        data={"comment_id": str(moved), "theme": str(made), "back": "theme"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/en/themes/{keep}"
    assert moved in _members(db, made)

    # A new comment arrives; the themes are computed again: every decision stands.
    author = factory.user("Late Contributor")
    factory.comment(
        c.space,
        author,
        "Sending money home costs far too much in fees at every transfer.",
        parent=c.question,
    )
    analyse()
    db.expire_all()
    page = _board(client, c)
    cards = _cards(page)
    assert keep in cards
    assert made in cards
    assert folded not in cards
    assert texts(cards[keep], "h4 a") == ["Fees on transfers"]
    assert texts(cards[made], "h4 a") == ["Cash at the border"]
    assert set(chosen) | {moved} <= _members(db, made)
    assert folded_members - {moved} - set(chosen) <= _members(db, keep)
    # An empty name gives the computed label back.
    client.post(f"/en/themes/{keep}/rename", data={"name": ""})
    theme = db.get(Theme, keep)
    assert theme is not None
    db.refresh(theme)
    assert theme.name == ""
    assert texts(_cards(_board(client, c))[keep], "h4 a") != ["Fees on transfers"]


def test_passages_kept_and_assigned_and_bad_input_refused(
    client: TestClient, db: Session, consultation: Consultation, analyse: Analyse
) -> None:
    c = consultation
    analyse()
    sign_in(client, c.moderator)
    page = _board(client, c)
    theme_id = _mixed(db, c, page)
    card = _cards(page)[theme_id]
    first = card.css(".passages li")[0]
    index = one(first, "form.keep input[name=passage]").attributes["value"]
    quoted = first.css_first("blockquote").text().strip()
    comment_id = int((first.css_first("blockquote").attributes["cite"] or "").rsplit("/", 1)[1])

    # Kept as an excerpt, under htmx: the passage now says so.
    response = client.post(
        f"/en/themes/{theme_id}/keep", data={"passage": index, "question": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert texts(parse(response.text), f"#passage-{theme_id}-{index} .kept")
    excerpt = db.scalars(select(Excerpt)).one()
    comment = db.get(Comment, comment_id)
    assert comment is not None
    theme = db.get(Theme, theme_id)
    assert theme is not None
    stored = theme.passages[int(index or 0)]
    assert (excerpt.comment_id, excerpt.start, excerpt.end) == (
        comment_id,
        stored["start"],
        stored["end"],
    )
    assert excerpt.text == quoted
    assert plain_text(comment.body_html)[excerpt.start : excerpt.end] == excerpt.text
    assert excerpt.comment_version == comment.version

    # Assigned to a section of a note, without JavaScript.
    section = first.css("select[name=section] option")[1].attributes["value"] or ""
    response = client.post(
        f"/en/themes/{theme_id}/assign", data={"passage": index, "section": section}
    )
    assert response.status_code == 303
    assignment = db.scalars(select(Assignment)).one()
    assert (assignment.section, assignment.comment_id) == (section, comment_id)
    assert assignment.excerpt_id is not None

    # Refusals: the error beside the field, what was typed kept, 422.
    bad = client.post(f"/en/themes/{theme_id}/assign", data={"passage": index, "section": "x"})
    assert bad.status_code == 422
    assert texts(parse(bad.text), f"#passage-{theme_id}-{index}-assign-section-error") == [
        "Choose a section."
    ]
    gone = client.post(f"/en/themes/{theme_id}/keep", data={"passage": "99"})
    assert gone.status_code == 422
    assert texts(parse(gone.text), f"#theme-{theme_id}-passage-error") == [
        "This passage is not in the comment as it reads now."
    ]
    long_name = "A name " * 30
    for lang in ("en", "fr"):
        refused = client.post(f"/{lang}/themes/{theme_id}/rename", data={"name": long_name})
        assert refused.status_code == 422
        tree = parse(refused.text)
        assert one(tree, f"#rename-{theme_id}-name").attributes["value"] == long_name
        message = texts(tree, f"#rename-{theme_id}-name-error")
        assert len(message) == 1
        if lang == "en":
            assert message == ["Keep a theme's name under 120 characters."]
    control = client.post(
        f"/en/themes/{theme_id}/rename", data={"name": "Bad\x07name"}, headers=HTMX
    )
    assert control.status_code == 422
    assert parse(control.text).css(f"#rename-{theme_id}-name-error")
    # A theme of another question is no place to merge into.
    elsewhere = Theme(
        space_id=c.space.id, question_number=2, kind=ThemeKind.THEME, labels={"en": "x"}
    )
    db.add(elsewhere)
    db.flush()
    across = client.post(f"/en/themes/{theme_id}/merge", data={"into": str(elsewhere.id)})
    assert across.status_code == 422
    assert texts(parse(across.text), f"#merge-{theme_id}-into-error") == [
        "Choose another theme of the same question."
    ]
    db.refresh(theme)
    assert theme.merged_into_id is None
    assert theme.name == ""


@pytest.fixture
def planted(factory: Factory, db: Session) -> dict:
    """A space with a theme and a suggested objective, without running the worker."""
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="themes-space", moderators=(mona,))
    elsewhere = factory.user("Moderator Elsewhere")
    other = factory.space(slug="elsewhere", moderators=(elsewhere,))
    question = factory.question(space, mona, "What should change first?")
    comment = factory.comment(space, alice, "Remittance fees are too high.", parent=question)
    theme = Theme(space_id=space.id, question_number=1, kind=ThemeKind.THEME, labels={"en": "Fees"})
    db.add(theme)
    db.flush()
    db.add(ThemeMember(comment_id=comment.id, theme_id=theme.id))
    db.add(ObjectiveSuggestion(comment_id=comment.id, code=20, confidence=0.9))
    db.add(ObjectiveSuggestion(comment_id=comment.id, code=19, confidence=0.85))
    db.flush()
    return {
        "mona": mona,
        "alice": alice,
        "space": space,
        "other": other,
        "comment": comment,
        "theme": theme,
        "elsewhere": elsewhere,
    }


def _routes(planted: dict) -> list[tuple[str, str, dict]]:
    slug, tid, cid = planted["space"].slug, planted["theme"].id, planted["comment"].id
    return [
        ("GET", f"/en/spaces/{slug}/themes", {}),
        ("GET", f"/en/spaces/{slug}/near-duplicates", {}),
        ("GET", f"/en/themes/{tid}", {}),
        ("POST", f"/en/spaces/{slug}/themes/recompute", {}),
        ("POST", f"/en/themes/{tid}/rename", {"name": "Mine"}),
        ("POST", f"/en/themes/{tid}/merge", {"into": str(tid)}),
        ("POST", f"/en/themes/{tid}/split", {"ids": str(cid)}),
        ("POST", f"/en/themes/{tid}/move", {"comment_id": str(cid), "theme": str(tid)}),
        ("POST", f"/en/themes/{tid}/keep", {"passage": "0"}),
        ("POST", f"/en/themes/{tid}/assign", {"passage": "0", "section": "x"}),
        ("POST", f"/en/comments/{cid}/suggestions", {"op": "accept", "code": "20"}),
        ("POST", f"/en/comments/{cid}/suggestions", {"op": "dismiss", "code": "20"}),
    ]


def test_only_the_spaces_moderators_see_or_decide(
    client: TestClient, db: Session, factory: Factory, planted: dict
) -> None:
    routes = _routes(planted)
    readers = [None, planted["alice"], factory.user("Someone Else"), planted["elsewhere"]]
    for reader in readers:
        if reader is not None:
            sign_in(client, reader)
        for method, url, data in routes:
            response = client.request(method, url, data=data or None)
            assert response.status_code in (403, 404), (reader, method, url, response.status_code)
    theme = db.get(Theme, planted["theme"].id)
    assert theme is not None
    db.refresh(theme)
    assert theme.name == ""
    assert theme.merged_into_id is None
    assert db.scalars(select(ObjectiveSuggestion.state)).all() == [
        SuggestionState.SUGGESTED,
        SuggestionState.SUGGESTED,
    ]
    sign_in(client, planted["mona"])
    for method, url, _data in routes[:3]:
        assert client.request(method, url).status_code == 200, url


def test_suggested_objectives_are_accepted_or_dismissed_on_the_curation_panel(
    client: TestClient, db: Session, planted: dict
) -> None:
    sign_in(client, planted["mona"])
    cid = planted["comment"].id
    panel = parse(client.get(f"/en/comments/{cid}/curate").text)
    items = panel.css(".objective-suggestions li")
    assert [i.css_first("input[name=code]").attributes["value"] for i in items] == ["20", "19"]
    assert texts(items[0], ".likely") == ["likely"]
    assert texts(items[1], ".likely") == []
    assert "90% confidence" in texts(items[0], ".muted")[0]
    # Accept under htmx: the panel comes back (by way of its own route), tagged.
    response = client.post(
        f"/en/comments/{cid}/suggestions",
        data={"op": "accept", "code": "20"},
        headers=HTMX,
        follow_redirects=True,
    )
    assert response.status_code == 200
    fragment = parse(response.text)
    assert one(fragment, "section.curation").attributes["id"] == f"curation-{cid}"
    assert not fragment.css("h1")  # the fragment, not the whole page
    assert [
        i.css_first("input[name=code]").attributes["value"]
        for i in fragment.css(".objective-suggestions li")
    ] == ["19"]
    tag = db.scalars(select(Tag).join(CommentTag, CommentTag.tag_id == Tag.id)).one()
    assert (tag.taxonomy, tag.code) == ("gcm", "20")
    # Dismiss without JavaScript: remembered, never suggested again.
    response = client.post(f"/en/comments/{cid}/suggestions", data={"op": "dismiss", "code": "19"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/en/comments/{cid}/curate"
    row = db.get(ObjectiveSuggestion, (cid, 19))
    assert row is not None
    db.refresh(row)
    assert row.state == SuggestionState.DISMISSED
    assert not parse(client.get(f"/en/comments/{cid}/curate").text).css(".objective-suggestions li")
    # A suggestion already decided is no longer there to decide.
    again = client.post(f"/en/comments/{cid}/suggestions", data={"op": "accept", "code": "19"})
    assert again.status_code == 404


def test_the_board_is_linked_from_the_moderators_navigation(
    client: TestClient, planted: dict
) -> None:
    sign_in(client, planted["mona"])
    slug = planted["space"].slug
    queue = parse(client.get(f"/en/spaces/{slug}/moderation").text)
    link = one(queue, "nav.tabs a[href$='/themes']")
    assert link.attributes["href"] == f"/en/spaces/{slug}/themes"
    space_page = parse(client.get(f"/en/spaces/{slug}").text)
    assert one(space_page, ".space-links a[href$='/themes']").text() == "Themes"
    board = parse(client.get(f"/en/spaces/{slug}/themes").text)
    assert texts(board, f"#theme-{planted['theme'].id} h4 a") == ["Fees"]
