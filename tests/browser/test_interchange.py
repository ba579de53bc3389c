"""An administrator moves a space with its position papers: sets its note word target,
downloads the bundle, imports it as a new space, and finds the target and the paper there;
a bundle with a path trick is refused on the page."""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from app.demo.loader import DEMO_PASSWORD
from tests import documents
from tests.browser.test_accessibility import violations

ADMIN = "leila.haddad@example.org"  # an administrator, moderator of labour-mobility (app/demo)
SPACE = "labour-mobility-roundtable"


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.locator("#sign-in-email").fill(ADMIN)
    page.locator("#sign-in-password").fill(DEMO_PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{base}/en/")


def test_target_and_papers_travel_in_the_bundle(
    page: Page, live_server: str, axe_source: str, tmp_path: Path
) -> None:
    base = live_server
    mark = uuid.uuid4().hex[:8]
    paper = tmp_path / f"Position {mark}.pdf"
    paper.write_bytes(documents.PDF)
    _sign_in(page, base)

    # A comment with a position paper, as a participant would post it.
    page.goto(f"{base}/en/spaces/{SPACE}")
    page.wait_for_load_state("networkidle")
    page.locator("#post-form-body").fill(f"Our position paper on pathways ({mark}).")
    page.locator("#post-form-attachment").set_input_files(str(paper))
    page.locator("#post-form button[type=submit]").click()
    posted = page.locator("#new-posts article.comment").first
    expect(posted.locator(".files a")).to_have_text(f"Position {mark}.pdf")

    # The word target, in the space's settings.
    page.goto(f"{base}/en/spaces/{SPACE}/settings")
    page.locator("#settings-note_word_target").fill("1,250")
    page.locator("#settings button[type=submit]").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("#settings-note_word_target")).to_have_value("1250")

    # The bundle, downloaded from the space's administration page.
    page.goto(f"{base}/en/admin/spaces/{SPACE}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export with position papers (ZIP)").click()
    download = info.value
    assert download.suggested_filename.endswith(".roundtable.zip")
    bundle = tmp_path / download.suggested_filename
    download.save_as(bundle)
    with zipfile.ZipFile(bundle) as archive:
        assert "space.json" in archive.namelist()
        assert documents.PDF in [archive.read(n) for n in archive.namelist() if n != "space.json"]

    # Imported as a new space, from the administration home page.
    copy = f"moved-{mark}"
    page.goto(f"{base}/en/admin/")
    page.locator("#import-file").set_input_files(str(bundle))
    page.locator("#import-slug").fill(copy)
    page.locator("#import button[type=submit]").click()
    page.wait_for_url(f"{base}/en/admin/spaces/{copy}")

    page.goto(f"{base}/en/spaces/{copy}/settings")
    expect(page.locator("#settings-note_word_target")).to_have_value("1250")
    page.goto(f"{base}/en/spaces/{copy}")
    link = page.locator(".files a", has_text=f"Position {mark}.pdf")
    expect(link).to_have_count(1)
    with page.expect_download() as info:
        link.click()
    copied = tmp_path / "copied.pdf"
    info.value.save_as(copied)
    assert hashlib.sha256(copied.read_bytes()).digest() == hashlib.sha256(documents.PDF).digest()
    assert violations(page, axe_source) == []

    # Signed in already (the demo has one administrator): a hostile bundle, refused.
    _refuses_a_path_trick(page, base, tmp_path)


def _refuses_a_path_trick(page: Page, base: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("space.json", "{}")
        archive.writestr("../outside.pdf", documents.PDF)
    page.goto(f"{base}/en/admin/import")
    page.locator("#import-file").set_input_files(str(hostile))
    page.locator("#import button[type=submit]").click()
    problems = page.locator("#import-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("tbody tr td")).to_have_text(
        ["../outside.pdf", "This name points outside the bundle."]
    )
