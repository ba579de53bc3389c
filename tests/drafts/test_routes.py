from __future__ import annotations

import html
import io
import re
import time
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.drafts.syntax import Content
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
    # The space's questions, not comments (tests/drafts/test_prefill.py has the rest).
    assert one(page, "#draft-section_guiding-questions").text() == "How can pathways be widened?"
    assert texts(page, "#word-count") == ["14 of 1,000 words"]
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


def _form(draft: NoteDraft, **sections: str) -> dict[str, str]:
    form = {"title": draft.title, "base_version": str(draft.version)}
    for key in ("background", "objectives", "guiding-questions"):
        form[f"section_{key}"] = sections.get(key.replace("-", "_"), "")
    return form


def _approve(client: TestClient, url: str) -> None:
    assert client.post(f"{url}/state", data={"to": "in-review"}).status_code == 303
    assert client.post(f"{url}/state", data={"to": "approved"}).status_code == 303


def test_an_approved_draft_is_frozen_until_a_new_version(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    assert client.post(url, data=_form(draft, background="The approved words.")).status_code == 303
    _approve(client, url)
    db.refresh(draft)
    approved = draft.version
    page = parse(client.get(url).text)
    assert "readonly" in one(page, "#draft-section_background").attributes
    assert "readonly" in one(page, "#draft-title").attributes
    assert page.css("#draft button[type=submit]") == []
    assert "hx-post" not in one(page, "#draft-section_background").attributes
    assert one(page, "#draft-new-version").text() == "Start a new version"
    # The one way on: no second button saying the same in a state form.
    assert [b.text() for b in page.css("button")].count("Start a new version") == 1
    assert page.css("#state") == []
    # A save sent anyway (an old tab) is refused, and what was typed comes back.
    response = client.post(url, data=_form(draft, background="Typed in an old tab."))
    assert response.status_code == 422
    refused = parse(response.text)
    assert texts(refused, "#draft .error-summary li") == [
        "This draft is approved, so it can no longer change: start a new version to edit it."
        " What you typed is kept below."
    ]
    assert one(refused, "#draft-section_background").text() == "Typed in an old tab."
    db.refresh(draft)
    assert (draft.state, draft.version) == ("approved", approved)
    assert draft.content["sections"]["background"] == "The approved words."
    # Starting a new version: a draft again, editable, the approved version kept.
    assert client.post(f"{url}/state", data={"to": "draft"}).status_code == 303
    db.refresh(draft)
    assert (draft.state, draft.version) == ("draft", approved + 1)
    page = parse(client.get(url).text)
    assert "readonly" not in one(page, "#draft-section_background").attributes
    assert page.css("#draft-new-version") == []
    assert client.post(url, data=_form(draft, background="The next words.")).status_code == 303
    states = db.execute(
        select(DraftRevision.version, DraftRevision.state)
        .where(DraftRevision.draft_id == draft.id)
        .order_by(DraftRevision.version)
    ).all()
    assert [tuple(s) for s in states][-3:] == [
        (approved, "approved"),
        (approved + 1, "draft"),
        (approved + 2, "draft"),
    ]
    history = parse(client.get(f"{url}/history").text)
    items = texts(history, "ol.history li")
    assert "Approved" in items[2]
    assert "Draft" in items[0]
    assert "new version after the approved one" in items[1]


def test_a_new_version_starts_only_from_an_approved_draft(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    response = client.post(f"{url}/state", data={"to": "draft"})
    assert response.status_code == 422
    draft = db.scalars(select(NoteDraft)).one()
    assert (draft.state, draft.version) == ("draft", 1)


def test_every_version_opens_compares_and_exports_as_it_was(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    first = "Skills earned abroad are <b>rarely</b> recognised here."
    assert client.post(url, data=_form(draft, background=first)).status_code == 303
    db.refresh(draft)
    v2 = draft.version
    second = "Skills earned abroad are now often recognised here. <script>alert(1)</script>"
    assert client.post(url, data=_form(draft, background=second)).status_code == 303
    db.refresh(draft)
    v3 = draft.version
    # An older version, read-only, with its own words.
    page = parse(client.get(f"{url}/versions/{v2}").text)
    assert one(page, "#version-section_background pre").text() == first
    assert page.css("#version textarea, #version input") == []
    assert client.get(f"{url}/versions/99").status_code == 404
    # Compared word by word; what was typed stays text, never markup.
    response = client.get(f"{url}/compare", params={"old": v2, "new": v3})
    assert response.status_code == 200
    diff = parse(response.text)
    section = one(diff, "#diff-section_background .diff-text")
    assert texts(section, "del") == ["<b>rarely</b>"]
    assert texts(section, "ins") == ["now often", "<script>alert(1)</script>"]
    assert section.css("script, b") == []
    assert "unchanged" in one(diff, "#diff-section_objectives h4").text()
    assert [o.attributes["value"] for o in diff.css("#compare-old option")] == [
        str(n) for n in range(1, v3 + 1)
    ]
    # Exported as it was: that version's words and number, not the current ones.
    md = client.get(f"{url}/versions/{v2}/export.md")
    assert md.status_code == 200
    assert f"-v{v2}.md" in md.headers["content-disposition"]
    assert "rarely" in md.text
    assert "often" not in md.text
    current = client.get(f"{url}/export.md")
    assert "often" in current.text
    assert client.get(f"{url}/versions/{v2}/export.pdf").status_code == 404
    assert _version_docx(client, f"{url}/versions/{v2}/export.docx", f"-v{v2}.docx") == first
    # Links from the history reach each version and its comparison.
    history = parse(client.get(f"{url}/history").text)
    assert f"{url}/versions/{v2}" in [a.attributes["href"] for a in history.css("a")]


def _version_docx(client: TestClient, address: str, suffix: str) -> str:
    """The DOCX job's file, once made: the text of its first numbered paragraph."""
    started = client.get(address)
    assert started.status_code == 303
    job = started.headers["location"]
    assert "/jobs/" in job
    for _attempt in range(120):
        made = client.get(f"{job}/file")
        if made.status_code == 200:
            break
        time.sleep(0.25)
    assert made.status_code == 200
    assert suffix in made.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(made.content)) as document:
        body = document.read("word/document.xml").decode("utf-8")
    assert "often" not in body
    return _paragraph_with(body, "rarely")


def _paragraph_with(xml: str, word: str) -> str:
    for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
        text = html.unescape("".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", paragraph)))
        if word in text:
            return text.strip()
    return ""


def test_versions_are_for_the_spaces_moderators(
    client: TestClient, factory: Factory, world: dict
) -> None:
    url = _create(client)
    paths = ["/versions/1", "/compare?old=1&new=1", "/versions/1/export.md"]
    assert all(client.get(url + p).status_code == 200 for p in paths)
    sign_in(client, world["alice"])
    assert [client.get(url + p).status_code for p in paths] == [404] * 3
    client.cookies.clear()
    assert [client.get(url + p).status_code for p in paths] == [404] * 3


def test_the_word_count_says_when_it_is_over_the_target(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    assert draft.word_target == 1000
    words = " ".join(["word"] * 1202)
    assert client.post(url, data=_form(draft, background=words)).status_code == 303
    count = one(parse(client.get(url).text), "#word-count")
    assert "over" in (count.attributes.get("class") or "").split()
    assert count.text() == "1,202 of 1,000 words — 202 words over the target"
    # The live count, in the editor's polite live region, says it too.
    assert one(parse(client.get(url).text), "p.words").attributes["aria-live"] == "polite"
    live = client.post(f"{url}/words", data={"section_background": "word " * 1001})
    assert one(parse(live.text), "#word-count").text() == (
        "1,001 of 1,000 words — 1 word over the target"
    )
    under = client.post(f"{url}/words", data={"section_background": "word " * 999})
    count = one(parse(under.text), "#word-count")
    assert count.text() == "999 of 1,000 words"
    assert "over" not in (count.attributes.get("class") or "").split()
    french = client.post(f"/fr/drafts/{draft.id}/words", data={"section_background": words})
    assert "202 mots au-delà de l’objectif" in one(parse(french.text), "#word-count").text()


def test_an_approval_applies_to_the_version_its_moderator_read(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    draft = db.scalars(select(NoteDraft)).one()
    assert client.post(f"{url}/state", data={"to": "in-review"}).status_code == 303
    db.refresh(draft)
    page = parse(client.get(url).text)
    seen = one(page, "#state input[name=seen_version]").attributes["value"]
    assert seen == str(draft.version)
    # Omar saves meanwhile: Mona's approval, made reading the version before, is refused.
    sign_in(client, world["omar"])
    assert client.post(url, data=_form(draft, background="Omar's late change.")).status_code == 303
    sign_in(client, world["mona"])
    response = client.post(f"{url}/state", data={"to": "approved", "seen_version": seen})
    assert response.status_code == 422
    db.refresh(draft)
    assert draft.state == "in-review"
    [message] = texts(parse(response.text), "#draft .error-summary li")
    assert f"version {draft.version} now" in message
    # Read again, approved: the version approved is the one read.
    fresh = one(parse(client.get(url).text), "#state input[name=seen_version]")
    form = {"to": "approved", "seen_version": fresh.attributes["value"]}
    assert client.post(f"{url}/state", data=form).status_code == 303
    db.refresh(draft)
    assert draft.state == "approved"
    assert "Omar's late change." in Content.of(draft.content).sections["background"]
