"""The digest page and downloads: moderators of the space and administrators only."""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.exports import digest as digests
from app.exports import jobs
from app.exports.routes import CONTENT_TYPES
from tests.exports.conftest import SECRET_HIDDEN, World
from tests.factories import sign_in
from tests.html import one, parse, texts

FORMATS = ("md", "docx", "csv", "json")


def _urls(slug: str = "pathways") -> list[str]:
    base = f"/en/spaces/{slug}/digest"
    return [base, *(f"{base}.{fmt}" for fmt in FORMATS)]


@pytest.mark.parametrize("url", _urls())
def test_anonymous_visitors_are_asked_to_sign_in(
    client: TestClient, world: World, url: str
) -> None:
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["kate", "outsider", "other_moderator"])
@pytest.mark.parametrize("url", _urls())
def test_others_are_refused(client: TestClient, world: World, who: str, url: str) -> None:
    sign_in(client, getattr(world, who))
    response = client.get(url)
    assert response.status_code == 403
    assert "Skills partnerships work." not in response.text


def test_unknown_space_and_format_are_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.moderator)
    assert client.get("/en/spaces/nowhere/digest.md").status_code == 404
    assert client.get("/en/spaces/pathways/digest.pdf").status_code == 404
    assert client.get("/xx/spaces/pathways/digest.md").status_code == 404


@pytest.mark.parametrize("who", ["moderator", "admin"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_downloads(client: TestClient, world: World, who: str, fmt: str) -> None:
    sign_in(client, getattr(world, who))
    response = client.get(f"/en/spaces/pathways/digest.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPES[fmt]
    assert response.headers["cache-control"] == "private, no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="pathways-digest-en-')
    assert disposition.endswith(f".{fmt}")
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    if fmt == "docx":
        assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    else:
        assert SECRET_HIDDEN not in response.text
        assert "Skills partnerships work" in response.text


def test_one_question_download(client: TestClient, world: World) -> None:
    sign_in(client, world.moderator)
    response = client.get(f"/en/spaces/pathways/digest.csv?question={world.q2.id}")
    assert response.status_code == 200
    assert "-q2-" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert [int(r["id"]) for r in rows] == [world.q2.id]
    assert client.get(f"/en/spaces/pathways/digest.json?question={world.c1.id}").status_code == 404
    assert client.get("/en/spaces/pathways/digest.json?question=x").status_code == 400


def test_the_digest_in_french(client: TestClient, world: World) -> None:
    sign_in(client, world.moderator)
    document = client.get("/fr/spaces/pathways/digest.json").json()
    assert document["lang"] == "fr"
    assert document["space"]["title"] == "Voies de mobilité"
    assert document["groups"][0]["question"]["url"].endswith(f"/fr/comments/{world.q1.id}")


@pytest.mark.parametrize("htmx", [False, True])
def test_digest_page_links_every_format_and_question(
    client: TestClient, world: World, htmx: bool
) -> None:
    sign_in(client, world.moderator)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get("/en/spaces/pathways/digest", headers=headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    tree = parse(response.text)
    whole = [a.attributes["href"] for a in tree.css("#whole-title + ul a")]
    assert whole == [f"/en/spaces/pathways/digest.{fmt}" for fmt in FORMATS]
    row = one(tree, f'tr[data-question="{world.q1.id}"]')
    links = [a.attributes["href"] for a in row.css("a")]
    assert links == [f"/en/spaces/pathways/digest.{fmt}?question={world.q1.id}" for fmt in FORMATS]
    assert texts(row, "td")[:3] == ["6", "4", "English, Spanish, French"]
    assert "Question 1: How can pathways be widened?" in texts(tree, "th[scope=row]")


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "BACKGROUND_THRESHOLD", 5)


def _store(app: FastAPI) -> jobs.JobStore:
    store = app.state.export_jobs
    assert isinstance(store, jobs.JobStore)
    return store


@pytest.mark.usefixtures("small_threshold")
def test_a_big_docx_is_made_in_the_background(
    app: FastAPI, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_to_docx = digests.to_docx

    def held_to_docx(digest: digests.Digest, **kwargs: object) -> bytes:
        assert release.wait(30)
        return real_to_docx(digest, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(digests, "to_docx", held_to_docx)
    sign_in(client, world.moderator)
    started = client.get("/en/spaces/pathways/digest.docx")
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert job_url.startswith("/en/spaces/pathways/digest/jobs/")
    assert started.headers["cache-control"] == "private, no-store"

    # While it runs: a progress page that htmx polls, and a link for those without it.
    page = client.get(job_url)
    assert page.status_code == 200
    box = one(parse(page.text), "#export-job")
    assert box.attributes["hx-get"] == job_url
    assert box.attributes["hx-trigger"] == "every 1s"
    assert box.attributes["data-state"] in ("queued", "running")
    assert [a.attributes["href"] for a in box.css("a")] == [job_url]
    fragment = client.get(job_url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text  # htmx swaps the box alone
    assert one(parse(fragment.text), "#export-job").attributes["hx-get"] == job_url
    # The file is not there yet: its address leads back to the progress page.
    early = client.get(job_url + "/file")
    assert early.status_code == 303
    assert early.headers["location"] == job_url
    # Asking again while it runs joins the same job.
    assert client.get("/en/spaces/pathways/digest.docx").headers["location"] == job_url

    release.set()
    job_id = job_url.rsplit("/", 1)[1]
    finished = _store(app).wait(job_id, timeout=60)
    assert finished is not None
    assert finished.state == jobs.JobState.DONE

    done = parse(client.get(job_url, headers={"HX-Request": "true"}).text)
    box = one(done, "#export-job")
    assert "hx-trigger" not in box.attributes  # polling stops
    assert box.attributes["data-state"] == "done"
    assert [a.attributes["href"] for a in box.css("a")] == [job_url + "/file"]
    download = client.get(job_url + "/file")
    assert download.status_code == 200
    assert download.headers["content-type"] == CONTENT_TYPES["docx"]
    assert download.headers["cache-control"] == "private, no-store"
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="pathways-digest-en-'
    )
    assert zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None
    assert (app.state.settings.data_dir / "exports" / f"{job_id}.out").exists()

    # Small formats stay immediate, whatever the size.
    assert client.get("/en/spaces/pathways/digest.md").status_code == 200


@pytest.mark.usefixtures("small_threshold")
def test_a_job_belongs_to_whoever_started_it(
    app: FastAPI, client: TestClient, world: World
) -> None:
    sign_in(client, world.moderator)
    job_url = client.get("/en/spaces/pathways/digest.docx").headers["location"]
    job_id = job_url.rsplit("/", 1)[1]
    _store(app).wait(job_id, timeout=60)
    client.cookies.clear()

    sign_in(client, world.admin)  # allowed to export, but this is not their job
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/file").status_code == 404
    client.cookies.clear()
    sign_in(client, world.kate)
    assert client.get(job_url).status_code == 403
    assert client.get(job_url + "/file").status_code == 403
    client.cookies.clear()
    sign_in(client, world.moderator)
    assert client.get("/en/spaces/pathways/digest/jobs/../../x").status_code == 404
    assert client.get("/en/spaces/pathways/digest/jobs/not-a-job").status_code == 404


@pytest.mark.usefixtures("small_threshold")
def test_a_failed_job_says_so(
    app: FastAPI, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(digest: digests.Digest, **kwargs: object) -> bytes:
        raise RuntimeError("pandoc is gone")

    monkeypatch.setattr(digests, "to_docx", broken)
    sign_in(client, world.moderator)
    job_url = client.get("/en/spaces/pathways/digest.docx").headers["location"]
    _store(app).wait(job_url.rsplit("/", 1)[1], timeout=60)
    box = one(parse(client.get(job_url).text), "#export-job")
    assert box.attributes["data-state"] == "failed"
    assert one(box, "[role=alert]")


@pytest.mark.usefixtures("small_threshold")
def test_too_many_jobs_at_once(
    app: FastAPI, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def held(digest: digests.Digest, **kwargs: object) -> bytes:
        assert release.wait(30)
        return b"PK"

    monkeypatch.setattr(digests, "to_docx", held)
    monkeypatch.setattr(jobs, "MAX_ACTIVE_PER_PERSON", 2)
    sign_in(client, world.moderator)
    try:
        for lang in ("en", "fr"):
            assert client.get(f"/{lang}/spaces/pathways/digest.docx").status_code == 303
        refused = client.get("/es/spaces/pathways/digest.docx")
        assert refused.status_code == 429
    finally:
        release.set()
    store = _store(app)
    for job in list(store._jobs.values()):
        store.wait(job.id, timeout=60)


def test_json_download_is_the_digest(client: TestClient, world: World) -> None:
    sign_in(client, world.moderator)
    document = json.loads(client.get("/en/spaces/pathways/digest.json").content)
    assert document["format"] == "roundtable-digest"
    assert document["coverage"]["comments"] == 8
