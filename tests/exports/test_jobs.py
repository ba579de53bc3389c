"""The export job store: background work, progress, files, and what another process sees."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

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
    assert done.state == jobs.DONE
    assert done.progress == 100
    assert seen == [0.25, 0.5, 0.75]
    assert store.read(done) == b"document"
    # A process sharing the data directory knows the job from its record.
    elsewhere = jobs.JobStore(tmp_path / "exports")
    remote = elsewhere.get(job.id)
    assert remote is not None
    assert remote.state == jobs.DONE
    assert remote.owner_id == 1
    assert elsewhere.read(remote) == b"document"


def test_a_job_whose_process_died_is_failed(tmp_path: Path) -> None:
    store = jobs.JobStore(tmp_path)
    job = jobs.Job(id="a" * 24, owner_id=1, space_id=7, key="k", filename="x", content_type="y")
    job.state = jobs.RUNNING
    store._save(job)
    found = jobs.JobStore(tmp_path).get(job.id)
    assert found is not None
    assert found.state == jobs.RUNNING
    record = tmp_path / f"{job.id}.json"
    data = json.loads(record.read_text())
    data["updated_at"] = time.time() - jobs.STALE_SECONDS - 5
    record.write_text(json.dumps(data))
    found = jobs.JobStore(tmp_path).get(job.id)
    assert found is not None
    assert found.state == jobs.FAILED


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
