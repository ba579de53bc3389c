"""Space pages from the page cache: never stale, never another reader's, forms still fresh.

The cache is keyed by the space's content version (kept by database triggers), its open
or closed phase and the reader (app/web/pagecache.py). Each test here draws a page, so
that it is cached, changes one thing the page shows, and looks again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.markup import render_markdown
from app.models import (
    Attachment,
    Comment,
    CommentTranslation,
    Space,
    SpaceModerator,
    SpaceText,
    User,
)
from app.models.comments import CommentStatus
from app.web.csrf import COOKIE as CSRF_COOKIE
from tests.conftest import BrowserLikeClient
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


def _page(client: TestClient, space: Space) -> str:
    response = client.get(f"/en/spaces/{space.slug}")
    assert response.status_code == 200
    return response.text


def _card_texts(client: TestClient, space: Space) -> str:
    return " ".join(texts(parse(_page(client, space)), "article.comment"))


@pytest.fixture
def people(factory: Factory) -> list[User]:
    return [factory.user(f"Person {n}") for n in range(3)]


@pytest.fixture
def space(factory: Factory, people: list[User]) -> Space:
    space = factory.space(moderators=(people[0],))
    factory.comment(space, people[1], "The first view on recruitment fees.")
    return space


def _first_comment(db: Session, space: Space) -> Comment:
    return db.scalars(
        select(Comment).where(Comment.space_id == space.id).order_by(Comment.id)
    ).first()  # type: ignore[return-value]


Change = Callable[[Session, Factory, Space, list[User]], str]


def _new_comment(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    factory.comment(space, people[2], "A second view, on portable pensions.")
    return "portable pensions"


def _edited(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    _first_comment(db, space).body_html = render_markdown("Rewritten: fees must be banned.")
    return "Rewritten: fees must be banned."


def _hidden(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    comment = _first_comment(db, space)
    comment.status = CommentStatus.HIDDEN
    comment.moderated_at = datetime.now(UTC)
    return "Removed by a moderator"


def _translated(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    body = "Un premier avis sur les frais de recrutement."
    db.add(
        CommentTranslation(
            comment_id=_first_comment(db, space).id,
            lang="fr",
            body_md=body,
            body_html=render_markdown(body),
        )
    )
    return "Français"


def _attached(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    db.add(
        Attachment(
            comment_id=_first_comment(db, space).id,
            uploader_id=people[1].id,
            stored_name="a" * 64,
            filename="position-paper.pdf",
            content_type="application/pdf",
            size_bytes=2048,
            sha256="0" * 64,
        )
    )
    return "position-paper.pdf"


def _author_renamed(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    people[1].display_name = "Renamed Person"
    return "Renamed Person"


def _deleted(db: Session, factory: Factory, space: Space, people: list[User]) -> str:
    db.delete(_first_comment(db, space))
    return "!The first view"


CARD_CHANGES = [_new_comment, _edited, _hidden, _translated, _attached, _author_renamed, _deleted]


@pytest.mark.parametrize("change", CARD_CHANGES, ids=lambda c: c.__name__.strip("_"))
def test_a_change_to_the_comments_shows_on_the_next_view(
    client: TestClient,
    db: Session,
    factory: Factory,
    space: Space,
    people: list[User],
    change: Change,
) -> None:
    before = _card_texts(client, space)
    assert "The first view" in before
    expected = change(db, factory, space, people)
    db.flush()
    after = _card_texts(client, space)
    if expected.startswith("!"):
        assert expected[1:] not in after
    else:
        assert expected not in before
        assert expected in after


def test_a_change_to_the_space_shows_on_the_next_view(
    client: TestClient, db: Session, factory: Factory, space: Space, people: list[User]
) -> None:
    _page(client, space)
    db.scalars(select(SpaceText).where(SpaceText.space_id == space.id)).one().title = "New title"
    db.add(SpaceModerator(space_id=space.id, user_id=people[2].id))
    db.flush()
    tree = parse(_page(client, space))
    assert one(tree, "h1").text(strip=True) == "New title"
    assert "Person 2" in texts(tree, "ul.moderators li")


def test_the_clock_alone_closes_a_cached_page(
    app: FastAPI, client: TestClient, space: Space
) -> None:
    assert one(parse(_page(client, space)), ".pill").text(strip=True) == "Open"
    assert space.closes_at is not None
    app.state.clock = lambda: space.closes_at + timedelta(minutes=1)
    assert one(parse(_page(client, space)), ".pill").text(strip=True) == "Closed"


def _tools(client: TestClient, space: Space) -> list[str]:
    return sorted(set(texts(parse(_page(client, space)), "article.comment footer.actions a")))


def test_each_reader_gets_their_own_page(
    app: FastAPI, client: TestClient, space: Space, people: list[User]
) -> None:
    moderator, author, other = people
    readers = {"anonymous": BrowserLikeClient(app, follow_redirects=False)}
    for name, person in (("moderator", moderator), ("author", author), ("other", other)):
        readers[name] = BrowserLikeClient(app, follow_redirects=False)
        sign_in(readers[name], person)
    first = {name: _tools(reader, space) for name, reader in readers.items()}
    again = {name: _tools(reader, space) for name, reader in readers.items()}
    assert first == again
    assert first["anonymous"] == []
    assert "Edit" in first["author"]
    assert "Report this comment" not in first["author"]
    assert "Report this comment" in first["other"]
    assert "Edit" not in first["other"]
    assert "Moderate this comment" in first["moderator"]
    # And the layout names whoever is signed in.
    who = one(parse(_page(readers["other"], space)), ".who").text(strip=True)
    assert who == "Signed in as Person 2"


def _token_and_key(html: str) -> tuple[str, str]:
    form = one(parse(html), "form#post-form")
    return (
        one(form, "input[name=csrf_token]").attributes["value"] or "",
        one(form, "input[name=idempotency_key]").attributes["value"] or "",
    )


def test_every_view_of_a_cached_page_has_fresh_form_keys_and_the_readers_token(
    client: TestClient, db: Session, space: Space, people: list[User]
) -> None:
    sign_in(client, people[2])
    token_1, key_1 = _token_and_key(_page(client, space))
    token_2, key_2 = _token_and_key(_page(client, space))
    assert token_1 == token_2 == client.cookies.get(CSRF_COOKIE)
    assert key_1 != key_2
    # Two comments written in two views of the page are two comments, not one replayed.
    for key, body in ((key_2, "Posted from the second view."), (key_1, "And from the first.")):
        response = client.post(
            f"/en/spaces/{space.slug}/comments",
            data={"body": body, "lang": "en", "idempotency_key": key, "csrf_token": token_1},
        )
        assert response.status_code == 303, response.text
    cards = _card_texts(client, space)
    assert "Posted from the second view." in cards
    assert "And from the first." in cards


def test_anonymous_readers_share_the_page_but_not_the_token(app: FastAPI, space: Space) -> None:
    readers = [BrowserLikeClient(app, follow_redirects=False) for _ in range(2)]
    pages = [_page(reader, space) for reader in readers]
    tokens = [reader.cookies.get(CSRF_COOKIE) for reader in readers]
    assert None not in tokens
    assert tokens[0] != tokens[1]
    for page, token in zip(pages, tokens, strict=True):
        assert f'"X-CSRF-Token": "{token}"' in one(parse(page), "body").attributes["hx-headers"]
    assert pages[0].replace(tokens[0], "") == pages[1].replace(tokens[1], "")


def test_a_cached_page_is_sent_compressed_or_plain(client: TestClient, space: Space) -> None:
    url = f"/en/spaces/{space.slug}"
    client.get(url)  # cached now
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert "Accept-Encoding" in plain.headers["vary"]
    assert zipped.text == plain.text  # httpx decodes the gzip body
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2


def test_following_shows_on_the_next_view(
    client: TestClient, space: Space, people: list[User]
) -> None:
    sign_in(client, people[2])
    assert "Follow" in one(parse(_page(client, space)), "form.follow button").text()
    assert client.post(f"/en/spaces/{space.slug}/follow").status_code in (200, 303)
    assert "Stop e-mails" in one(parse(_page(client, space)), "form.follow button").text()


def test_the_cache_can_be_switched_off(app: FastAPI, client: TestClient, space: Space) -> None:
    app.state.page_cache.max_bytes = 0
    assert "The first view" in _card_texts(client, space)
    assert len(app.state.page_cache) == 0


def test_an_unknown_space_is_not_found_and_not_cached(app: FastAPI, client: TestClient) -> None:
    assert client.get("/en/spaces/no-such-space").status_code == 404
    assert len(app.state.page_cache) == 0


def test_a_space_made_again_at_the_same_address_is_not_the_old_one(
    client: TestClient, db: Session, factory: Factory
) -> None:
    old = factory.space(slug="again", titles={"en": "The first consultation"})
    assert one(parse(_page(client, old)), "h1").text(strip=True) == "The first consultation"
    old_id = old.id
    version = db.scalar(select(Space.content_version).where(Space.id == old_id))
    db.delete(old)
    db.flush()
    # Same id, same address, and the version counted back up to the same number.
    new = Space(
        id=old_id,
        slug="again",
        original_lang="en",
        opens_at=old.opens_at,
        closes_at=old.closes_at,
    )
    db.add(new)
    db.flush()
    db.add(SpaceText(space_id=new.id, lang="en", title="A second consultation", intro_html=""))
    db.flush()
    db.execute(
        update(Space)
        .where(Space.id == new.id, Space.content_version != version)
        .values(content_version=version)
    )
    assert db.scalar(select(Space.content_version).where(Space.id == new.id)) == version
    assert one(parse(_page(client, new)), "h1").text(strip=True) == "A second consultation"
