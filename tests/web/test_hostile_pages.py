"""Every GET page and htmx fragment, for every role and language, over a space full of payloads.

The route table in tests/hostile.py must name every GET route: a page added later without
an entry fails `test_every_route_is_covered` instead of escaping the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.i18n import LOCALES
from tests import hostile
from tests.conftest import BrowserLikeClient
from tests.factories import sign_in
from tests.hostile import (
    NAME_CORE,
    OUT_OF_RANGE_IDS,
    TITLE,
    XSS,
    HostileWorld,
    app_routes,
    get_urls,
    id_routes,
    markup_problems,
    post_cases,
)
from tests.html import parse, texts

# The shared hostile fixtures: one seeding per module, a SAVEPOINT per test.
connection = hostile.connection
hostile_seeded = hostile.hostile_seeded
settings = hostile.settings
world = hostile.world


ROLES = ("anonymous", "participant", "moderator", "admin")


def client_as(app: FastAPI, world: HostileWorld, role: str) -> Iterator[TestClient]:
    with BrowserLikeClient(app, follow_redirects=False) as client:
        if role != "anonymous":
            sign_in(client, getattr(world, role))
        yield client


def check(response: object, where: str) -> list[str]:
    """What is wrong with one response: a server error, or payloads turned into markup."""
    status = response.status_code  # type: ignore[attr-defined]
    if status >= 500:
        return [f"{where}: {status}"]
    if not response.headers.get("content-type", "").startswith("text/html"):  # type: ignore[attr-defined]
        return []
    return [f"{where}: {problem}" for problem in markup_problems(response.text)]  # type: ignore[attr-defined]


def test_every_route_is_covered(app: FastAPI, world: HostileWorld) -> None:
    table = get_urls(world, "en")
    posts = post_cases(world, "en")
    missing = []
    for path, methods in app_routes(app):
        if (methods & {"GET", "HEAD"} or not methods) and path not in table:
            missing.append(f"GET {path}")
        if "POST" in methods and path not in posts:
            missing.append(f"POST {path}")
    assert missing == [], "routes with no hostile-input case: add them to tests/hostile.py"


# Fragments in one language per role, so that between them the roles cover all three
# without doubling the run time; full pages in every language for every role.
FRAGMENT_LANG = {"anonymous": "en", "participant": "fr", "moderator": "es", "admin": "fr"}
# Identical for everyone and slow to build: asked for once.
ONCE = {"/api/openapi.json", "/static", "/healthz", "/readyz"}


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_fragments_never_turn_payloads_into_markup(
    app: FastAPI, world: HostileWorld, role: str
) -> None:
    problems: list[str] = []
    seen = 0
    for client in client_as(app, world, role):
        for lang in LOCALES:
            for path, urls in get_urls(world, lang).items():
                if path in ONCE and (role, lang) != ("anonymous", "en"):
                    continue
                for url in urls:
                    variants = [{}, {"HX-Request": "true"}] if FRAGMENT_LANG[role] == lang else [{}]
                    for headers in variants:
                        response = client.get(url, headers=headers)
                        seen += 1
                        kind = "htmx" if headers else "page"
                        problems += check(response, f"{role} {kind} {url[:90]}")
    assert problems == [], "\n".join(problems)
    assert seen > 250


@pytest.mark.parametrize("lang", LOCALES)
def test_payloads_read_as_the_text_that_was_typed(
    client: TestClient, world: HostileWorld, lang: str
) -> None:
    """Escaped, not stripped: readers see exactly what was written, as text."""
    page = parse(client.get(f"/{lang}/spaces/{world.slug}").text)
    assert texts(page, "h1") == [" ".join(f"{TITLE} {lang}".split())]
    bodies = " ".join(texts(page, "article.comment"))
    for payload in (XSS[0], XSS[1], "{{7*7777}}", "'; DROP TABLE users;--"):
        assert " ".join(payload.split()) in bodies
    assert any(NAME_CORE in name for name in texts(page, "article.comment .author"))
    listing = parse(client.get(f"/{lang}/").text)
    assert any(TITLE.split()[0] in title for title in texts(listing, "h2"))


def test_error_pages_echo_hostile_paths_only_as_text(client: TestClient) -> None:
    for path in (
        "/en/%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
        "/fr/spaces/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/es/comments/%7B%7B7*7777%7D%7D",
        "/en/drafts/1%27%20OR%201%3D1--",
        f"/en/{'A' * 5000}",
    ):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert check(response, path) == []
    french = parse(client.get("/fr/%3Cb%3Enowhere%3C%2Fb%3E").text)
    assert texts(french, "h1") == ["Page introuvable"]
    assert french.css("main b") == []


# Valid values for the other parameters of an address, so the id is what gets checked.
OTHER_PARAMS = {"fmt": "md", "job_id": "A" * 24}


def test_ids_out_of_range_are_a_translated_404_on_every_route(
    app: FastAPI, world: HostileWorld
) -> None:
    """Every route with an id in its address, every method, out-of-range ids: a 404 page in
    the reader's language (never a 500 from a number the database cannot hold)."""
    routes = id_routes(app)
    assert len(routes) >= 20  # the comment, attachment, draft, ban and user routes
    problems: list[str] = []
    for client in client_as(app, world, "admin"):
        for path, methods, names in routes:
            for method in sorted(methods & {"GET", "POST"}):
                for bad in OUT_OF_RANGE_IDS:
                    values = {"lang": "fr", "slug": world.slug} | OTHER_PARAMS
                    url = path.format(**values, **dict.fromkeys(names, bad))
                    for headers in ({}, {"HX-Request": "true"}):
                        response = client.request(method, url, headers=headers)
                        where = f"{method} {url} {headers}"
                        if response.status_code != 404:
                            problems.append(f"{where}: {response.status_code}")
                            continue
                        page = parse(response.text)
                        if headers:  # htmx: the message in the page's alert region
                            said = texts(page, "[role=alert] strong")
                            if response.headers.get("hx-retarget") != "#alerts":
                                problems.append(f"{where}: not retargeted")
                        else:
                            said = texts(page, "h1")
                        if said != ["Page introuvable"]:
                            problems.append(f"{where}: {said}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "markup",
    [
        "<p><script>window.__pwned=1</script></p>",
        '<img src="x" onerror="window.__pwned=1">',
        '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
        '<form><button formaction="data:text/html,x">go</button></form>',
        '<iframe src="/en/"></iframe>',
        '<base href="//evil.example.org/">',
        '<meta http-equiv="refresh" content="0;url=/">',
        '<div hx-on:click="window.__pwned=1">x</div>',
        '<a href="https://evil.example.org/">x</a>',
        "<p>54439</p>",
    ],
)
def test_the_checker_sees_live_markup(markup: str) -> None:
    """The page checks above would notice a payload that got through."""
    assert markup_problems(f"<!doctype html><html><body>{markup}</body></html>") != []


def test_the_checker_accepts_escaped_payloads() -> None:
    page = (
        '<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt;'
        'window.__pwned=1&lt;/script&gt; {{7*7777}}</p><script src="/static/x.js"></script>'
        '<a href="/en/sign-in?next=%3Cscript%3Ewindow.__pwned%3D1">in</a>'
    )
    assert markup_problems(page) == []
