"""A question its moderators hid is gone for everyone else, from every list (issue 11).

The space page's contents list (`nav.questions`) read questions past the visibility rule:
a hidden question's text stayed there, in every language, for anonymous readers and
participants alike.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import BrowserLikeClient
from tests.factories import Factory, sign_in
from tests.html import parse, texts

SECRET = "Zanzibar-7 quota schedule"
SECRET_FR = "Calendrier des quotas Zanzibar-7"
SHOWN = "How can pathways be widened?"


@pytest.fixture
def world(factory: Factory) -> dict:
    mod = factory.user("Moderator Mona")
    bob = factory.user("Bob Baptiste")
    space = factory.space(slug="pathways", moderators=(mod,))
    factory.question(space, mod, SHOWN, translations={"fr": SHOWN})
    secret = factory.question(space, mod, SECRET, translations={"fr": SECRET_FR})
    return {"mod": mod, "bob": bob, "secret": secret}


def _questions(reader: TestClient, lang: str) -> list[str]:
    return texts(parse(reader.get(f"/{lang}/spaces/pathways").text), "nav.questions a")


def _words(reader: TestClient, url: str) -> str:
    body = parse(reader.get(url).text).body
    assert body is not None
    return body.text(separator=" ")


def test_a_hidden_question_leaves_every_readers_lists(
    app: FastAPI, client: TestClient, world: dict
) -> None:
    participant = BrowserLikeClient(app, follow_redirects=False)
    sign_in(participant, world["bob"])
    anonymous = BrowserLikeClient(app, follow_redirects=False)
    # Shown first (and so cached for anonymous readers): the test sees it go.
    assert _questions(anonymous, "en") == [SHOWN, SECRET]
    assert _questions(participant, "fr") == [SHOWN, SECRET_FR]

    sign_in(client, world["mod"])
    hidden = client.post(
        f"/en/comments/{world['secret'].id}/moderate",
        data={"action": "hide", "reason": "Posted by mistake"},
    )
    assert hidden.status_code == 303

    for reader in (anonymous, participant):
        for lang in ("en", "fr", "es"):
            assert _questions(reader, lang) == [SHOWN]
            words = _words(reader, f"/{lang}/spaces/pathways")
            assert SECRET not in words
            assert SECRET_FR not in words
        assert reader.get(f"/en/comments/{world['secret'].id}").status_code == 404
        listed = reader.get("/api/v1/spaces/pathways/comments").json()["comments"]
        [placeholder] = [c for c in listed if c["id"] == world["secret"].id]
        assert SECRET not in (placeholder["body_html"] or "")
        spaces = reader.get("/api/v1/spaces").json()
        assert SECRET not in str(spaces)
    # Its moderators still find it, to restore it.
    assert _questions(client, "en") == [SHOWN, SECRET]
