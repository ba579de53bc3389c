"""Every page knows its reader before its handler runs, whether or not the handler asks.

The page routers depend on the reader (app/main.py): a handler that takes no `viewer` still
draws its layout for who is signed in, and one that does gets the same value, resolved once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import _IncludedRouter  # routers are kept nested since 0.16x
from fastapi.testclient import TestClient

from app.main import PAGES
from app.web.deps import get_viewer
from tests.conftest import StatementCounter
from tests.factories import Factory, sign_in
from tests.html import parse, texts

# Page routes that resolve no reader before their handler runs, each with the reason.
OWN_READER: dict[str, str] = {
    "space_page": "finds its reader through the page cache (app/web/pagecache.py)",
    "root": "only redirects to the space list in the negotiated language",
    "language_hint": "a fragment saying which language a text is in",
    "language_select": "a fragment: the language field set to one language",
}


def _page_routes(app: FastAPI) -> list[Any]:
    """Each page route as the app serves it, with the dependencies of its routers."""
    [pages] = [
        r for r in app.routes if isinstance(r, _IncludedRouter) and r.original_router is PAGES
    ]
    return list(pages.effective_route_contexts())


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _handler_takes_reader(route: Any) -> bool:
    """Whether the handler's own parameters reach the reader (the router's dependency aside)."""
    return any(get_viewer in {sub.call, *_calls(sub)} for sub in route.dependant.dependencies[1:])


def test_every_page_resolves_its_reader_before_its_handler(app: FastAPI) -> None:
    routes = _page_routes(app)
    assert len(routes) > 60
    without = {r.name for r in routes if get_viewer not in set(_calls(r.dependant))}
    assert without == set(OWN_READER)
    for route in routes:
        if route.name not in OWN_READER:
            # The router's own dependency, first: not one a handler may drop with a parameter.
            assert route.dependant.dependencies[0].call is get_viewer, route.name


def test_a_page_shows_who_is_signed_in_from_a_handler_that_takes_no_reader(
    app: FastAPI, client: TestClient, factory: Factory
) -> None:
    pages = [
        r.path.replace("{lang}", "en")
        for r in _page_routes(app)
        if r.name not in OWN_READER
        and "GET" in r.methods
        and list(r.param_convertors) == ["lang"]
        and not _handler_takes_reader(r)
    ]
    assert {"/en/register", "/en/sign-in", "/en/password/forgot"} <= set(pages)
    space = factory.space()
    person = factory.user("Amara Okafor")
    sign_in(client, person)
    for path in [*pages, f"/en/spaces/{space.slug}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert texts(parse(response.text), "header.site .who") == ["Signed in as Amara Okafor"], (
            path
        )


def _sessions_read(client: TestClient, counter: StatementCounter, path: str) -> int:
    counter.statements.clear()
    assert client.get(path).status_code == 200
    return sum(1 for s in counter.statements if "user_sessions.token_hash" in s)


def test_the_reader_is_resolved_once_however_many_ask(
    app: FastAPI, client: TestClient, factory: Factory, count_statements: StatementCounter
) -> None:
    routes = {r.name: r for r in _page_routes(app)}
    # The router asks, the handler asks, and the administrator check asks again.
    assert _handler_takes_reader(routes["password_change"])
    assert _handler_takes_reader(routes["admin_home"])
    sign_in(client, factory.user(admin=True))
    assert _sessions_read(client, count_statements, "/en/account/password") == 1
    assert _sessions_read(client, count_statements, "/en/admin/") == 1
