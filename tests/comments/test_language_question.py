"""Asking the author which language a comment is in, before it is stored.

French written from the English interface, with the language menu left as offered: the
author is asked (htmx inline, or the form comes back without script), nothing typed is
lost, and the answer decides the stored `lang`.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Comment
from tests.factories import sign_in
from tests.html import one, parse

HTMX = {"HX-Request": "true"}
FRENCH = (
    "Nous pensons que les voies de migration régulière doivent être élargies, "
    "notamment pour les travailleurs saisonniers."
)


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Comment.id))) or 0


def _latest(db: Session) -> Comment:
    new = db.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert new is not None
    return new


def _form_fields(form_html: str, form_id: str) -> dict[str, str]:
    """What the browser would send again from the form as drawn (hidden fields, text)."""
    form = one(parse(form_html), f"form#{form_id}")
    fields = {
        node.attributes["name"] or "": node.attributes.get("value") or ""
        for node in form.css("input[type=hidden]")
    }
    fields["body"] = one(form, "textarea[name=body]").text()
    selected = one(form, "select[name=lang] option[selected]")
    fields["lang"] = selected.attributes["value"] or ""
    return fields


def _answers(tree_html: str, form_id: str) -> dict[str, str]:
    """The question's buttons inside the form: answer value -> label."""
    tree = parse(tree_html)
    slot = one(tree, f"#{form_id}-question")
    return {
        b.attributes["value"] or "": " ".join(b.text().split())
        for b in slot.css("button[type=submit][name=lang_answer]")
    }


@pytest.mark.parametrize("answer", ["fr", "en"])
def test_with_htmx_the_question_is_asked_inline_and_the_answer_is_stored(
    client: TestClient, db: Session, setting: dict, answer: str
) -> None:
    sign_in(client, setting["alice"])
    form_id = "post-form"
    page = client.get("/en/spaces/pathways").text
    sent = _form_fields(page, form_id) | {"body": FRENCH}
    assert (sent["lang"], sent["lang_default"]) == ("en", "en")
    before = _count(db)
    response = client.post("/en/spaces/pathways/comments", data=sent, headers=HTMX)
    assert response.status_code == 200
    # Only the question is swapped in: the form, its text and its file stay in the page.
    assert response.headers["HX-Retarget"] == f"#{form_id}-question"
    assert response.headers["HX-Reswap"] == "innerHTML"
    tree = parse(response.text)
    assert not tree.css("form, textarea")
    assert _answers(f'<div id="{form_id}-question">{response.text}</div>', form_id) == {
        "fr": "It is in French: post it",
        "en": "It is in English: post it",
    }
    assert _count(db) == before
    # The button sends the same form (same key) with the answer.
    posted = client.post(
        "/en/spaces/pathways/comments", data=sent | {"lang_answer": answer}, headers=HTMX
    )
    assert posted.status_code == 200
    card = one(parse(posted.text), "article.comment")
    new = _latest(db)
    assert new.body_md == FRENCH
    assert new.lang == answer
    assert new.idempotency_key == sent["idempotency_key"]
    if answer == "fr":
        assert one(card, ".body").attributes["lang"] == "fr"
    # Sent again (a double click, a retry): still one comment.
    client.post("/en/spaces/pathways/comments", data=sent | {"lang_answer": answer}, headers=HTMX)
    assert _count(db) == before + 1


def test_without_script_the_form_comes_back_with_the_question(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    page = client.get("/en/spaces/pathways").text
    sent = _form_fields(page, "post-form") | {"body": FRENCH}
    before = _count(db)
    response = client.post("/en/spaces/pathways/comments", data=sent)
    assert response.status_code == 200
    assert _count(db) == before
    # The whole form again, as typed, with the question inside it.
    again = _form_fields(response.text, "post-form")
    assert again["body"] == FRENCH
    assert again["lang"] == "en"
    assert _answers(response.text, "post-form") == {
        "fr": "It is in French: post it",
        "en": "It is in English: post it",
    }
    posted = client.post("/en/spaces/pathways/comments", data=again | {"lang_answer": "fr"})
    assert posted.status_code == 303
    new = _latest(db)
    assert (new.body_md, new.lang) == (FRENCH, "fr")
    assert posted.headers["location"].endswith(f"#c-{new.id}")


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reply_is_asked_about_in_its_own_form(
    client: TestClient, db: Session, setting: dict, htmx: bool
) -> None:
    sign_in(client, setting["alice"])
    q = setting["question"]
    form_id = f"rf-{q.id}"
    form = client.get(f"/en/comments/{q.id}/reply", headers=HTMX if htmx else {}).text
    sent = _form_fields(form, form_id) | {"body": FRENCH}
    response = client.post("/en/spaces/pathways/comments", data=sent, headers=HTMX if htmx else {})
    assert response.status_code == 200
    if htmx:
        assert response.headers["HX-Retarget"] == f"#{form_id}-question"
        answers = _answers(f'<div id="{form_id}-question">{response.text}</div>', form_id)
    else:
        assert _form_fields(response.text, form_id)["body"] == FRENCH
        answers = _answers(response.text, form_id)
    assert set(answers) == {"fr", "en"}
    client.post(
        "/en/spaces/pathways/comments",
        data=sent | {"lang_answer": "fr"},
        headers=HTMX if htmx else {},
    )
    new = _latest(db)
    assert (new.parent_id, new.lang) == (q.id, "fr")


@pytest.mark.parametrize("chosen", ["fr", "es"])
def test_a_language_the_author_chose_is_never_questioned(
    client: TestClient, db: Session, setting: dict, chosen: str
) -> None:
    sign_in(client, setting["alice"])
    sent = _form_fields(client.get("/en/spaces/pathways").text, "post-form")
    response = client.post(
        "/en/spaces/pathways/comments", data=sent | {"body": FRENCH, "lang": chosen}
    )
    assert response.status_code == 303
    assert _latest(db).lang == chosen


def test_text_in_the_chosen_language_or_too_short_to_tell_is_posted_at_once(
    client: TestClient, db: Session, setting: dict
) -> None:
    sign_in(client, setting["alice"])
    for body in ("Regular pathways should be widened for seasonal workers.", "Merci !"):
        sent = _form_fields(client.get("/en/spaces/pathways").text, "post-form")
        response = client.post("/en/spaces/pathways/comments", data=sent | {"body": body})
        assert response.status_code == 303, body
        new = _latest(db)
        assert (new.body_md, new.lang) == (body, "en")


def test_a_language_outside_the_space_is_not_offered(
    client: TestClient, db: Session, setting: dict
) -> None:
    setting["space"].languages = "en es"
    db.flush()
    sign_in(client, setting["alice"])
    sent = _form_fields(client.get("/en/spaces/pathways").text, "post-form")
    response = client.post("/en/spaces/pathways/comments", data=sent | {"body": FRENCH})
    assert response.status_code == 303
    assert _latest(db).lang == "en"


def test_the_question_is_asked_in_the_interface_language(client: TestClient, setting: dict) -> None:
    sign_in(client, setting["alice"], lang="es")
    sent = _form_fields(client.get("/es/spaces/pathways").text, "post-form")
    assert sent["lang"] == "es"
    response = client.post("/es/spaces/pathways/comments", data=sent | {"body": FRENCH})
    answers = _answers(response.text, "post-form")
    assert set(answers) == {"fr", "es"}
    assert answers["fr"] != "It is in French: post it"
