"""Security headers, private caching, no inline script anywhere, health probes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.web.templates import TEMPLATES_DIR
from tests.factories import Factory, sign_in
from tests.html import one, parse


@pytest.fixture
def world(factory: Factory) -> dict:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways", moderators=(mona,))
    question = factory.question(space, mona, "Which pathways?")
    comment = factory.comment(space, alice, "Skills.", parent=question)
    return {"mona": mona, "alice": alice, "comment": comment}


def _policy(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


@pytest.mark.parametrize("path", ["/en/", "/en/spaces/pathways", "/en/sign-in", "/en/nowhere"])
def test_every_page_carries_the_security_headers(
    client: TestClient, world: dict, path: str
) -> None:
    response = client.get(path)
    policy = _policy(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert all("unsafe" not in v for values in policy.values() for v in values)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers


def test_hsts_only_over_https(app: object, world: dict) -> None:
    with TestClient(app, base_url="https://testserver") as secure:  # type: ignore[arg-type]
        assert secure.get("/en/").headers["strict-transport-security"].startswith("max-age=")


def test_signed_in_pages_and_fragments_are_private(client: TestClient, world: dict) -> None:
    assert "cache-control" not in client.get("/en/spaces/pathways").headers
    sign_in(client, world["mona"])
    cid = world["comment"].id
    for path, headers in [
        ("/en/spaces/pathways", {}),
        ("/en/spaces/pathways/moderation", {}),
        (f"/en/comments/{cid}/curate", {"HX-Request": "true"}),
        (f"/en/comments/{cid}", {"HX-Request": "true"}),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "private, no-store", path
        assert "Cookie" in response.headers["vary"], path
    static = client.get("/static/roundtable.css")
    assert static.headers.get("cache-control") != "private, no-store"


def test_no_inline_script_or_event_handler_in_any_template() -> None:
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", source):
            assert "src=" in tag, f"inline script in {template}"
        assert not handler.search(source), f"event handler attribute in {template}"
        assert "javascript:" not in source, template


def test_rendered_pages_have_no_inline_script(client: TestClient, world: dict) -> None:
    sign_in(client, world["mona"])
    page = parse(client.get("/en/spaces/pathways").text)
    for script in page.css("script"):
        assert script.attributes.get("src", "").startswith("/static/")
        assert not script.text().strip()
    for node in page.css("*"):
        assert not [a for a in node.attributes if a.startswith("on")], node.tag
    config = json.loads(one(page, "meta[name=htmx-config]").attributes["content"] or "{}")
    assert (config["allowEval"], config["allowScriptTags"], config["selfRequestsOnly"]) == (
        False,
        False,
        True,
    )


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_database_down_gives_503_not_a_stack_trace(tmp_path: Path) -> None:
    # Nothing listens on port 1: every connection is refused.
    nowhere = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    broken = Settings(data_dir=tmp_path, database_url=nowhere)
    with TestClient(create_app(broken), raise_server_exceptions=False) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        page = client.get("/fr/")
        assert page.status_code == 503
        assert page.headers["retry-after"] == "30"
        assert "Traceback" not in page.text
        assert one(parse(page.text), "h1").text().strip() == "Temporairement indisponible"


def test_oversize_bodies_are_refused_before_parsing(app: object, settings: Settings) -> None:
    limit = settings.max_request_bytes
    with TestClient(app) as client:  # type: ignore[arg-type]
        declared = client.post(
            "/fr/sign-in", content=b"x" * (limit + 1), headers={"Content-Type": "text/plain"}
        )
        assert declared.status_code == 413
        assert "trop volumineuse" in one(parse(declared.text), "main").text()

        def chunks():  # no Content-Length: the limit is counted while reading
            for _ in range(limit // 65536 + 2):
                yield b"y" * 65536

        streamed = client.post(
            "/api/v1/spaces/pathways/comments",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert streamed.status_code == 413


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_forms_with_too_many_parts_are_refused_before_parsing(
    client: TestClient, world: dict, settings: Settings
) -> None:
    sign_in(client, world["alice"])
    limit = settings.max_form_parts
    fields = [("body", "Skills."), ("lang", "en")] + [("x", "1")] * limit
    posted = client.post("/fr/spaces/pathways/comments", content=urlencode(fields), headers=_FORM)
    assert posted.status_code == 413
    assert str(limit) in one(parse(posted.text), "main").text()
    assert "champs" in one(parse(posted.text), "main").text()

    files = [("attachment", (f"{n}.txt", b"x", "text/plain")) for n in range(limit)]
    uploaded = client.post(
        "/en/spaces/pathways/comments", data={"body": "Skills.", "lang": "en"}, files=files
    )
    assert uploaded.status_code == 413
    api = client.post(
        "/api/v1/spaces/pathways/comments",
        content="&".join(["a=1"] * (limit + 1)),
        headers=_FORM,
    )
    assert api.status_code == 413
    assert "300" in api.json()["detail"]


def test_a_form_within_the_part_limit_still_works(client: TestClient, world: dict) -> None:
    sign_in(client, world["alice"])
    fields = [("body", "Within the limit."), ("lang", "en")] + [("x", "1")] * 200
    posted = client.post(
        "/en/spaces/pathways/comments",
        content=urlencode(fields),
        headers=_FORM,
        follow_redirects=False,
    )
    assert posted.status_code == 303


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_multipart_delimiters_split_across_chunks_count_once(size: int) -> None:
    from app.web.request_size import _PartCounter

    boundary = "----rt-boundary-7"
    body = (
        b"".join(
            b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
            for _ in range(5)
        )
        + b"--"
        + boundary.encode()
        + b"--\r\n"
    )
    counter = _PartCounter(f'multipart/form-data; boundary="{boundary}"')
    counted = 0
    for start in range(0, len(body), size):
        counted = counter.feed(body[start : start + size])
    assert counted == 5
