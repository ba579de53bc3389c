"""A space's note word target: set in its settings, checked, kept on error, used by new drafts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import i18n
from app.drafts import service as drafts
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


def _form(version: str, words: str) -> dict[str, str]:
    return {
        "version": version,
        "posting_policy": "post-moderation",
        "attribution": "named",
        "opens_on": "2026-01-01",
        "closes_on": "",
        "max_shown_depth": "6",
        "flag_threshold": "3",
        "note_word_target": words,
    }


def test_the_target_is_shown_saved_and_cleared(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(mona,))
    sign_in(client, mona)
    page = parse(client.get("/en/spaces/pathways/settings").text)
    field = one(page, "#settings-note_word_target")
    assert field.attributes["value"] == ""
    assert "1,000" in texts(page, "#settings-note_word_target-hint")[0]
    version = one(page, "#settings input[name=version]").attributes["value"] or ""

    saved = client.post("/en/spaces/pathways/settings", data=_form(version, "1,200"))
    assert saved.status_code == 303
    db.refresh(space)
    assert space.note_word_target == 1200
    page = parse(client.get("/en/spaces/pathways/settings").text)
    assert one(page, "#settings-note_word_target").attributes["value"] == "1200"

    version = one(page, "#settings input[name=version]").attributes["value"] or ""
    assert client.post("/en/spaces/pathways/settings", data=_form(version, " ")).status_code == 303
    db.refresh(space)
    assert space.note_word_target is None


@pytest.mark.parametrize("typed", ["99", "20001", "-5", "1.5", "1,00", "mille", "1e3"])
def test_out_of_bounds_or_not_a_number_is_refused_and_kept(
    client: TestClient, db: Session, factory: Factory, typed: str
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(mona,))
    space.note_word_target = 800
    db.flush()
    sign_in(client, mona)
    page = parse(client.get("/fr/spaces/pathways/settings").text)
    version = one(page, "#settings input[name=version]").attributes["value"] or ""
    refused = client.post("/fr/spaces/pathways/settings", data=_form(version, typed))
    assert refused.status_code == 422
    page = parse(refused.text)
    expected = i18n.translations("fr").gettext(
        "Enter a number of words from %(low)s to %(high)s, or leave it empty."
    ) % {"low": "100", "high": format_decimal(20_000, locale="fr")}
    # The page's texts are read with their spaces folded (the narrow no-break one too).
    assert texts(page, "#settings-note_word_target-error") == [" ".join(expected.split())]
    assert one(page, "#settings-note_word_target").attributes["value"] == typed
    db.refresh(space)
    assert space.note_word_target == 800


@pytest.mark.parametrize(("typed", "words"), [("1000", 1000), ("1 500", 1500), ("2.000", 2000)])
def test_grouped_numbers_are_read_as_each_language_writes_them(
    client: TestClient, db: Session, factory: Factory, typed: str, words: int
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(mona,))
    sign_in(client, mona)
    page = parse(client.get("/en/spaces/pathways/settings").text)
    version = one(page, "#settings input[name=version]").attributes["value"] or ""
    saved = client.post("/en/spaces/pathways/settings", data=_form(version, typed))
    assert saved.status_code == 303
    db.refresh(space)
    assert space.note_word_target == words


def test_new_drafts_take_the_spaces_target_else_the_templates(
    db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(mona,))
    now = datetime.now(UTC)

    def new_draft() -> int:
        draft = drafts.create_draft(
            db,
            factory.viewer(mona),
            space,
            template="insight-report",
            lang="en",
            title="Note",
            now=now,
        )
        return draft.word_target

    assert new_draft() == 1200  # app/curation/note_templates.json
    space.note_word_target = 750
    db.flush()
    assert new_draft() == 750
