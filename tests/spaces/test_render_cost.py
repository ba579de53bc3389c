"""What a space page costs to serve, counted in Python function calls: CI-safe, not timed.

cProfile counts every call the request makes, the same on any machine for the same data
and code, however busy the machine is. The bounds are about twice what the code needs
today: they catch a regression that multiplies the cost (a query or a template per
comment, a recursive macro back on the hot path, a cache that stops hitting), not a few
percent. bench/ measures the time.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.models import Space, User
from app.spaces import cards
from app.web import pagecache
from tests.factories import Factory

# About twice what was measured when they were set (calls per request; SQLite, then
# PostgreSQL, whose driver makes more calls per row): 526 / 575 a card rendered from
# scratch, 51 / 100 a card from the card cache, 4,343 a whole page from the page cache
# (the HTTP client, the event loop and the middleware included), whatever its size.
DRAWN_PER_CARD = 1_200
STITCHED_PER_CARD = 200
CACHED_PAGE = 9_000


async def _inline(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


@pytest.fixture
def in_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the page's thread-pool work inline, where the profiler sees it."""
    monkeypatch.setattr(pagecache, "run_in_threadpool", _inline)


def _calls(app: FastAPI, url: str) -> int:
    async def get() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get(url, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200

    counted: list[int] = []

    def profiled() -> None:
        # Garbage left by earlier tests (sessions, engines, their weakref finalisers) would
        # otherwise be collected inside the profiled request and counted as its cost.
        gc.collect()
        profiler = cProfile.Profile()
        profiler.runcall(asyncio.run, get())
        counted.append(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]

    # A thread of its own: it has no event loop yet (browser tests leave one in this one).
    worker = threading.Thread(target=profiled)
    worker.start()
    worker.join()
    assert counted, "the request failed"
    return counted[0]


@pytest.fixture
def urls(factory: Factory, settings: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two spaces, of 20 and 120 comments, shown a hundred comments to the screen."""
    monkeypatch.setattr(settings, "page_comments", 100)
    people: list[User] = [factory.user() for _ in range(4)]
    made = []
    for size in (20, 120):
        space: Space = factory.space(moderators=(people[0],))
        factory.bulk_thread(space, people, size)
        made.append(f"/en/spaces/{space.slug}")
    return made[0], made[1]


def _per_card(small: int, big: int, cards_shown: tuple[int, int]) -> float:
    return (big - small) / (cards_shown[1] - cards_shown[0])


@pytest.mark.usefixtures("in_one_thread")
def test_drawing_a_page_costs_a_bounded_amount_per_comment(
    app: FastAPI, urls: tuple[str, str]
) -> None:
    small, big = urls
    app.state.page_cache.max_bytes = 0  # every request draws its page
    _calls(app, small)  # compile templates, load catalogues
    card_cache = cards.cache_of(app.state.renderer.templates.env)
    shown = (21, 100)  # the question and its 20 comments; a full chunk

    card_cache.rendered.cache_clear()
    drawn = _per_card(_calls(app, small), _calls(app, big), shown)
    stitched = _per_card(_calls(app, small), _calls(app, big), shown)
    assert drawn <= DRAWN_PER_CARD
    assert stitched <= STITCHED_PER_CARD


@pytest.mark.usefixtures("in_one_thread")
def test_a_cached_page_costs_the_same_whatever_its_size(
    app: FastAPI, urls: tuple[str, str]
) -> None:
    small, big = urls
    for url in (small, big):
        _calls(app, url)  # drawn and cached
    costs = [_calls(app, small), _calls(app, big)]
    assert max(costs) <= CACHED_PAGE
    assert abs(costs[1] - costs[0]) <= 0.05 * costs[0]
