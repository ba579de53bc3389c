"""Space pages stay cheap as spaces grow: CI-safe checks, counted rather than timed.

Timed figures come from bench/; here: statements per page, bytes per comment, how much
of a big space the first screen draws, how many cards get rendered (the fragment cache),
that the cache never serves a stale or another role's card, and the transport settings
(hashed static files cached for a year, compression of text only).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.comments import editing
from app.markup import render_markdown
from app.models import Comment, Space, User
from app.moderation import decisions, thread_tools
from app.spaces import cards
from app.web.pagecache import PageCache
from tests import documents
from tests.conftest import StatementCounter
from tests.factories import Factory, sign_in
from tests.html import one, parse

PAGE_SIZE = 20  # page_comments in the tests' settings

# About 150 words of ordinary consultation prose, in three paragraphs.
REALISTIC = """Labour mobility between our countries has grown quickly over the last decade, \
but the rules that protect workers have not kept pace. Many migrant workers still pay \
recruitment fees of several months' wages before they leave home, and some arrive to find \
that the job, the pay or the housing they were promised does not exist.

We would like the roundtable to address three points. First, governments should agree that \
no worker pays a recruitment fee, and that employers bear the full cost of hiring. Second, \
social security contributions should follow the worker: pensions earned abroad must be \
portable when people return. Third, skills acquired abroad should be recognised at home, so \
that returning workers are not forced to start again at the bottom of the ladder.

Trade unions, employers and civil society should all take part in monitoring these \
commitments, with comparable data published every year by each government."""


def _cache(app: FastAPI) -> cards.CardCache:
    return cards.cache_of(app.state.renderer.templates.env)


def _big_space(factory: Factory, people: list[User], size: int) -> Space:
    space = factory.space(moderators=(people[0],))
    factory.bulk_thread(space, people, size)
    return space


def _statements(client: TestClient, counter: StatementCounter, url: str) -> int:
    """Statements the page ran, without the SAVEPOINTs that only the tests' nesting adds."""
    counter.statements.clear()
    assert client.get(url).status_code == 200
    return sum(1 for s in counter.statements if not _SAVEPOINT.match(s))


_SAVEPOINT = re.compile(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")


def test_statements_per_page_do_not_grow_with_the_space(
    client: TestClient, factory: Factory, count_statements: StatementCounter
) -> None:
    people = [factory.user() for _ in range(4)]
    urls = [f"/en/spaces/{_big_space(factory, people, n).slug}" for n in (10, 200, 2000)]
    client.get("/en/")  # warm up per-process caches

    def drawn_then_cached() -> tuple[list[int], list[int]]:
        drawn = [_statements(client, count_statements, url) for url in urls]
        return drawn, [_statements(client, count_statements, url) for url in urls]

    anonymous, anonymous_again = drawn_then_cached()
    sign_in(client, people[1])
    participant, participant_again = drawn_then_cached()
    sign_in(client, people[0])
    moderator, moderator_again = drawn_then_cached()
    for counts in (anonymous, participant, moderator):
        assert len(set(counts)) == 1, counts
    assert anonymous[0] <= 10
    assert participant[0] <= 17
    assert moderator[0] <= 17
    # From the page cache: the space's version (and the reader's session, when signed in).
    assert anonymous_again == [1, 1, 1]
    assert len(set(participant_again)) == len(set(moderator_again)) == 1
    assert participant_again[0] <= 6
    assert moderator_again[0] <= 6


def _realistic_thread(factory: Factory, author: User, others: list[User]) -> Space:
    space = factory.space(moderators=(author,))
    question = factory.question(space, author, "What should the roundtable address?")
    parent = question
    for i in range(PAGE_SIZE - 1):
        parent = factory.comment(
            space, others[i % len(others)], REALISTIC, parent=parent if i % 3 else question
        )
    return space


def _bytes_per_card(html: str) -> float:
    thread = one(parse(html), "#thread")
    return len(thread.html or "") / len(thread.css("article.comment"))


def test_a_comment_costs_at_most_1_3_kb_of_html(client: TestClient, factory: Factory) -> None:
    mod = factory.user("Moderator Mona")
    people = [factory.user(name) for name in ("Alice Achieng", "Bruno Barros", "Chen Wei")]
    space = _realistic_thread(factory, mod, people)
    url = f"/en/spaces/{space.slug}"
    body = len(render_markdown(REALISTIC).encode())
    assert 900 <= body <= 1000  # the fixture is what the target is about
    assert _bytes_per_card(client.get(url).text) <= 1300
    sign_in(client, people[0])
    # A participant's cards carry their links (reply, report, edit on their own).
    assert _bytes_per_card(client.get(url).text) <= 1600


def test_the_first_screen_of_a_big_space_is_bounded(client: TestClient, factory: Factory) -> None:
    people = [factory.user() for _ in range(4)]
    space = _big_space(factory, people, 2000)
    response = client.get(f"/en/spaces/{space.slug}", headers={"Accept-Encoding": "identity"})
    tree = parse(response.text)
    assert len(tree.css("article.comment")) == PAGE_SIZE
    assert one(tree, "#more a").attributes["href"].startswith(f"/en/spaces/{space.slug}?after=")
    # The page does not grow with the space: cards of the first screen and a fixed frame.
    assert len(response.content) < PAGE_SIZE * 1300 + 12_000


def test_cards_are_rendered_once_and_then_served_from_the_cache(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    people = [factory.user() for _ in range(4)]
    space = _big_space(factory, people, 60)
    url = f"/en/spaces/{space.slug}"
    # Pages as a whole are cached too: switched off here, so every request stitches cards.
    app.state.page_cache = PageCache(0)
    cache = _cache(app)
    before = cache.rendered.cache_info()
    client.get(url)
    first = cache.rendered.cache_info()
    assert first.misses - before.misses == PAGE_SIZE
    client.get(url)
    second = cache.rendered.cache_info()
    assert second.misses == first.misses
    assert second.hits - first.hits == PAGE_SIZE
    # Another locale is another set of cards.
    client.get(f"/fr/spaces/{space.slug}")
    assert cache.rendered.cache_info().misses - second.misses == PAGE_SIZE


def _card(client: TestClient, url: str, comment: Comment) -> str:
    return one(parse(client.get(url).text), f"#c-{comment.id}").html or ""


def test_a_moderators_tools_never_reach_a_participants_page(
    client: TestClient, factory: Factory
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    space = factory.space(moderators=(mod,))
    comment = factory.comment(space, alice, "Decent work first.")
    url = f"/en/spaces/{space.slug}"
    sign_in(client, mod)
    assert "/moderate" in _card(client, url, comment)  # the moderator's card, now cached
    sign_in(client, bruno)
    card = _card(client, url, comment)
    assert "/moderate" not in card
    assert "/curate" not in card
    assert "/edit" not in card
    assert "/report" in card
    sign_in(client, alice)
    own = _card(client, url, comment)
    assert "/edit" in own
    assert "/report" not in own
    assert "/moderate" not in own
    client.cookies.clear()
    anonymous = _card(client, url, comment)
    assert "/reply" not in anonymous
    assert "/report" not in anonymous


def test_edits_translations_and_moderation_show_at_once(
    client: TestClient, factory: Factory, db: Session
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(moderators=(mod,))
    comment = factory.comment(space, alice, "First thoughts.")
    url = f"/en/spaces/{space.slug}"
    french = f"/fr/spaces/{space.slug}"
    assert "First thoughts." in _card(client, url, comment)
    assert "First thoughts." in _card(client, french, comment)
    now = datetime.now(UTC)

    editing.edit_comment(
        db,
        factory.viewer(alice),
        comment,
        space,
        body="Second thoughts.",
        lang="en",
        now=now,
        max_chars=20_000,
    )
    card = _card(client, url, comment)
    assert "Second thoughts." in card
    assert "First thoughts." not in card

    editing.save_translation(
        db,
        factory.viewer(alice),
        comment,
        space,
        lang="fr",
        body="Deuxièmes réflexions.",
        now=now,
        max_chars=20_000,
    )
    assert "Deuxièmes réflexions." in _card(client, french, comment)

    thread_tools.set_locked(db, factory.viewer(mod), comment, locked=True, reason="", now=now)
    sign_in(client, factory.user())
    locked = _card(client, url, comment)
    assert "locked" in locked
    assert "/reply" not in locked

    decisions.hide(db, factory.viewer(mod), comment, reason="Off topic", now=now)
    client.cookies.clear()
    hidden = one(parse(client.get(url).text), f"#c-{comment.id}")
    assert "placeholder" in hidden.attributes["class"]
    assert "Second thoughts." not in (hidden.html or "")


def test_pages_link_static_files_by_hash_cached_for_a_year(client: TestClient) -> None:
    tree = parse(client.get("/en/").text)
    href = one(tree, "link[rel=stylesheet]").attributes["href"] or ""
    assert re.fullmatch(r"/static/roundtable\.[0-9a-f]{12}\.css", href)
    scripts = [s.attributes["src"] or "" for s in tree.css("script[src]")]
    assert scripts
    assert all(re.search(r"\.[0-9a-f]{12}\.js$", src) for src in scripts)
    hashed = client.get(href)
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/roundtable.css")
    assert plain.status_code == 200
    assert plain.content == hashed.content
    assert plain.headers["cache-control"] == "no-cache"
    assert client.get("/static/roundtable.0123456789ab.css").status_code == 404


def test_pages_are_compressed_and_ready_compressed_downloads_are_not(
    client: TestClient, factory: Factory
) -> None:
    alice = factory.user("Alice Achieng")
    space = factory.space()
    for _ in range(3):
        factory.comment(space, alice, REALISTIC)
    page = client.get(f"/en/spaces/{space.slug}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["vary"]
    sign_in(client, alice)
    page = client.get(f"/en/spaces/{space.slug}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    # Signed-in pages stay private, varying on the cookie as well as on the encoding.
    assert page.headers["cache-control"] == "private, no-store"
    assert {v.strip() for v in page.headers["vary"].split(",")} >= {"Accept-Encoding", "Cookie"}
    paper = documents.docx()
    posted = client.post(
        f"/en/spaces/{space.slug}/comments",
        data={"body": "Our position paper is attached.", "lang": "en"},
        files={"attachment": ("paper.docx", paper, "application/octet-stream")},
    )
    assert posted.status_code == 303
    link = parse(client.get(f"/en/spaces/{space.slug}").text).css(".files a")[0]
    download = client.get(link.attributes["href"] or "", headers={"Accept-Encoding": "gzip"})
    assert download.status_code == 200
    assert "content-encoding" not in download.headers
    assert download.content == paper


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_card_is_the_same_from_the_cache_as_freshly_rendered(
    app: FastAPI, client: TestClient, factory: Factory, lang: str
) -> None:
    alice = factory.user("Alice Achieng")
    space = factory.space()
    comment = factory.comment(space, alice, REALISTIC)
    url = f"/{lang}/spaces/{space.slug}"
    cached_twice = _card(client, url, comment), _card(client, url, comment)
    _cache(app).rendered.cache_clear()
    fresh = _card(client, url, comment)
    assert cached_twice == (fresh, fresh)
