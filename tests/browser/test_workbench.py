"""A moderator drafts on the workbench: filters the consultation, cites a sentence at the
cursor with the keyboard alone, saves, and sees the unheard check shrink."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import violations
from tests.browser.test_draft_docx import _new_draft


def test_cite_at_the_cursor_with_the_keyboard(
    page: Page, live_server: str, axe_source: str
) -> None:
    _new_draft(page, live_server)
    draft_url = page.url.split("?")[0]
    page.get_by_role("link", name="Open the workbench").click()
    expect(page.get_by_role("heading", name=re.compile("^Workbench: "))).to_be_visible()
    # The unheard check arrives by itself once the page is shown.
    gaps = page.locator("#unheard .unheard-gaps > li")
    expect(gaps.first).to_be_visible()
    before = gaps.count()
    assert violations(page, axe_source) == []

    # French comments only.
    page.locator("#filters-language").select_option("fr")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"language=fr"))
    articles = page.locator("article.comment")
    expect(articles.first).to_be_visible()
    assert {
        articles.nth(i).locator(".body").get_attribute("lang") for i in range(articles.count())
    } == {"fr"}
    version = int(page.locator("#draft input[name=base_version]").get_attribute("value") or 0)

    # Typed text, and the cursor put in its middle.
    area = page.locator("#draft-section_background")
    area.fill("Before the quote. After the quote.")
    area.click()
    page.keyboard.press("Control+Home")
    for _ in range(len("Before the quote. ")):
        page.keyboard.press("ArrowRight")

    # To the first sentence's "Cite" button, by the keyboard, and Enter.
    cite = articles.first.locator("button.cite").first
    cite.focus()
    expect(cite).to_be_focused()
    page.keyboard.press("Enter")
    status = page.locator("#cite-status")
    expect(status).to_contain_text("Excerpt")
    marker = re.search(r"\[e:\d+\]", status.inner_text())
    assert marker is not None
    expect(area).to_have_value(f"Before the quote. {marker.group()}After the quote.")
    # The focus is back in the section, just after the marker.
    expect(area).to_be_focused()
    caret = area.evaluate("a => [a.selectionStart, a.selectionEnd]")
    assert caret == [len("Before the quote. ") + len(marker.group())] * 2
    assert violations(page, axe_source) == []

    # Nothing is saved until the moderator saves.
    page.locator("#draft-save").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"saved=1"))
    expect(page.locator("p.note[role=status]")).to_have_text("Saved.")
    saved = int(page.locator("#draft input[name=base_version]").get_attribute("value") or 0)
    assert saved == version + 1
    expect(page.locator("#draft-section_background")).to_have_value(
        f"Before the quote. {marker.group()}After the quote."
    )
    # The cited comment's question and language are heard now.
    expect(gaps.first).to_be_visible()
    assert gaps.count() < before

    page.goto(draft_url)
    expect(page.locator("#draft-section_background")).to_have_value(
        f"Before the quote. {marker.group()}After the quote."
    )


def test_cite_a_free_selection(page: Page, live_server: str) -> None:
    _new_draft(page, live_server)
    page.get_by_role("link", name="Open the workbench").click()
    article = page.locator("article.comment").first
    sentence = article.locator(".piece.sentence").first
    words = (sentence.text_content() or "").split(" ")
    assert len(words) >= 4
    article.locator("details.free-passage summary").click()
    # The sentence's second and third words, selected as a mouse would.
    wanted = " ".join(words[1:3])
    sentence.evaluate(
        """(span, wanted) => {
            const node = span.firstChild;
            const at = node.data.indexOf(wanted);
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + wanted.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        wanted,
    )
    article.get_by_role("button", name="Use the selection").click()
    box = article.locator("textarea[name^=passage-]")
    expect(box).to_have_value(wanted)
    area = page.locator("#draft-section_objectives")
    area.fill("Objectives.")
    area.focus()
    page.keyboard.press("End")
    article.get_by_role("button", name="Cite this passage").click()
    expect(page.locator("#cite-status")).to_contain_text("Excerpt")
    marker = re.search(r"\[e:\d+\]", page.locator("#cite-status").inner_text())
    assert marker is not None
    expect(area).to_have_value(f"Objectives.{marker.group()}")
