"""The page cache: bounded in bytes, one entry per address, a stale version is a miss."""

from __future__ import annotations

from app.web.pagecache import PageCache
from app.web.stitching import StitchedBody


def _body(size: int) -> StitchedBody:
    return StitchedBody.split("x" * size, ("slot",))


def test_a_page_is_found_only_at_the_version_it_was_drawn_for() -> None:
    cache = PageCache(1_000_000)
    body = _body(100)
    cache.put("a", 1, body)
    assert cache.get("a", 1) is body
    assert cache.get("a", 2) is None
    assert cache.get("b", 1) is None


def test_a_newer_version_replaces_the_stale_page() -> None:
    cache = PageCache(1_000_000)
    cache.put("a", 1, _body(100))
    newer = _body(200)
    cache.put("a", 2, newer)
    assert len(cache) == 1
    assert cache.get("a", 2) is newer
    assert cache.get("a", 1) is None


def test_the_least_recently_used_pages_go_first_when_the_bytes_run_out() -> None:
    size = _body(1000).size
    cache = PageCache(size * 3)
    for key in "abc":
        cache.put(key, 1, _body(1000))
    assert cache.get("a", 1) is not None  # now the most recently used
    cache.put("d", 1, _body(1000))
    assert cache.get("b", 1) is None
    assert [cache.get(k, 1) is not None for k in "acd"] == [True, True, True]


def test_a_page_bigger_than_the_whole_cache_is_not_kept() -> None:
    cache = PageCache(100)
    cache.put("a", 1, _body(1000))
    assert len(cache) == 0
