from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DraftRevision, Excerpt, NoteDraft
from app.models.comments import CommentStatus
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


@pytest.fixture
def world(factory: Factory, client: TestClient) -> dict:
    mona = factory.user("Moderator Mona")
    omar = factory.user("Moderator Omar")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways", moderators=(mona, omar))
    question = factory.question(space, mona, "How can pathways be widened?")
    comment = factory.comment(
        space, alice, "Recognise skills earned abroad. It took me four years.", parent=question
    )
    other = factory.comment(space, alice, "Fees are too high.", parent=question)
    sign_in(client, mona)
    client.post(
        f"/en/comments/{comment.id}/curate",
        data={"op": "excerpt", "passage": "It took me four years."},
    )
    return {
        "mona": mona,
        "omar": omar,
        "alice": alice,
        "space": space,
        "comment": comment,
        "other": other,
    }


def _create(client: TestClient, template: str = "background-note") -> str:
    form = parse(client.get("/en/spaces/pathways/drafts").text)
    assert [o.attributes["value"] for o in form.css("#new-draft-lang option")] == ["en", "fr", "es"]
    response = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": template, "title": "Widening pathways", "lang": "en"},
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_draft_is_prefilled_from_assignments(client: TestClient, db: Session, world: dict) -> None:
    excerpt = db.scalars(select(Excerpt)).one()
    cid, oid = world["comment"].id, world["other"].id
    client.post(
        f"/en/comments/{cid}/curate",
        data={"op": "assign", "section": "background-note/background", "excerpt_id": excerpt.id},
    )
    client.post(
        f"/en/comments/{oid}/curate",
        data={"op": "assign", "section": "background-note/objectives"},
    )
    client.post(
        f"/en/comments/{oid}/curate",
        data={"op": "assign", "section": "insight-report/themes"},
    )
    url = _create(client)
    page = parse(client.get(url).text)
    assert (
        one(page, "#draft-section_background").text()
        == f"- “It took me four years.” [e:{excerpt.id}]"
    )
    assert one(page, "#draft-section_objectives").text() == f"- “Fees are too high.” [c:{oid}]"
    assert one(page, "#draft-section_guiding-questions").text() == ""
    assert texts(page, "#word-count") == ["9 of 1,000 words"]
    sources = texts(page, ".sources li")
    assert len(sources) == 2
    assert "Alice Achieng" in sources[0]


def test_stale_saves_merge_or_conflict_never_overwrite(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    base = draft.version
    form = {
        "title": "Widening pathways",
        "base_version": str(base),
        "section_background": "Mona's background.",
        "section_objectives": "",
        "section_guiding-questions": "",
    }
    assert client.post(url, data=form).status_code == 303
    # Omar started from the same version and changed another section: merged.
    sign_in(client, world["omar"])
    theirs = {**form, "section_background": "", "section_objectives": "Omar's objectives."}
    response = client.post(url, data=theirs)
    assert response.status_code == 303
    db.refresh(draft)
    assert draft.content["sections"] == {
        "background": "Mona's background.",
        "objectives": "Omar's objectives.",
        "guiding-questions": "",
    }
    # Now both change the background from the same stale base: 409, Omar's text kept.
    clash = {**form, "section_background": "Omar rewrites the background."}
    response = client.post(url, data=clash)
    assert response.status_code == 409
    page = parse(response.text)
    assert one(page, "#draft-section_background").text() == "Omar rewrites the background."
    assert one(page, "#draft-section_background-theirs pre").text() == "Mona's background."
    assert one(page, "#draft-section_objectives").text() == "Omar's objectives."
    assert one(page, "input[name=base_version]").attributes["value"] == str(draft.version)
    db.refresh(draft)
    assert draft.content["sections"]["background"] == "Mona's background."
    # Saving the merged form (now based on the current version) works.
    merged = {**clash, "base_version": str(draft.version)}
    assert client.post(url, data=merged).status_code == 303
    db.refresh(draft)
    assert draft.content["sections"]["background"] == "Omar rewrites the background."


def test_states_and_history(client: TestClient, db: Session, world: dict) -> None:
    url = _create(client)
    assert client.post(f"{url}/state", data={"to": "approved"}).status_code == 422
    client.post(f"{url}/state", data={"to": "in-review", "note": "Ready for Omar"})
    client.post(f"{url}/state", data={"to": "approved"})
    draft = db.scalars(select(NoteDraft)).one()
    assert draft.state == "approved"
    revisions = db.scalars(select(DraftRevision).order_by(DraftRevision.id)).all()
    assert [(r.state, r.note) for r in revisions] == [
        ("draft", "created"),
        ("in-review", "Ready for Omar"),
        ("approved", ""),
    ]
    page = parse(client.get(f"{url}/history").text)
    assert len(page.css("ol.history li")) == 3


def test_provenance_warnings(client: TestClient, db: Session, world: dict) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    cid, oid = world["comment"].id, world["other"].id
    form = {
        "title": "Widening pathways",
        "base_version": str(draft.version),
        "section_background": f"Skills [c:{cid}] and fees [c:{oid}] and a ghost [c:999999].",
        "section_objectives": "",
        "section_guiding-questions": "",
    }
    client.post(url, data=form)
    sign_in(client, world["alice"])
    client.post(
        f"/en/comments/{cid}/edit", data={"body": "I changed my mind entirely.", "lang": "en"}
    )
    world["other"].status = CommentStatus.HIDDEN
    db.flush()
    sign_in(client, world["mona"])
    page = parse(client.get(url).text)
    warnings = {n.attributes["id"]: texts(n, ".warning") for n in page.css(".sources li")}
    assert warnings == {
        f"source-c-{cid}": ["Warning: the source was edited after it was quoted."],
        f"source-c-{oid}": ["Warning: the source comment is hidden or unpublished."],
        "source-c-999999": ["Warning: the source no longer exists."],
    }


def test_drafts_are_for_the_spaces_moderators(
    client: TestClient, factory: Factory, world: dict
) -> None:
    url = _create(client)
    sign_in(client, world["alice"])
    assert client.get(url).status_code == 404
    assert client.get("/en/spaces/pathways/drafts").status_code == 403
    sign_in(client, factory.user("Someone Else"))
    assert client.post(url, data={"title": "x"}).status_code == 404
    client.cookies.clear()
    assert client.get(url).status_code == 404


def test_bad_input_keeps_the_text(client: TestClient, world: dict) -> None:
    response = client.post(
        "/fr/spaces/pathways/drafts", data={"template": "nope", "title": "", "lang": "en"}
    )
    assert response.status_code == 422
    assert len(texts(parse(response.text), "#new-draft .error-summary li")) == 2
    url = _create(client)
    response = client.post(
        url,
        data={"title": "", "base_version": "1", "section_background": "My careful words."},
    )
    assert response.status_code == 422
    assert one(parse(response.text), "#draft-section_background").text() == "My careful words."
