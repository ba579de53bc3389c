"""One hygiene rule for titles (app/text.py): NUL and other control characters refused with
the form kept, titles of nothing visible refused as empty, bidi controls dropped, and
titles isolated where they are shown (the tab title holds no controls)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import NoteDraft, SpaceText, User
from app.text import clean_line, line_problem
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

RLO = "\u202e"
ZERO_WIDTH = "\u200b\u200c\u2060\ufeff"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  Voies \t de  mobilité ", "Voies de mobilité"),
        (f"{RLO}Evil title", "Evil title"),
        ("\u2067\u05e9\u05dc\u05d5\u05dd\u2069 peace\u200e", "\u05e9\u05dc\u05d5\u05dd peace"),
        (ZERO_WIDTH, ""),
        (f" {ZERO_WIDTH} \u00a0 ", ""),
        ("Cafe\u0301", "Café"),  # NFC
    ],
)
def test_one_line_texts_are_cleaned_alike(raw: str, kept: str) -> None:
    assert clean_line(raw) == kept


def test_control_characters_are_refused_not_stored() -> None:
    assert line_problem("Title\x00") is not None
    assert line_problem("Bell\x07") is not None
    assert line_problem("Two\nlines\tand tabs") is None


@pytest.fixture
def admin(factory: Factory) -> User:
    return factory.user("Ada Admin", admin=True)


def _texts_version(client: TestClient, url: str) -> str:
    return one(parse(client.get(url).text), "input[name=texts_version]").attributes["value"]


def test_the_space_editor_refuses_nul_and_invisible_titles_keeping_the_form(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    space = factory.space(slug="pathways", titles={"en": "Pathways"})
    sign_in(client, admin)
    url = "/fr/admin/spaces/pathways"
    for title, field, message in (
        ("Voies\x00 de mobilité", "title_fr", "contains control characters"),
        (ZERO_WIDTH, "title_en", "title in its original language"),
    ):
        data = {"title_en": "Pathways", "title_fr": "Voies", "intro_fr": "Mes mots."}
        data |= {field: title, "texts_version": _texts_version(client, url)}
        refused = client.post("/en/admin/spaces/pathways", data=data)
        assert refused.status_code == 422, refused.text[:300]
        page = parse(refused.text)
        assert message in texts(page, f"#texts-{field}-error")[0]
        assert one(page, "#texts-intro_fr").text().strip() == "Mes mots."
    db.expire_all()
    stored = {t.lang: t.title for t in db.scalars(select(SpaceText).filter_by(space_id=space.id))}
    assert stored == {"en": "Pathways"}


def test_a_right_to_left_override_cannot_turn_the_page_title_around(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    factory.space(slug="pathways", titles={"en": "Pathways"})
    sign_in(client, admin)
    url = "/en/admin/spaces/pathways"
    saved = client.post(
        url,
        data={"title_en": f"{RLO}Pathways", "texts_version": _texts_version(client, url)},
    )
    assert saved.status_code == 303
    assert db.scalar(select(SpaceText.title).filter_by(lang="en")) == "Pathways"
    # A title stored before this rule, controls and all, still cannot reach the tab title.
    db.execute(SpaceText.__table__.update().values(title=f"{RLO}Pathways"))
    page = parse(client.get("/en/spaces/pathways").text)
    tab = one(page, "title").text()
    assert RLO not in tab
    assert tab.endswith("· Roundtable")
    assert one(page, "h1").attributes.get("dir") == "auto"  # isolated where it is shown


def test_draft_titles_follow_the_same_rule(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    factory.space(slug="pathways", moderators=(mona,))
    sign_in(client, mona)
    for title in ("Widening\x00 pathways", ZERO_WIDTH):
        refused = client.post(
            "/fr/spaces/pathways/drafts",
            data={"template": "background-note", "title": title, "lang": "en"},
        )
        assert refused.status_code == 422
        assert texts(parse(refused.text), "#new-draft .error-summary li") != []
    made = client.post(
        "/fr/spaces/pathways/drafts",
        data={"template": "background-note", "title": f"{RLO}Note {ZERO_WIDTH}", "lang": "en"},
    )
    assert made.status_code == 303
    assert db.scalar(select(NoteDraft.title)) == "Note"
