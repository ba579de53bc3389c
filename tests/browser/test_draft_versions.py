"""A moderator approves a draft, finds it frozen, starts a new version, edits it, then
opens, compares and exports the approved version as it was."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import violations
from tests.browser.test_draft_docx import _new_draft

APPROVED_TEXT = "Skills earned abroad are rarely recognised."
NEW_TEXT = "Skills earned abroad are now often recognised."


def _save(page: Page, text: str) -> None:
    page.locator("#draft-section_background").fill(text)
    page.locator("#draft button[type=submit]").click()
    expect(page.locator("p.note[role=status]")).to_have_text("Saved.")


def test_approve_freeze_new_version_open_compare_export(
    page: Page, live_server: str, axe_source: str
) -> None:
    title = _new_draft(page, live_server)
    draft_url = page.url.split("?")[0]
    _save(page, APPROVED_TEXT)
    page.get_by_role("button", name="Send for review").click()
    page.get_by_role("button", name="Approve the draft").click()

    # Approved: frozen. Nothing to save; the text reads as it was approved.
    background = page.locator("#draft-section_background")
    expect(background).to_have_value(APPROVED_TEXT)
    expect(background).not_to_be_editable()
    expect(page.locator("#draft-title")).not_to_be_editable()
    expect(page.get_by_role("button", name="Save the draft")).to_have_count(0)
    assert violations(page, axe_source) == []
    approved_version = int(page.locator("input[name=base_version]").get_attribute("value") or 0)

    # A new version: a draft again, editable.
    page.locator("#draft-new-version").click()
    page.wait_for_url(draft_url)
    expect(background).to_be_editable()
    _save(page, NEW_TEXT)

    # The approved version, opened from the history: read-only, its own words.
    page.get_by_role("link", name="History", exact=True).click()
    page.get_by_role("link", name=f"Version {approved_version}", exact=True).click()
    expect(page.locator("#version-section_background pre")).to_have_text(APPROVED_TEXT)
    expect(page.locator("#version textarea")).to_have_count(0)
    assert violations(page, axe_source) == []

    # Compared with the current version: the changed words marked.
    page.get_by_role("link", name="Compare with the current version").click()
    diff = page.locator("#diff-section_background .diff-text")
    expect(diff.locator("del")).to_have_text(["rarely"])
    expect(diff.locator("ins")).to_have_text(["now often"])
    assert violations(page, axe_source) == []
    # Any two versions: the form picks them.
    page.locator("#compare-old").select_option(str(approved_version))
    page.locator("#compare-new").select_option(str(approved_version))
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("#no-changes")).to_be_visible()

    # The approved version's Markdown, as it was.
    page.go_back()
    page.get_by_role("link", name="History", exact=True).click()
    page.get_by_role("link", name=f"Version {approved_version}", exact=True).click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Export this version as Markdown").click()
    download = info.value
    assert download.suggested_filename.endswith(f"-v{approved_version}.md")
    path = download.path()
    assert path is not None
    markdown = path.read_text(encoding="utf-8")
    assert title in markdown
    assert "rarely" in markdown
    assert "often" not in markdown


def test_the_live_word_count_says_when_it_is_over(page: Page, live_server: str) -> None:
    _new_draft(page, live_server)
    page.locator("#draft-section_background").fill("word " * 1001)
    count = page.locator("p.words[aria-live=polite] #word-count")
    # The other sections start pre-filled: more than one word over, however many.
    expect(count).to_contain_text(re.compile(r"— [\d,]+ words? over the target$"), timeout=10_000)
    expect(count).to_have_class("words-count over")
