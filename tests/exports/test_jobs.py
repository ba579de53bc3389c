"""The export job store: background work, progress, files, and what another process sees."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.exports import jobs


def _start(store: jobs.JobStore, work: jobs.Work, key: str = "k", owner: int = 1) -> jobs.Job:
    return store.start(
        owner_id=owner,
        space_id=7,
        key=key,
        filename="x.docx",
        content_type="application/octet-stream",
        work=work,
    )


def test_progress_file_and_another_process(tmp_path: Path) -> None:
    seen: list[float] = []

    def work(progress: jobs.Progress) -> bytes:
        for step in (0.25, 0.5, 0.75):
            progress(step)
            seen.append(step)
        return b"document"

    store = jobs.JobStore(tmp_path / "exports")
    job = _start(store, work)
    done = store.wait(job.id, timeout=30)
    assert done is not None
    assert done.state == jobs.JobState.DONE
    assert done.progress == 100
    assert seen == [0.25, 0.5, 0.75]
    assert store.read(done) == b"document"
    # A process sharing the data directory knows the job from its record.
    elsewhere = jobs.JobStore(tmp_path / "exports")
    remote = elsewhere.get(job.id)
    assert remote is not None
    assert remote.state == jobs.JobState.DONE
    assert remote.owner_id == 1
    assert elsewhere.read(remote) == b"document"


def test_a_job_whose_process_died_is_failed(tmp_path: Path) -> None:
    store = jobs.JobStore(tmp_path)
    job = jobs.Job(id="a" * 24, owner_id=1, space_id=7, key="k", filename="x", content_type="y")
    job.state = jobs.JobState.RUNNING
    store._save(job)
    found = jobs.JobStore(tmp_path).get(job.id)
    assert found is not None
    assert found.state == jobs.JobState.RUNNING
    record = tmp_path / f"{job.id}.json"
    data = json.loads(record.read_text())
    data["updated_at"] = time.time() - jobs.STALE_SECONDS - 5
    record.write_text(json.dumps(data))
    found = jobs.JobStore(tmp_path).get(job.id)
    assert found is not None
    assert found.state == jobs.JobState.FAILED


@pytest.mark.parametrize("job_id", ["../../etc/passwd", "short", "a" * 24 + "/x", ""])
def test_ids_are_checked_before_any_file_is_read(tmp_path: Path, job_id: str) -> None:
    assert jobs.JobStore(tmp_path).get(job_id) is None


def test_old_files_are_removed(tmp_path: Path) -> None:
    store = jobs.JobStore(tmp_path / "exports")
    first = _start(store, lambda progress: b"one", key="a")
    store.wait(first.id, timeout=30)
    old = time.time() - jobs.KEEP_SECONDS - 10
    for path in (tmp_path / "exports").iterdir():
        os.utime(path, (old, old))
    store._jobs[first.id].updated_at = old
    second = _start(store, lambda progress: b"two", key="b")
    store.wait(second.id, timeout=30)
    assert store.get(first.id) is None
    assert store.get(second.id) is not None


def test_a_job_is_owned_by_one_person_in_one_space_for_one_subject(tmp_path: Path) -> None:
    store = jobs.JobStore(tmp_path)
    digest = _start(store, lambda progress: b"digest")
    draft = store.start(
        owner_id=1,
        space_id=7,
        key="k",  # the same key as the digest's: subjects keep them apart
        filename="note.docx",
        content_type="application/octet-stream",
        work=lambda progress: b"note",
        subject="draft:3",
    )
    assert draft.id != digest.id
    store.wait(draft.id, timeout=30)
    store.wait(digest.id, timeout=30)
    found = store.owned(draft.id, owner_id=1, space_id=7, subject="draft:3")
    assert found is not None
    assert store.read(found) == b"note"
    for owner, space, subject in ((2, 7, "draft:3"), (1, 8, "draft:3"), (1, 7, "draft:4")):
        assert store.owned(draft.id, owner_id=owner, space_id=space, subject=subject) is None
    assert store.owned(draft.id, owner_id=None, space_id=7, subject="draft:3") is None
    assert store.owned(draft.id, owner_id=1, space_id=7, subject=jobs.DIGEST) is None
    assert store.owned(digest.id, owner_id=1, space_id=7, subject=jobs.DIGEST) is not None
    # Another process reads the subject from the record.
    remote = jobs.JobStore(tmp_path).owned(draft.id, owner_id=1, space_id=7, subject="draft:3")
    assert remote is not None
    assert remote.subject == "draft:3"


def test_a_record_from_before_subjects_is_a_digest(tmp_path: Path) -> None:
    record = {
        "id": "b" * 24,
        "owner_id": 1,
        "space_id": 7,
        "key": "k",
        "filename": "x.docx",
        "content_type": "y",
        "state": jobs.JobState.DONE,
        "progress": 100,
        "error": "",
        "created_at": time.time(),
        "updated_at": time.time(),
    }
    (tmp_path / f"{record['id']}.json").write_text(json.dumps(record))
    found = jobs.JobStore(tmp_path).get(str(record["id"]))
    assert found is not None
    assert found.subject == jobs.DIGEST


def _sleep_too_long(progress: jobs.Progress) -> bytes:
    try:
        subprocess.run(["sleep", "5"], timeout=0.05, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError("the converter took too long") from exc
    return b""


def _broken(progress: jobs.Progress) -> bytes:
    raise RuntimeError("the converter failed")


@pytest.mark.parametrize(
    ("work", "failure"),
    [(_sleep_too_long, jobs.Failure.TIMEOUT), (_broken, jobs.Failure.ERROR)],
)
def test_a_failed_job_says_why(tmp_path: Path, work: jobs.Work, failure: jobs.Failure) -> None:
    store = jobs.JobStore(tmp_path)
    job = store.wait(_start(store, work).id, timeout=30)
    assert job is not None
    assert (job.state, job.error) == (jobs.JobState.FAILED, failure)
    remote = jobs.JobStore(tmp_path).get(job.id)
    assert remote is not None
    assert remote.error == failure
    assert store.read(job) is None


def test_an_application_keeps_one_store_per_data_directory(tmp_path: Path) -> None:
    state = SimpleNamespace()
    first = jobs.store_of(state, tmp_path / "a")
    assert first.directory == tmp_path / "a" / "exports"
    assert jobs.store_of(state, tmp_path / "a") is first
    other = jobs.store_of(state, tmp_path / "b")
    assert other is not first
    assert other.directory == tmp_path / "b" / "exports"
