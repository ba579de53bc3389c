from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Assignment, CommentTag, Curation, Excerpt, Tag
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(factory: Factory) -> dict:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways", moderators=(mona,))
    question = factory.question(space, mona, "How can pathways be widened?")
    comment = factory.comment(
        space,
        alice,
        "Skills partnerships matter. They answer objectives 5, 6 and 18 at once.",
        parent=question,
    )
    return {"mona": mona, "alice": alice, "space": space, "comment": comment}


def _post(client: TestClient, comment_id: int, data: dict, htmx: bool = False):
    return client.post(f"/en/comments/{comment_id}/curate", data=data, headers=HTMX if htmx else {})


def test_tags_free_and_objectives_with_suggestions(
    client: TestClient, db: Session, world: dict
) -> None:
    sign_in(client, world["mona"])
    cid = world["comment"].id
    panel = parse(client.get(f"/en/comments/{cid}/curate").text)
    suggested = [n.attributes["value"] for n in panel.css(".suggestions input[name=objective]")]
    assert suggested == ["5", "6", "18"]
    assert len(panel.css(f"#cur-{cid}-tag-objective option")) == 24
    assert [o.attributes["value"] for o in panel.css(f"#cur-{cid}-excerpt-lang option")] == ["en"]
    # htmx: the panel comes back as a fragment, updated.
    response = _post(client, cid, {"op": "tag", "objective": "18"}, htmx=True)
    assert response.status_code == 200
    fragment = parse(response.text)
    assert one(fragment, "section.curation").attributes["id"] == f"curation-{cid}"
    assert [n.attributes["value"] for n in fragment.css(".suggestions input[name=objective]")] == [
        "5",
        "6",
    ]
    assert _post(client, cid, {"op": "tag", "label": "  Skills   partnerships "}).status_code == 303
    _post(client, cid, {"op": "tag", "label": "skills partnerships"})  # same tag, case aside
    tags = db.scalars(select(Tag).order_by(Tag.id)).all()
    assert [(t.taxonomy, t.code, t.label) for t in tags] == [
        ("gcm", "18", "Skills development and recognition"),
        ("", "skills partnerships", "Skills partnerships"),
    ]
    assert len(db.scalars(select(CommentTag)).all()) == 2
    bad = _post(client, cid, {"op": "tag", "objective": "24"})
    assert bad.status_code == 422
    assert texts(parse(bad.text), f"#cur-{cid}-tag .error-summary li") == [
        "Choose an objective from 1 to 23."
    ]
    _post(client, cid, {"op": "untag", "tag_id": str(tags[0].id)})
    assert len(db.scalars(select(CommentTag)).all()) == 1


def test_editorial_state_and_exclusion_reason(client: TestClient, db: Session, world: dict) -> None:
    sign_in(client, world["mona"])
    cid = world["comment"].id
    bad = _post(client, cid, {"op": "state", "state": "excluded", "reason": ""})
    assert bad.status_code == 422
    assert texts(parse(bad.text), f"#cur-{cid}-state .error-summary li") == [
        "Say why the comment is excluded."
    ]
    assert "checked" in one(parse(bad.text), f"#cur-{cid}-state-excluded").attributes
    _post(client, cid, {"op": "state", "state": "excluded", "reason": "Duplicate of another"})
    row = db.get(Curation, cid)
    assert row is not None
    assert (row.state, row.reason) == ("excluded", "Duplicate of another")
    _post(client, cid, {"op": "state", "state": "used"})
    db.refresh(row)
    assert row.state == "used"


def test_excerpts_are_checked_against_the_text_and_assigned(
    client: TestClient, db: Session, world: dict
) -> None:
    sign_in(client, world["mona"])
    cid = world["comment"].id
    missing = _post(client, cid, {"op": "excerpt", "passage": "words never written", "lang": "en"})
    assert missing.status_code == 422
    assert one(parse(missing.text), f"#cur-{cid}-excerpt-passage").text() == "words never written"
    # A wrong offset from the browser is not trusted: the passage is located again.
    _post(client, cid, {"op": "excerpt", "passage": "They answer  objectives", "start": "3"})
    excerpt = db.scalars(select(Excerpt)).one()
    panel = parse(client.get(f"/en/comments/{cid}/curate").text)
    what = [o.attributes["value"] for o in panel.css(f"#cur-{cid}-assign-excerpt_id option")]
    assert what == ["", str(excerpt.id)]
    assert (excerpt.text, excerpt.start, excerpt.end) == ("They answer objectives", 28, 50)
    assert len(excerpt.source_hash) == 64
    assert excerpt.comment_version == world["comment"].version
    _post(
        client,
        cid,
        {"op": "assign", "section": "background-note/background", "excerpt_id": str(excerpt.id)},
    )
    _post(client, cid, {"op": "assign", "section": "insight-report/themes"})
    rows = db.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert [(a.section, a.excerpt_id) for a in rows] == [
        ("background-note/background", excerpt.id),
        ("insight-report/themes", None),
    ]
    bad = _post(client, cid, {"op": "assign", "section": "nowhere"})
    assert texts(parse(bad.text), f"#cur-{cid}-assign .error-summary li") == ["Choose a section."]


def test_only_the_spaces_moderators_curate(
    client: TestClient, factory: Factory, world: dict
) -> None:
    cid = world["comment"].id
    assert client.get(f"/en/comments/{cid}/curate").status_code == 403
    sign_in(client, world["alice"])
    assert client.get(f"/en/comments/{cid}/curate").status_code == 403
    assert _post(client, cid, {"op": "tag", "label": "x"}).status_code == 403
    sign_in(client, factory.user("Other Space Mod"))
    assert client.get(f"/en/comments/{cid}/curate").status_code == 403
    # Participants never see curation controls on the thread.
    page = parse(client.get("/en/spaces/pathways").text)
    assert not page.css(".curation-slot")
    sign_in(client, world["mona"])
    page = parse(client.get("/en/spaces/pathways").text)
    link = one(page, f"#c-{cid} .actions a[href$='/curate']")
    assert link.attributes["hx-target"] == f"#k-{cid}"
