"""The search page, its htmx fragment and the JSON API, through HTTP."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import logs
from app.ratelimit import Limiter, Rule
from app.search import service
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


@pytest.fixture
def world(factory: Factory, db: Session) -> dict[str, object]:
    mod = factory.user("Moderator Mona")
    ana = factory.user("Ana Author")
    space = factory.space(
        slug="mobility", moderators=(mod,), titles={"en": "Labour mobility", "fr": "Mobilité"}
    )
    question = factory.question(space, mod, "How can remittances cost less?")
    reply = factory.comment(space, ana, "Remittances cost too much <b>here</b>.", parent=question)
    spanish = factory.comment(space, ana, "Las remesas de las trabajadoras.", lang="es")
    db.commit()
    return {
        "mod": mod,
        "ana": ana,
        "space": space,
        "question": question,
        "reply": reply,
        "es": spanish,
    }


def test_every_page_has_the_search_box(client: TestClient, world) -> None:
    page = parse(client.get("/fr/").text)
    form = one(page, "header.site form[role=search]")
    assert form.attributes["action"] == "/fr/search"
    assert form.attributes["method"] == "get"
    assert one(form, "input[name=q]").attributes["type"] == "search"
    assert texts(page, "label[for=site-search-q]") == ["Rechercher dans les consultations"]


def test_results_page_without_javascript(client: TestClient, world) -> None:
    response = client.get("/en/search", params={"q": "remittance"})
    assert response.status_code == 200
    page = parse(response.text)
    hits = page.css("li.search-hit")
    assert len(hits) == 2
    first = hits[0]
    assert texts(first, ".hit-where a")[0] == "Labour mobility"
    assert texts(first, "mark") == ["remittances"] or texts(first, "mark") == ["Remittances"]
    assert one(page, "#search-q").attributes["value"] == "remittance"
    # Participants' markup is text in the snippet, never an element.
    reply = next(h for h in hits if "too much" in h.text())
    assert reply.css("b") == []
    assert "<b>here</b>" not in reply.html  # escaped: &lt;b&gt;
    assert texts(reply, ".hit-meta")[0].startswith("Ana Author")


def test_htmx_gets_the_results_alone(client: TestClient, world) -> None:
    response = client.get("/en/search", params={"q": "remesa"}, headers={"HX-Request": "true"})
    fragment = parse(response.text)
    assert fragment.css("form.search") == []
    assert len(fragment.css("li.search-hit")) == 1
    assert one(fragment, "li.search-hit blockquote").attributes["lang"] == "es"


def test_a_bad_search_is_explained_and_kept(client: TestClient, world) -> None:
    typed = "remittances " * 40
    response = client.get("/es/search", params={"q": typed, "from": "31/02/2026"})
    assert response.status_code == 422
    page = parse(response.text)
    assert one(page, "#search-q").attributes["value"] == typed
    assert one(page, "#search-from").attributes["value"] == "31/02/2026"
    errors = texts(page, ".error-summary li")
    assert any("demasiado larga" in e for e in errors), errors
    assert any("año-mes-día" in e for e in errors), errors


def test_unknown_sort_is_ignored(client: TestClient, world) -> None:
    ranked = client.get("/en/search", params={"q": "remittances"})
    odd = client.get("/en/search", params={"q": "remittances", "sort": "'; DROP TABLE"})
    assert odd.status_code == 200
    assert texts(parse(odd.text), ".search-hit blockquote") == texts(
        parse(ranked.text), ".search-hit blockquote"
    )


def test_moderator_filters_show_only_to_moderators(client: TestClient, world) -> None:
    assert parse(client.get("/en/search", params={"q": "x"}).text).css("#search-status") == []
    sign_in(client, world["mod"])  # type: ignore[arg-type]
    page = parse(client.get("/en/search", params={"q": "remittances"}).text)
    assert page.css("#search-status")
    assert page.css("#search-objective")
    hits = page.css("li.search-hit")
    assert all(h.css("a[href$='/curate']") for h in hits)
    assert sorted(texts(page, ".hit-meta code")) == sorted(
        f"[c:{c.id}]"
        for c in (world["question"], world["reply"])  # type: ignore[attr-defined]
    )


def test_the_curation_tools_search_their_space(client: TestClient, world) -> None:
    sign_in(client, world["mod"])  # type: ignore[arg-type]
    for url in (
        f"/en/comments/{world['reply'].id}/curate",  # type: ignore[attr-defined]
        "/en/spaces/mobility/drafts",
    ):
        form = one(parse(client.get(url).text), "form.search-in-space")
        assert form.attributes["action"] == "/en/search"
        assert one(form, "input[name=space]").attributes["value"] == "mobility"
    page = parse(client.get("/en/search", params={"q": "remesas", "space": "mobility"}).text)
    assert one(page, "#search-space option[selected]").attributes["value"] == "mobility"
    assert len(page.css("li.search-hit")) == 1


def test_json_api(client: TestClient, world) -> None:
    response = client.get("/api/v1/search", params={"q": "remesas", "language": "es"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["next_page"] is None
    (hit,) = body["hits"]
    assert hit["space"] == "mobility"
    assert hit["lang"] == "es"
    assert hit["author"] == "Ana Author"
    assert [p["text"] for p in hit["snippet"] if p["mark"]] == ["remesas"]
    assert body["more"] is False
    refused = client.get("/api/v1/search", params={"q": ""}, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    assert "mots" in refused.json()["errors"]["q"]


def test_the_api_search_is_in_the_openapi_document(client: TestClient) -> None:
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "space", "question", "language", "from", "to", "sort", "page"} <= names


def test_searches_leave_no_words_in_the_logs(client: TestClient, world) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    logs.configure(stream)
    try:
        client.get("/en/search", params={"q": "remittances zqxprivatewordqzx"})
        client.get("/api/v1/search", params={"q": "zqxprivatewordqzx"})
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    assert any(line.get("path") == "/en/search" for line in lines)
    assert "zqxprivatewordqzx" not in stream.getvalue()


def test_invalid_utf8_and_nul_in_the_address(client: TestClient, world) -> None:
    for raw in ("q=%FF%FE%00", "q=remit%00tances&tag=%00&space=%00", "q=%E2%80%AE%22"):
        response = client.get(f"/en/search?{raw}")
        assert response.status_code in (200, 422), raw
        assert parse(response.text).css("main h1")


def test_pages_of_results_link_to_each_other(
    client: TestClient, factory: Factory, db: Session
) -> None:
    ana = factory.user()
    space = factory.space(slug="many")
    for i in range(25):
        factory.comment(space, ana, f"Mobility of skills, item {i}.")
    db.commit()
    page = parse(client.get("/en/search", params={"q": "skills", "space": "many"}).text)
    assert len(page.css("li.search-hit")) == 20
    next_link = one(page, "nav.pages a[rel=next]").attributes["href"]
    assert "page=2" in next_link
    assert "space=many" in next_link
    second = parse(client.get(next_link).text)
    assert len(second.css("li.search-hit")) == 5
    assert one(second, "ol.search-results").attributes["start"] == "21"


class CountingBackend:
    """Counters in memory: the limiter's own rules, without a database of counters."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, datetime], int] = {}

    def hit(
        self, key: str, window_start: datetime, ttl: int, db: Session | None, amount: int = 1
    ) -> int:
        count = self.counts.get((key, window_start), 0) + amount
        self.counts[(key, window_start)] = count
        return count


@pytest.fixture
def limited_app(app: FastAPI) -> FastAPI:
    app.state.limiter = Limiter(CountingBackend())
    return app


def test_searches_are_rate_limited(
    limited_app: FastAPI, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An hour's window: a test run never straddles two.
    rule = Rule(service.SEARCHES_PER_ADDRESS.name, 15, timedelta(hours=1))
    monkeypatch.setattr(service, "SEARCHES_PER_ADDRESS", rule)
    with TestClient(limited_app) as client:
        codes = [
            client.get("/en/search", params={"q": f"remittances {i}"}).status_code
            for i in range(rule.limit + 2 * service.BATCH)
        ]
        assert client.get("/en/").status_code == 200  # other pages keep their own count
    assert codes[0] == 200
    assert codes[-1] == 429


def test_a_search_that_reads_its_limit_says_so(
    client: TestClient, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.search import backends

    monkeypatch.setattr(backends, "CANDIDATES", 1)
    page = parse(client.get("/fr/search", params={"q": "remittances"}).text)
    assert texts(page, "#search-count") == ["Plus de 1 commentaire trouvé"]
    assert "affiner" in texts(page, "#search-results .note")[0]
    assert client.get("/api/v1/search", params={"q": "remittances"}).json()["more"] is True
