"""A moderator heads a note with its title block, cites a comment, hides that comment, and
finds the export asking what to do with the withdrawn source before it gives the file."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import violations
from tests.browser.test_draft_docx import _new_draft

SPACE = "/en/spaces/labour-mobility-roundtable"


def _markdown(page: Page, link: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    path = info.value.path()
    assert path is not None
    return path.read_text(encoding="utf-8")


def test_title_block_and_a_withdrawn_source(page: Page, live_server: str, axe_source: str) -> None:
    _new_draft(page, live_server)
    draft_url = page.url.split("?")[0]
    # A participant's comment to cite (the last one, which other walks leave alone).
    page.goto(live_server + SPACE)
    card = page.locator("article.comment:not(.question):not(:has(.badge))").last
    comment_id = int((card.get_attribute("id") or "c-0").removeprefix("c-"))

    page.goto(draft_url)
    page.locator("#draft-block_meeting").fill("Regional review on labour mobility")
    page.locator("#draft-block_dates").fill("4–5 May 2026")
    page.locator("#draft-block_place").fill("Bangkok, Thailand")
    page.locator("#draft-block_symbol").fill("RRM/2026/BN.1")
    page.locator("#draft-block_date").fill("2026-04-20")
    page.locator("#draft-section_background").fill(
        f"Recognition of skills takes years [c:{comment_id}]. It should not."
    )
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("p.note[role=status]")).to_have_text("Saved.")
    expect(page.locator("#draft-block_place")).to_have_value("Bangkok, Thailand")
    assert violations(page, axe_source) == []
    markdown = _markdown(page, "Export as Markdown")
    assert "RRM/2026/BN.1" in markdown
    assert "*Regional review on labour mobility, 4–5 May 2026*" in markdown
    assert "*Bangkok, Thailand*" in markdown
    assert "date: '20 April 2026'" in markdown

    # The comment is hidden by a moderator, with a reason.
    page.goto(f"{live_server}/en/comments/{comment_id}/moderate")
    page.locator("#decide-reason").fill("Shares a colleague's personal details.")
    page.locator("#decide button[value=hide]").click()
    page.wait_for_load_state()

    # The export now lists it and asks.
    page.goto(draft_url)
    page.get_by_role("link", name="Export as Markdown").click()
    expect(
        page.get_by_role("heading", name="Sources withdrawn since they were quoted")
    ).to_be_visible()
    expect(page.locator("#withdrawn li")).to_have_count(1)
    expect(page.locator(f"#withdrawn-c-{comment_id} .warning")).to_have_text(
        "Hidden or unpublished."
    )
    assert violations(page, axe_source) == []
    marked = _markdown(page, "Export with “Source withdrawn.” in their footnotes")
    assert "Source withdrawn." in marked
    assert f"/comments/{comment_id}" not in marked
    page.goto(draft_url)
    page.get_by_role("link", name="Export as Markdown").click()
    removed = _markdown(page, "Export without these citations")
    assert "Recognition of skills takes years. It should not." in removed
    assert "[^" not in removed

    # Restored, so the walks that follow find the space as the demo made it.
    page.goto(f"{live_server}/en/comments/{comment_id}/moderate")
    page.locator("#decide-reason").fill("Details removed by the author.")
    page.locator("#decide button[value=restore]").click()
    page.wait_for_load_state()
