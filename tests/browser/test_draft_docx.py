"""A moderator exports a draft as Word: the job's page follows it, then the file downloads.

With JavaScript, htmx polls the progress box in place until the file is ready; without it,
"Check again" reloads the page. Either way the download is a Word document of the draft.
"""

from __future__ import annotations

import re
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Download, Page, expect

from app.demo.loader import DEMO_PASSWORD
from app.drafts import files
from tests.browser.test_accessibility import violations

MODERATOR = "leila.haddad@example.org"  # moderates the labour-mobility space (app/demo)
DRAFTS = "/en/spaces/labour-mobility-roundtable/drafts"
JOB_PATH = re.compile(r"/en/drafts/\d+/jobs/[A-Za-z0-9_-]{20,40}$")
FILENAME = re.compile(r"labour-mobility-roundtable-note-\d+-v\d+\.docx")


@pytest.fixture
def held_pandoc(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The live server runs in this process: its (real) pandoc waits for the test's word,
    so the page is seen while the job is still running."""
    release = threading.Event()
    real = files.to_docx

    def waiting(*args: Any, **kwargs: Any) -> bytes:
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "to_docx", waiting)
    yield release
    release.set()


def _new_draft(page: Page, base: str) -> str:
    """Sign in as the moderator and start a draft; its title, unique to this test."""
    page.goto(f"{base}/en/sign-in")
    page.locator("#sign-in-email").fill(MODERATOR)
    page.locator("#sign-in-password").fill(DEMO_PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{base}/en/")
    title = f"Pathways note {uuid.uuid4().hex[:8]}"
    page.goto(base + DRAFTS)
    page.locator("#new-draft-title").fill(title)
    page.locator("#new-draft button[type=submit]").click()
    page.locator("#draft").wait_for()
    return title


def _is_the_draft(download: Download, title: str, tmp_path: Path) -> None:
    assert FILENAME.fullmatch(download.suggested_filename), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as document:
        assert document.testzip() is None
        names = document.namelist()
        assert "word/document.xml" in names
        assert title in document.read("docProps/core.xml").decode("utf-8")
        body = document.read("word/document.xml").decode("utf-8")
    assert "Background" in body  # the template's first section heading


def test_the_job_page_follows_the_docx_and_downloads_it(
    page: Page, live_server: str, axe_source: str, held_pandoc: threading.Event, tmp_path: Path
) -> None:
    title = _new_draft(page, live_server)
    page.get_by_role("link", name="Export as Word (DOCX)").click()
    page.wait_for_url(JOB_PATH)
    job_url = page.url
    box = page.locator("#export-job")
    expect(box).to_have_attribute("data-state", re.compile("queued|running"))
    expect(box.locator("progress")).to_be_visible()
    assert violations(page, axe_source) == []

    held_pandoc.set()
    # htmx swaps the box in place: same page, no reload, a download link appears.
    expect(box).to_have_attribute("data-state", "done", timeout=30_000)
    assert page.url == job_url
    expect(box.get_by_role("status")).to_have_text("The document is ready.")
    assert violations(page, axe_source) == []
    with page.expect_download() as info:
        box.get_by_role("link", name=re.compile("^Download ")).click()
    _is_the_draft(info.value, title, tmp_path)


def test_without_javascript_check_again_until_it_is_ready(
    browser: Browser, live_server: str, held_pandoc: threading.Event, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        title = _new_draft(page, live_server)
        page.get_by_role("link", name="Export as Word (DOCX)").click()
        page.wait_for_url(JOB_PATH)
        job_url = page.url
        box = page.locator("#export-job")
        # Nothing polls without JavaScript: the link asks again.
        box.get_by_role("link", name="Check again").click()
        page.wait_for_url(job_url)
        expect(box).to_have_attribute("data-state", re.compile("queued|running"))
        held_pandoc.set()
        for _attempt in range(60):
            if box.get_attribute("data-state") == "done":
                break
            page.wait_for_timeout(500)
            box.get_by_role("link", name="Check again").click()
            page.wait_for_url(job_url)
        expect(box).to_have_attribute("data-state", "done")
        with page.expect_download() as info:
            box.get_by_role("link", name=re.compile("^Download ")).click()
        _is_the_draft(info.value, title, tmp_path)
    finally:
        context.close()
