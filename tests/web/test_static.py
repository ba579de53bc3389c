"""Hashed static files come from memory, with a gzip variant made once, not per request."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient
from starlette.middleware import gzip as starlette_gzip

from app.web.assets import ASSETS, IMMUTABLE, STATIC_DIR

NAMES = sorted(ASSETS.hashed)


@pytest.mark.parametrize("name", NAMES)
def test_hashed_file_is_served_byte_for_byte(client: TestClient, name: str) -> None:
    response = client.get(ASSETS.url(name), headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.content == (STATIC_DIR / name).read_bytes()
    assert response.headers["cache-control"] == IMMUTABLE
    assert "accept-encoding" in response.headers["vary"].lower()


@pytest.mark.parametrize("name", NAMES)
def test_gzip_variant_decompresses_to_the_file(client: TestClient, name: str) -> None:
    url = ASSETS.url(name)
    # httpx would decode the body itself: read the raw bytes instead.
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == (STATIC_DIR / name).read_bytes()
    assert int(response.headers["content-length"]) == len(raw)
    assert response.headers["cache-control"] == IMMUTABLE
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["content-type"].startswith(("text/css", "text/javascript"))


def test_etag_revalidates_to_not_modified(client: TestClient) -> None:
    url = ASSETS.url("roundtable.css")
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(url, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200


def test_plain_names_still_work_and_revalidate(client: TestClient) -> None:
    plain = client.get("/static/roundtable.css")
    assert plain.status_code == 200
    assert plain.content == (STATIC_DIR / "roundtable.css").read_bytes()
    assert plain.headers["cache-control"] == "no-cache"
    assert client.get("/static/roundtable.0123456789ab.css").status_code == 404


def test_hashed_files_are_not_recompressed_per_request(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_compression(*args: object, **kwargs: object) -> None:
        raise AssertionError("compressed per request")

    monkeypatch.setattr(starlette_gzip.zlib, "compressobj", no_compression)
    for name in NAMES:
        response = client.get(ASSETS.url(name), headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert response.content == (STATIC_DIR / name).read_bytes()
