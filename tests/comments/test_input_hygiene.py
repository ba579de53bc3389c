"""What a comment body may contain: no invisible control characters, no nesting bombs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import translations
from app.markup import MAX_NESTING
from app.models import Comment
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


@pytest.fixture
def alice(factory: Factory) -> object:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    factory.space(slug="pathways", moderators=(mod,))
    return alice


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Comment.id))) or 0


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b"])
def test_control_characters_are_refused_with_the_text_kept(
    client: TestClient, db: Session, alice: object, char: str
) -> None:
    sign_in(client, alice, lang="es")
    before = _count(db)
    text = f"Un texto{char} con cuidado"
    response = client.post("/es/spaces/pathways/comments", data={"body": text, "lang": "es"})
    assert response.status_code == 422
    tree = parse(response.text)
    assert texts(tree, "#post-form-body-error") == [
        translations("es").gettext("This text contains characters that are not allowed.")
    ]
    # HTML parsers (browsers included) show a NUL in a textarea as U+FFFD: visible, not lost.
    assert one(tree, "textarea[name=body]").text() == text.replace("\x00", "\ufffd")
    assert _count(db) == before


def test_tabs_and_line_breaks_are_welcome(client: TestClient, db: Session, alice: object) -> None:
    sign_in(client, alice)
    body = "First line\r\n\tindented second line"
    response = client.post(
        "/en/spaces/pathways/comments", data={"body": body, "lang": "en"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert db.scalar(select(Comment.body_md).order_by(Comment.id.desc()).limit(1)) == (
        "First line\n\tindented second line"
    )


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ("> " * MAX_NESTING + "quoted", True),
        ("> " * (MAX_NESTING + 1) + "quoted", False),
        ("".join("  " * n + "- item\n" for n in range(MAX_NESTING + 1)), False),
        ("> " * 5000 + "bomb", False),
    ],
)
def test_markdown_nesting_is_capped(
    client: TestClient, db: Session, alice: object, body: str, accepted: bool
) -> None:
    sign_in(client, alice, lang="fr")
    before = _count(db)
    response = client.post(
        "/fr/spaces/pathways/comments",
        data={"body": body, "lang": "fr"},
        follow_redirects=False,
    )
    if accepted:
        assert response.status_code == 303
        assert _count(db) == before + 1
        return
    assert response.status_code == 422
    message = texts(parse(response.text), "#post-form-body-error")[0]
    assert str(MAX_NESTING) in message
    assert "imbriqu" in message
    assert _count(db) == before
