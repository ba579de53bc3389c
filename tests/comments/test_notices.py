"""What a participant is told about what applies to them, where they would write.

Locked threads, automatic hides, suspensions, an early closing and the attribution rule:
each said in words on the pages where it matters, in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.i18n import format_day, translations, using
from app.models import Ban
from app.models.spaces import AttributionRule
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

HTMX = {"HX-Request": "true"}
LOCKED = "This thread is locked: it takes no new replies."


@pytest.fixture
def world(factory: Factory) -> dict:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    bob = factory.user("Bob Baptiste")
    space = factory.space(slug="pathways", moderators=(mod,))
    question = factory.question(space, mod, "How can pathways be widened?")
    comment = factory.comment(space, alice, "Recognise skills earned abroad.", parent=question)
    reply = factory.comment(space, bob, "Agreed, and faster.", parent=comment)
    return {
        "mod": mod,
        "alice": alice,
        "bob": bob,
        "space": space,
        "question": question,
        "comment": comment,
        "reply": reply,
    }


def _gettext(lang: str, message: str, **values: object) -> str:
    translated = translations(lang).gettext(message)
    if lang != "en":
        assert translated != message, f"not translated into {lang}: {message!r}"
    text = translated % values if values else translated
    # As tests.html.texts reads a page: white space (no-break spaces too) collapsed.
    return " ".join(text.split())


# Locked threads ---------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_locked_thread_offers_no_reply_form_and_says_so(
    client: TestClient, world: dict, htmx: bool
) -> None:
    sign_in(client, world["mod"])
    comment, reply = world["comment"], world["reply"]
    client.post(f"/en/comments/{comment.id}/moderate", data={"action": "lock"})
    sign_in(client, world["bob"])
    headers = HTMX if htmx else {}
    # The reply form itself (the fragment a Reply link loads, or its page without script).
    for target in (comment, reply):
        tree = parse(client.get(f"/en/comments/{target.id}/reply", headers=headers).text)
        assert not tree.css("form.compose"), target.id
        assert texts(tree, ".note.locked") == [LOCKED]
    # The space page and the thread's own page: no Reply link, a line saying why.
    for url in ("/en/spaces/pathways", f"/en/comments/{comment.id}"):
        tree = parse(client.get(url).text)
        for target in (comment, reply):
            card = one(tree, f"#c-{target.id}")
            assert not card.css("a[href$='/reply']"), (url, target.id)
            assert texts(card, ".locked") == [LOCKED]
    # The question above the locked comment still takes replies.
    tree = parse(client.get("/en/spaces/pathways").text)
    assert one(tree, f"#c-{world['question'].id}").css("a[href$='/reply']")
    # Moderators may still answer in a locked thread.
    sign_in(client, world["mod"])
    tree = parse(client.get(f"/en/comments/{reply.id}/reply", headers=headers).text)
    assert one(tree, "form.compose input[name=parent_id]").attributes["value"] == str(reply.id)


# Automatic hides --------------------------------------------------------------------------


def test_a_comment_hidden_by_reports_says_it_awaits_a_moderator(
    client: TestClient, db: Session, factory: Factory, world: dict
) -> None:
    space = world["space"]
    space.flag_threshold = 2
    db.flush()
    target, other = world["comment"], world["reply"]
    for reporter in (world["bob"], factory.user("Carol Chen")):
        sign_in(client, reporter)
        client.post(f"/en/comments/{target.id}/report", data={"reason": "spam"})
    db.refresh(target)
    assert target.status == "hidden"
    sign_in(client, world["mod"])
    client.post(f"/en/comments/{other.id}/moderate", data={"action": "hide", "reason": "Rude"})
    db.refresh(other)
    assert other.status == "hidden"
    client.cookies.clear()
    for lang in ("en", "fr", "es"):
        tree = parse(client.get(f"/{lang}/spaces/pathways").text)
        with using(lang):
            auto_day = format_day(target.moderated_at, "medium")
            by_hand_day = format_day(other.moderated_at, "medium")
        assert texts(tree, f"#c-{target.id}.placeholder h3") == [
            _gettext(lang, "Hidden on %(date)s after reports, awaiting a moderator.", date=auto_day)
        ]
        assert texts(tree, f"#c-{other.id}.placeholder h3") == [
            _gettext(lang, "Removed by a moderator on %(date)s.", date=by_hand_day)
        ]
    # Its author sees the text, and the same account of what happened to it.
    sign_in(client, world["alice"])
    card = one(parse(client.get("/en/spaces/pathways").text), f"#c-{target.id}")
    day = format_day(target.moderated_at, "medium")
    assert texts(card, ".status-note") == [
        f"Hidden from others since {day} after reports, awaiting a moderator."
    ]
    assert (target.hidden_by_flags, other.hidden_by_flags) == (True, False)
    # Restored by a moderator, then hidden by one: no longer "after reports".
    sign_in(client, world["mod"])
    client.post(f"/en/comments/{target.id}/moderate", data={"action": "restore", "reason": "Ok"})
    client.post(f"/en/comments/{target.id}/moderate", data={"action": "hide", "reason": "No"})
    db.refresh(target)
    assert target.hidden_by_flags is False


# Suspensions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("everywhere", "days", "expected"),
    [
        (False, 7, "Your account is suspended from posting in this space until {date}."),
        (True, 7, "Your account is suspended from posting in every space until {date}."),
        (
            False,
            None,
            "Your account is suspended from posting in this space until a moderator lifts "
            "the suspension.",
        ),
        (
            True,
            None,
            "Your account is suspended from posting in every space until a moderator lifts "
            "the suspension.",
        ),
    ],
)
def test_a_suspended_person_is_told_where_until_when_and_why(
    client: TestClient,
    db: Session,
    world: dict,
    everywhere: bool,
    days: int | None,
    expected: str,
) -> None:
    alice = world["alice"]
    ends = datetime.now(UTC) + timedelta(days=days) if days else None
    ban = Ban(
        user_id=alice.id,
        space_id=None if everywhere else world["space"].id,
        reason="Repeated personal attacks",
        ends_at=ends,
        created_by_id=world["mod"].id,
    )
    db.add(ban)
    db.flush()
    sign_in(client, alice)
    said = expected.format(date=format_day(ends) if ends else "")
    wanted = [
        f"{said} You can still read the discussion.",
        "Reason given: Repeated personal attacks",
    ]
    page = parse(client.get("/en/spaces/pathways").text)
    assert not page.css("#post-form")
    assert texts(page, ".discussion .note.suspended p") == wanted
    for headers in ({}, HTMX):
        tree = parse(client.get(f"/en/comments/{world['question'].id}/reply", headers=headers).text)
        assert not tree.css("form.compose")
        assert texts(tree, ".note.suspended p") == wanted
    # The page is cached per reader: a changed reason is a new page, not the old one.
    ban.reason = "Spam links"
    db.flush()
    page = parse(client.get("/en/spaces/pathways").text)
    assert texts(page, ".discussion .note.suspended p")[1] == "Reason given: Spam links"


def test_a_suspension_is_told_in_the_readers_language(
    client: TestClient, db: Session, world: dict
) -> None:
    alice = world["alice"]
    db.add(
        Ban(
            user_id=alice.id,
            space_id=world["space"].id,
            reason="Hors sujet",
            created_by_id=world["mod"].id,
        )
    )
    db.flush()
    sign_in(client, alice, lang="fr")
    page = parse(client.get("/fr/spaces/pathways").text)
    said = _gettext(
        "fr",
        "Your account is suspended from posting in this space until a moderator lifts the "
        "suspension.",
    )
    assert texts(page, ".note.suspended p") == [
        f"{said} {_gettext('fr', 'You can still read the discussion.')}",
        _gettext("fr", "Reason given: %(reason)s", reason="Hors sujet"),
    ]


# Closing early ----------------------------------------------------------------------------


def test_the_reason_a_space_closed_early_is_on_its_page(
    client: TestClient, db: Session, world: dict
) -> None:
    assert not parse(client.get("/en/spaces/pathways").text).css(".closing-reason")
    sign_in(client, world["mod"])
    response = client.post(
        "/en/spaces/pathways/close", data={"reason": "The roundtable was brought forward."}
    )
    assert response.status_code == 303
    client.cookies.clear()
    for lang in ("en", "fr", "es"):
        tree = parse(client.get(f"/{lang}/spaces/pathways").text)
        assert texts(tree, ".closing-reason") == [
            _gettext(
                lang,
                "The moderators closed this space early. Their reason: %(reason)s",
                reason="The roundtable was brought forward.",
            )
        ]
    # Given another closing day (reopened), the old reason no longer stands.
    space = world["space"]
    space.closes_at = datetime.now(UTC) + timedelta(days=3)
    db.flush()
    assert not parse(client.get("/en/spaces/pathways").text).css(".closing-reason")


# Attribution rule -------------------------------------------------------------------------

RULES = {
    AttributionRule.NAMED: "Named contributions: your display name is shown with everything you "
    "write here, and given when the notes drawn from this discussion quote you.",
    AttributionRule.CHATHAM_HOUSE: "Chatham House rule: what you write may be read and quoted, "
    "but your name is not shown to other participants nor given in the notes drawn from "
    "this discussion. Only the moderators know who wrote what.",
    AttributionRule.CONSENT: "Names by consent: for each comment you choose whether your name is "
    "shown with it, here and in the notes drawn from this discussion. Otherwise it is shown "
    "without your name.",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("rule", list(RULES))
def test_the_attribution_rule_is_stated_on_the_page_and_beside_the_form(
    client: TestClient, db: Session, world: dict, rule: str, lang: str
) -> None:
    world["space"].attribution = rule
    db.flush()
    expected = [_gettext(lang, RULES[rule])]
    # Before signing in: people need to know before they decide to write.
    assert texts(parse(client.get(f"/{lang}/spaces/pathways").text), ".facts .attribution") == (
        expected
    )
    sign_in(client, world["alice"], lang=lang)
    page = parse(client.get(f"/{lang}/spaces/pathways").text)
    assert texts(page, ".facts .attribution") == expected
    assert texts(page, "#post-form #post-form-attribution") == expected
    q = world["question"]
    for headers in ({}, HTMX):
        reply = parse(client.get(f"/{lang}/comments/{q.id}/reply", headers=headers).text)
        assert texts(reply, f"#rf-{q.id} #rf-{q.id}-attribution") == expected
