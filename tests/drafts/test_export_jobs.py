"""A draft's DOCX is made by a background job: progress page, download, errors, owners."""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from app.documents import docx
from app.drafts import files
from app.exports import jobs
from app.models import NoteDraft, SpaceModerator
from tests.exports.background import job_of
from tests.exports.readers import docx_part
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

TITLE = "Widening pathways"


@pytest.fixture
def world(client: TestClient, db: Session, factory: Factory) -> dict[str, Any]:
    mona = factory.user("Moderator Mona")
    omar = factory.user("Moderator Omar")
    alice = factory.user("Alice Achieng")
    admin = factory.user("Ada Admin", admin=True)
    space = factory.space(slug="pathways", moderators=(mona, omar))
    question = factory.question(space, mona, "Which pathways?")
    comment = factory.comment(space, alice, "Skills partnerships work.", parent=question)
    sign_in(client, mona)
    url = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": "background-note", "title": TITLE, "lang": "en"},
    ).headers["location"]
    draft = db.scalars(select(NoteDraft)).one()
    saved = client.post(
        url,
        data={
            "title": TITLE,
            "base_version": str(draft.version),
            "section_background": f"Participants valued skills partnerships [c:{comment.id}].",
        },
    )
    assert saved.status_code == 303
    db.refresh(draft)
    return {"url": url, "draft": draft, "mona": mona, "omar": omar, "alice": alice, "admin": admin}


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Pandoc (the real one) waits until the test lets it go."""
    release = threading.Event()
    real = files.to_docx

    def waiting(*args: Any, **kwargs: Any) -> bytes:
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "to_docx", waiting)
    yield release
    release.set()


@pytest.fixture
def statements_by_thread(connection: Connection) -> Iterator[list[str]]:
    """The name of the thread that ran each SQL statement of the test's connection."""
    threads: list[str] = []

    def seen(*_args: object) -> None:
        threads.append(threading.current_thread().name)

    event.listen(connection, "before_cursor_execute", seen)
    yield threads
    event.remove(connection, "before_cursor_execute", seen)


def _start(client: TestClient, world: dict[str, Any], lang: str = "en") -> str:
    started = client.get(f"/{lang}/drafts/{world['draft'].id}/export.docx")
    assert started.status_code == 303, started.text[:500]
    assert started.headers["cache-control"] == "private, no-store"
    return str(started.headers["location"])


def test_the_docx_is_made_in_the_background_then_downloaded(
    app: FastAPI,
    client: TestClient,
    world: dict[str, Any],
    held: threading.Event,
    statements_by_thread: list[str],
) -> None:
    job_url = _start(client, world)
    assert job_url.startswith(f"/en/drafts/{world['draft'].id}/jobs/")

    # While pandoc runs the request has long ended: a page polled by htmx, a link without.
    page = client.get(job_url)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    tree = parse(page.text)
    box = one(tree, "#export-job")
    assert box.attributes["hx-get"] == job_url
    assert box.attributes["hx-trigger"] == "every 1s"
    assert box.attributes["data-state"] in ("queued", "running")
    assert [a.attributes["href"] for a in box.css("a")] == [job_url]
    assert f"/en/drafts/{world['draft'].id}" in [a.attributes["href"] for a in tree.css("main a")]
    fragment = client.get(job_url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert one(parse(fragment.text), "#export-job").attributes["hx-get"] == job_url
    # Not made yet: the file's address leads back to the progress page.
    early = client.get(job_url + "/file")
    assert early.status_code == 303
    assert early.headers["location"] == job_url
    # Asking again while it runs joins the same job.
    assert _start(client, world) == job_url

    statements_by_thread.clear()
    held.set()
    job = job_of(app, job_url)
    assert job.state == jobs.JobState.DONE
    assert job.progress == 100
    # The job read nothing from the database: all it needed was read by the request.
    assert [t for t in statements_by_thread if t.startswith("export")] == []

    done = one(parse(client.get(job_url, headers={"HX-Request": "true"}).text), "#export-job")
    assert "hx-trigger" not in done.attributes  # polling stops
    assert done.attributes["data-state"] == "done"
    assert [a.attributes["href"] for a in done.css("a")] == [job_url + "/file"]
    download = client.get(job_url + "/file")
    assert download.status_code == 200
    assert download.headers["content-type"] == files.DOCX
    assert download.headers["cache-control"] == "private, no-store"
    draft = world["draft"]
    assert download.headers["content-disposition"].startswith(
        f'attachment; filename="pathways-note-{draft.id}-v{draft.version}.docx"'
    )
    assert zipfile.ZipFile(BytesIO(download.content)).testzip() is None
    assert TITLE in docx_part(download.content, "docProps/core.xml")
    assert "Participants valued skills partnerships" in docx_part(
        download.content, "word/document.xml"
    )
    # Markdown stays immediate.
    assert client.get(f"/en/drafts/{draft.id}/export.md").status_code == 200


def _started_and_finished(app: FastAPI, client: TestClient, world: dict[str, Any]) -> str:
    job_url = _start(client, world)
    job_of(app, job_url)
    return job_url


def test_only_the_moderator_who_started_it_sees_the_job(
    app: FastAPI, client: TestClient, db: Session, factory: Factory, world: dict[str, Any]
) -> None:
    job_url = _started_and_finished(app, client, world)
    assert client.get(job_url + "/file").status_code == 200
    # Another moderator of the space, an administrator: they may export it, but this job
    # is not theirs. A participant and a stranger do not even see the draft.
    for who in ("omar", "admin", "alice"):
        sign_in(client, world[who])
        assert client.get(job_url).status_code == 404, who
        assert client.get(job_url + "/file").status_code == 404, who
    sign_in(client, world["alice"])
    assert client.get(f"/en/drafts/{world['draft'].id}/export.docx").status_code == 404
    client.cookies.clear()
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/file").status_code == 404
    assert client.get(f"/en/drafts/{world['draft'].id}/export.docx").status_code == 404

    # Under another draft's address, or a digest's, the job does not exist either.
    sign_in(client, world["mona"])
    job_id = job_url.rsplit("/", 1)[1]
    other = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": "insight-report", "title": "Another", "lang": "en"},
    ).headers["location"]
    assert client.get(f"{other}/jobs/{job_id}").status_code == 404
    assert client.get(f"{other}/jobs/{job_id}/file").status_code == 404
    assert client.get(f"/en/spaces/pathways/digest/jobs/{job_id}").status_code == 404
    assert client.get(f"/en/spaces/pathways/digest/jobs/{job_id}/file").status_code == 404
    assert client.get(f"/en/drafts/{world['draft'].id}/jobs/not-a-job").status_code == 404

    # A moderator who no longer moderates the space no longer reaches their own job.
    db.execute(SpaceModerator.__table__.delete().where(SpaceModerator.user_id == world["mona"].id))
    db.flush()
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/file").status_code == 404


def _failed_box(client: TestClient, job_url: str, lang: str) -> Any:
    box = one(parse(client.get(job_url.replace("/en/", f"/{lang}/", 1)).text), "#export-job")
    assert box.attributes["data-state"] == "failed"
    assert "hx-trigger" not in box.attributes
    return box


def test_a_timeout_is_said_in_the_readers_language(
    app: FastAPI, client: TestClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docx, "TIMEOUT_SECONDS", 0.001)  # pandoc cannot even start in time
    job_url = _start(client, world)
    job = job_of(app, job_url)
    assert (job.state, job.error) == (jobs.JobState.FAILED, jobs.Failure.TIMEOUT)
    box = _failed_box(client, job_url, "en")
    assert texts(box, "[role=alert]") == [
        "Writing the document took too long and was stopped. Please try again later; "
        "if it fails again, tell an administrator."
    ]
    retry = f"/en/drafts/{world['draft'].id}/export.docx"
    assert [a.attributes["href"] for a in box.css("a")] == [retry]
    french = _failed_box(client, job_url, "fr")
    assert texts(french, "[role=alert]") != texts(box, "[role=alert]")
    assert "trop" in texts(french, "[role=alert]")[0]
    assert [a.text() for a in french.css("a")] != [a.text() for a in box.css("a")]


def test_a_pandoc_failure_says_so(
    app: FastAPI,
    client: TestClient,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The real pandoc, failing for real: its reference document is not there.
    monkeypatch.setattr(docx, "REFERENCE_DOCX", tmp_path / "missing.docx")
    job_url = _start(client, world)
    job = job_of(app, job_url)
    assert (job.state, job.error) == (jobs.JobState.FAILED, jobs.Failure.ERROR)
    box = _failed_box(client, job_url, "es")
    assert texts(box, "[role=alert]") != []
    assert (
        texts(box, "[role=alert]")[0]
        != texts(_failed_box(client, job_url, "en"), "[role=alert]")[0]
    )
    # Nothing to download: the file's address leads back to the page that says why.
    assert client.get(job_url + "/file").headers["location"] == job_url
    # Trying again makes a new job, which works once pandoc does.
    monkeypatch.undo()
    again = _start(client, world)
    assert again != job_url
    assert job_of(app, again).state == jobs.JobState.DONE


def test_too_many_jobs_at_once(
    app: FastAPI,
    client: TestClient,
    world: dict[str, Any],
    held: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "MAX_ACTIVE_PER_PERSON", 1)
    first = _start(client, world)
    refused = client.get(f"/fr/drafts/{world['draft'].id}/export.docx")
    assert refused.status_code == 429
    assert refused.headers["cache-control"] == "private, no-store"
    page = parse(refused.text)
    assert page.css("#export-job") == []
    assert texts(page, "main [role=status]") != []
    held.set()
    assert job_of(app, first).state == jobs.JobState.DONE
    assert client.get(f"/fr/drafts/{world['draft'].id}/export.docx").status_code == 303
