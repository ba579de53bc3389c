"""Fetching what a background export job makes, as a browser ends up doing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.exports import jobs


def job_of(app: FastAPI, job_url: str, timeout: float = 120) -> jobs.Job:
    """The job behind a progress page's address, once it has finished."""
    store = jobs.store_of(app.state, app.state.settings.data_dir)
    job = store.wait(job_url.rsplit("/", 1)[1], timeout=timeout)
    assert job is not None, job_url
    return job


def made_in_background(app: FastAPI, client: TestClient, url: str) -> httpx.Response:
    """The file started at `url`: redirected to its job, waited for, then downloaded."""
    started = client.get(url)
    assert started.status_code == 303, started.text[:500]
    job_url = started.headers["location"]
    job = job_of(app, job_url)
    assert job.state == jobs.JobState.DONE, job.error
    download = client.get(job_url + "/file")
    assert download.status_code == 200
    return download
