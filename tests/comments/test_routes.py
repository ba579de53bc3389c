from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import translations
from app.models import Comment, CommentRevision
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

HTMX = {"HX-Request": "true"}


def _comments(db: Session) -> list[Comment]:
    return list(db.scalars(select(Comment).order_by(Comment.id)))


def test_posting_without_javascript_redirects_to_the_new_comment(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    response = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "Skills partnerships **work**.", "lang": "en"},
    )
    assert response.status_code == 303
    new = _comments(db)[-1]
    assert response.headers["location"] == f"/en/comments/{new.id}?posted={new.id}#c-{new.id}"
    assert new.body_html == "<p>Skills partnerships <strong>work</strong>.</p>\n"
    page = parse(client.get(response.headers["location"]).text)
    assert one(page, f"#c-{new.id} .author").text() == "Alice Achieng"
    assert one(page, "[role=status] a").attributes["href"] == f"#c-{new.id}"
    reply = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "And a reply.", "lang": "en", "parent_id": str(new.id)},
    )
    latest = _comments(db)[-1]
    assert reply.headers["location"] == f"/en/comments/{new.id}?posted={latest.id}#c-{latest.id}"


def test_posting_with_htmx_returns_the_card_and_a_fresh_form(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    response = client.post(
        "/en/spaces/pathways/comments", data={"body": "Hola a todos.", "lang": "es"}, headers=HTMX
    )
    assert response.status_code == 200
    tree = parse(response.text)
    card = one(tree, "article.comment")
    assert one(card, ".body").attributes["lang"] == "es"
    assert not tree.css("header.site")
    oob = one(tree, "[hx-swap-oob]")
    assert one(oob, "form#post-form textarea").text() == ""


def test_reply_with_htmx_replaces_the_reply_form(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    form = parse(client.get(f"/en/comments/{q.id}/reply", headers=HTMX).text)
    reply_form = one(form, f"form#rf-{q.id}")
    assert reply_form.attributes["hx-target"] == "this"
    assert one(reply_form, "input[name=parent_id]").attributes["value"] == str(q.id)
    response = client.post(
        "/en/spaces/pathways/comments",
        data={"body": "A reply.", "lang": "en", "parent_id": str(q.id)},
        headers=HTMX,
    )
    card = one(parse(response.text), "article.comment")
    assert "d1" in card.attributes["class"].split()
    assert one(card, ".reply-to a").text() == "Moderator Mona"
    assert _comments(db)[-1].parent_id == q.id


def test_reply_page_without_javascript(client: TestClient, setting: dict) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    tree = parse(client.get(f"/en/comments/{q.id}/reply").text)
    assert one(tree, "h1")
    assert one(tree, f"#c-{q.id}")
    assert one(tree, "form.compose").attributes["action"] == "/en/spaces/pathways/comments"


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_comes_back_translated_with_the_text_kept(
    client: TestClient, db: Session, setting: dict, htmx: bool
) -> None:
    sign_in(client, setting["alice"], lang="fr")
    before = len(_comments(db))
    response = client.post(
        "/fr/spaces/pathways/comments",
        data={"body": "Mon texte soigneusement rédigé", "lang": "de"},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    tree = parse(response.text)
    assert one(tree, "textarea[name=body]").text() == "Mon texte soigneusement rédigé"
    assert one(tree, "select[name=lang]").attributes.get("aria-invalid") == "true"
    heading = translations("fr").gettext("Please correct the following")
    assert heading != "Please correct the following"
    assert texts(tree, ".error-summary h2") == [heading]
    assert len(_comments(db)) == before
    if htmx:
        assert response.headers["HX-Retarget"] == "#post-form"
        assert not tree.css("header.site")


def test_empty_comment_is_refused(client: TestClient, setting: dict) -> None:
    sign_in(client, setting["alice"])
    response = client.post("/en/spaces/pathways/comments", data={"body": "   ", "lang": "en"})
    assert response.status_code == 422
    assert texts(parse(response.text), "#post-form-body-error") == [
        "Write something before posting."
    ]


def test_anonymous_cannot_post_and_is_asked_to_sign_in(client: TestClient, setting: dict) -> None:
    page = parse(client.get("/en/spaces/pathways").text)
    assert not page.css("form.compose")
    sign_in_link = page.css(".signin-prompt a")[0]
    assert sign_in_link.attributes["href"] == "/en/sign-in?next=/en/spaces/pathways"
    response = client.post("/en/spaces/pathways/comments", data={"body": "x", "lang": "en"})
    assert response.status_code == 403


def test_closed_space_is_read_only(client: TestClient, factory: Factory, db: Session) -> None:
    alice = factory.user()
    space = factory.space(slug="closed", closed=True)
    sign_in(client, alice)
    page = parse(client.get("/en/spaces/closed").text)
    assert not page.css("form.compose")
    assert texts(page, ".pill") == ["Closed"]
    response = client.post("/en/spaces/closed/comments", data={"body": "Too late?", "lang": "en"})
    assert response.status_code == 422
    assert one(parse(response.text), "textarea").text() == "Too late?"
    assert db.scalar(select(Comment).where(Comment.space_id == space.id)) is None


def test_markdown_is_rendered_safely(client: TestClient, db: Session, setting: dict) -> None:
    sign_in(client, setting["alice"])
    client.post(
        "/en/spaces/pathways/comments",
        data={
            "body": "<script>alert(1)</script> <img src=x onerror=alert(1)> "
            "[link](https://example.org) [bad](javascript:alert(1))",
            "lang": "en",
        },
    )
    new = _comments(db)[-1]
    tree = parse(client.get("/en/spaces/pathways").text)
    body = one(tree, f"#c-{new.id} .body")
    assert not body.css("script")
    assert not body.css("img")
    links = body.css("a")
    assert [a.attributes["href"] for a in links] == ["https://example.org"]
    assert links[0].attributes["rel"] == "nofollow ugc noopener"


def test_edit_keeps_history_visible_to_moderators_only(
    client: TestClient, db: Session, factory: Factory, setting: dict
) -> None:
    alice, mod = setting["alice"], setting["mod"]
    comment = factory.comment(setting["space"], alice, "First words.")
    sign_in(client, alice)
    form = parse(client.get(f"/en/comments/{comment.id}/edit").text)
    assert one(form, "textarea").text() == "First words."
    response = client.post(
        f"/en/comments/{comment.id}/edit",
        data={"body": "Second words.", "lang": "en"},
        headers=HTMX,
    )
    card = one(parse(response.text), "article.comment")
    assert one(card, ".body").text(strip=True) == "Second words."
    assert one(card, ".edited")
    revisions = list(db.scalars(select(CommentRevision)))
    assert [r.body_md for r in revisions] == ["First words."]
    # Another participant sees neither the history link nor the history.
    other = factory.user()
    client.cookies.clear()
    sign_in(client, other)
    assert client.get(f"/en/comments/{comment.id}/history").status_code == 404
    client.cookies.clear()
    sign_in(client, mod)
    history = parse(client.get(f"/en/comments/{comment.id}/history").text)
    assert texts(history, ".history .body") == ["Second words.", "First words."]


def test_only_the_author_may_edit(client: TestClient, factory: Factory, setting: dict) -> None:
    comment = factory.comment(setting["space"], setting["alice"], "Mine.")
    sign_in(client, factory.user())
    assert client.get(f"/en/comments/{comment.id}/edit").status_code == 403
    response = client.post(f"/en/comments/{comment.id}/edit", data={"body": "Hijack", "lang": "en"})
    assert response.status_code == 403


def test_author_translation_and_version_switch(
    client: TestClient, factory: Factory, setting: dict
) -> None:
    comment = factory.comment(
        setting["space"], setting["alice"], "Los salarios importan.", lang="es"
    )
    sign_in(client, setting["alice"])
    response = client.post(
        f"/en/comments/{comment.id}/translate", data={"body": "Wages matter.", "lang": "en"}
    )
    assert response.status_code == 303
    client.cookies.clear()
    # The English reader sees the author's English version, marked as a translation.
    page = parse(client.get("/en/spaces/pathways").text)
    card = one(page, f"#c-{comment.id}")
    assert "lang" not in one(card, ".body").attributes  # the page's own language
    assert one(card, ".body").text(strip=True) == "Wages matter."
    switch = next(a for a in card.css(".versions a") if a.attributes.get("hreflang") == "es")
    assert switch.attributes["href"] == f"/en/comments/{comment.id}?v=es"
    original = parse(client.get(switch.attributes["href"], headers=HTMX).text)
    assert one(original, ".body").attributes["lang"] == "es"
    assert one(original, ".body").text(strip=True) == "Los salarios importan."
    # Without JavaScript the same link opens the comment's page in that version.
    full = parse(client.get(switch.attributes["href"]).text)
    assert one(full, f"#c-{comment.id} .body").attributes["lang"] == "es"
    assert one(full, f"#c-{comment.id} .body").text(strip=True) == "Los salarios importan."
    # The Spanish reader gets the original.
    spanish = parse(client.get("/es/spaces/pathways").text)
    assert one(spanish, "html").attributes["lang"] == "es"
    assert "lang" not in one(spanish, f"#c-{comment.id} .body").attributes
    assert one(spanish, f"#c-{comment.id} .body").text(strip=True) == "Los salarios importan."


def test_translation_into_the_original_language_is_refused(
    client: TestClient, factory: Factory, setting: dict
) -> None:
    comment = factory.comment(setting["space"], setting["alice"], "English text.")
    sign_in(client, setting["alice"])
    response = client.post(
        f"/en/comments/{comment.id}/translate", data={"body": "Same", "lang": "en"}
    )
    assert response.status_code == 422
    assert one(parse(response.text), "textarea").text() == "Same"


def test_language_hint_suggests_the_detected_language(client: TestClient) -> None:
    response = client.post(
        "/en/language-hint",
        data={
            "body": "Nous pensons que les voies de migration régulière doivent être élargies.",
            "lang": "en",
            "form_id": "post-form",
        },
        headers=HTMX,
    )
    button = one(parse(response.text), "button")
    assert "pick=fr" in button.attributes["hx-get"]
    assert button.attributes["hx-target"] == "#post-form-langfield"
    select_html = parse(client.get(button.attributes["hx-get"], headers=HTMX).text)
    assert one(select_html, "option[selected]").attributes["value"] == "fr"
    quiet = client.post(
        "/en/language-hint", data={"body": "Short", "lang": "en", "form_id": "post-form"}
    )
    assert not parse(quiet.text).css("button")


def test_unknown_comment_is_404(client: TestClient) -> None:
    assert client.get("/fr/comments/999999").status_code == 404
    assert client.get("/fr/comments/abc").status_code == 404


def test_permalink_shows_the_comment_with_its_replies_only(
    client: TestClient, factory: Factory, setting: dict
) -> None:
    space, alice, mod = setting["space"], setting["alice"], setting["mod"]
    q1 = setting["question"]
    q2 = factory.question(space, mod, "Second question?")
    first = factory.comment(space, alice, "On question one.", parent=q1)
    deeper = factory.comment(space, mod, "Follow-up.", parent=first)
    factory.comment(space, alice, "On question two.", parent=q2)
    tree = parse(client.get(f"/en/comments/{first.id}").text)
    ids = [n.attributes["id"] for n in tree.css("article.comment")]
    assert ids == [f"c-{first.id}", f"c-{deeper.id}"]
    # Drawn from the permalink's own depth, not the thread's.
    classes = [n.attributes["class"].split() for n in tree.css("article.comment")]
    assert "d0" in classes[0]
    assert "d1" in classes[1]
    question_page = parse(client.get(f"/en/comments/{q2.id}").text)
    assert texts(question_page, "article.comment .body") == ["Second question?", "On question two."]


def test_two_editors_one_wins_the_other_gets_409_and_keeps_their_text(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    client.post(
        "/en/spaces/pathways/comments",
        data={"body": "First words.", "lang": "en", "parent_id": str(setting["question"].id)},
    )
    comment = _comments(db)[-1]
    opened = comment.version
    first = client.post(
        f"/en/comments/{comment.id}/edit",
        data={"body": "Edited in the first tab.", "lang": "en", "version": str(opened)},
    )
    assert first.status_code == 303
    second = client.post(
        f"/en/comments/{comment.id}/edit",
        data={"body": "Edited in the second tab.", "lang": "en", "version": str(opened)},
        headers=HTMX,
    )
    assert second.status_code == 409
    form = parse(second.text)
    assert one(form, f"#c-{comment.id}-body").text() == "Edited in the second tab."
    assert one(form, f"#c-{comment.id}-current pre").text() == "Edited in the first tab."
    db.refresh(comment)
    assert comment.body_md == "Edited in the first tab."
    current = one(form, "input[name=version]").attributes["value"]
    again = client.post(
        f"/en/comments/{comment.id}/edit",
        data={"body": "Merged by hand.", "lang": "en", "version": current},
    )
    assert again.status_code == 303
    db.refresh(comment)
    assert comment.body_md == "Merged by hand."
