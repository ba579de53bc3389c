"""Documents too slow to make while a browser waits: run in a thread pool, polled by id.

Digests above `BACKGROUND_THRESHOLD` entries and every draft's DOCX are made here. A job's
work is a function of plain values read before it starts: it runs after the request that
started it has ended its unit of work, and never touches the database. Each job names its
`subject` (the digest of its space, or one draft), its owner and its space; the routes of
that subject show it to its owner only (`JobStore.owned`).

A job's progress lives in memory, mirrored in a small JSON file beside its output in
`<data_dir>/exports/`, so another process sharing the data directory can report on it and
serve the file. Files are kept for `KEEP_SECONDS`, then removed by the next job started.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.errors import NotFound

log = logging.getLogger(__name__)

# Digests with more entries than this are made in the background (DOCX only: the other
# formats take milliseconds).
BACKGROUND_THRESHOLD = 300
WORKERS = 2  # pandoc is single-threaded; leave the web workers their share of the CPU
MAX_ACTIVE_PER_PERSON = 3
KEEP_SECONDS = 3600
# A job "running" with no news for this long died with its process.
STALE_SECONDS = 600

_ID = re.compile(r"[A-Za-z0-9_-]{20,40}")
# The subject of a space's digest job; records written before subjects existed are digests.
DIGEST = "digest"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # with a Failure saying why


class Failure(StrEnum):
    """Why a job failed, as its page explains it."""

    TIMEOUT = "timeout"  # the converter ran out of time and was stopped
    ERROR = "error"  # the converter (or writing the file) failed
    ABANDONED = "abandoned"  # its process stopped before it finished


Progress = Callable[[float], None]
Work = Callable[[Progress], bytes]


class TooManyJobs(Exception):
    """This person already has as many exports in the making as one may."""


@dataclass
class Job:
    id: str
    owner_id: int
    space_id: int
    key: str  # what was asked for: the same request joins the same job
    filename: str
    content_type: str
    subject: str = DIGEST  # what the file is of: DIGEST, or "draft:<id>"
    state: JobState = JobState.QUEUED
    progress: int = 0  # percent
    error: str = ""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        # Read back from its JSON record, the state is a plain string.
        self.state = JobState(self.state)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="export")
        return _executor


class JobStore:
    """The export jobs of one data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._jobs: dict[str, Job] = {}
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    # -- files ------------------------------------------------------------------------

    def _file(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.out"

    def _record(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def _save(self, job: Job) -> None:
        job.updated_at = time.time()
        tmp = self._record(job.id).with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
        os.replace(tmp, self._record(job.id))

    def _load(self, job_id: str) -> Job | None:
        try:
            job = Job(**json.loads(self._record(job_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if not job.finished and time.time() - job.updated_at > STALE_SECONDS:
            job.state, job.error = JobState.FAILED, Failure.ABANDONED
        return job

    def _prune(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        for path in self.directory.glob("*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
        with self._lock:
            for job_id, job in list(self._jobs.items()):
                if job.finished and job.updated_at < cutoff:
                    del self._jobs[job_id]
                    self._futures.pop(job_id, None)

    # -- jobs -------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        if not _ID.fullmatch(job_id):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
        return job or self._load(job_id)

    def owned(
        self, job_id: str, *, owner_id: int | None, space_id: int, subject: str
    ) -> Job | None:
        """The job, if it is this person's, of this space and of this subject.

        Someone else's job, another space's or another subject's does not exist for them.
        """
        job = self.get(job_id)
        if job is None or owner_id is None:
            return None
        if (job.owner_id, job.space_id, job.subject) != (owner_id, space_id, subject):
            return None
        return job

    def read(self, job: Job) -> bytes | None:
        try:
            return self._file(job.id).read_bytes() if job.state is JobState.DONE else None
        except OSError:
            return None

    def start(
        self,
        *,
        owner_id: int,
        space_id: int,
        key: str,
        filename: str,
        content_type: str,
        work: Work,
        subject: str = DIGEST,
    ) -> Job:
        """A job making `work`'s bytes; the same person asking again while it runs joins it.

        `work` must need nothing but what it was given: it runs once the request has
        ended, outside any unit of work.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        self._prune()
        with self._lock:
            mine = [j for j in self._jobs.values() if j.owner_id == owner_id]
            for job in mine:
                if (job.subject, job.key) == (subject, key) and not job.finished:
                    return job
            if sum(not j.finished for j in mine) >= MAX_ACTIVE_PER_PERSON:
                raise TooManyJobs
            job = Job(
                id=secrets.token_urlsafe(18),
                owner_id=owner_id,
                space_id=space_id,
                key=key,
                filename=filename,
                content_type=content_type,
                subject=subject,
            )
            self._jobs[job.id] = job
        self._save(job)
        self._futures[job.id] = _pool().submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.state = JobState.RUNNING
        self._save(job)
        last_saved = [0.0]

        def progress(fraction: float) -> None:
            job.progress = max(job.progress, min(99, int(fraction * 100)))
            if time.monotonic() - last_saved[0] > 0.5:
                last_saved[0] = time.monotonic()
                self._save(job)

        try:
            data = work(progress)
            tmp = self._file(job.id).with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, self._file(job.id))
        except Exception as exc:
            log.exception("export job %s failed", job.id)
            job.state, job.error = JobState.FAILED, _failure(exc)
        else:
            job.state, job.progress = JobState.DONE, 100
        self._save(job)

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        """Block until the job is finished (for tests, benchmarks and the CLI)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)
        return self.get(job_id)


def _failure(exc: BaseException) -> Failure:
    """A timeout anywhere in the exception's causes (pandoc's, say) is told as one."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        if isinstance(seen, TimeoutError | subprocess.TimeoutExpired):
            return Failure.TIMEOUT
        visited.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    return Failure.ERROR


_stores_lock = threading.Lock()


def store_of(state: Any, data_dir: Path) -> JobStore:
    """The job store an application keeps on its `state`, for its data directory."""
    directory = data_dir / "exports"
    with _stores_lock:
        store: JobStore | None = getattr(state, "export_jobs", None)
        if store is None or store.directory != directory:
            store = JobStore(directory)
            state.export_jobs = store
        return store


def owned_or_404(
    state: Any, data_dir: Path, job_id: str, *, owner_id: int | None, space_id: int, subject: str
) -> tuple[JobStore, Job]:
    """The store and the job a route shows: its owner's, of this space and subject, or 404."""
    store = store_of(state, data_dir)
    job = store.owned(job_id, owner_id=owner_id, space_id=space_id, subject=subject)
    if job is None:
        raise NotFound
    return store, job
