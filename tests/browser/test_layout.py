"""Layout measured in Chromium: controls beside their labels, long words kept in the page.

Every checkbox and radio button on the pages that have them (seen by an administrator,
who is offered every tool) must sit on its label's line, right next to it; and a
comment made of one 20,000-character word must not make the page wider than the window.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_curation import SPACE, sign_in_as_moderator
from tests.browser.test_participation import open_space_url, register

# A box this far from its label reads as belonging to something else.
MAX_GAP_PX = 16
MAX_CONTROL_WIDTH_PX = 32

MEASURE = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  return [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
    .filter(visible)
    .map(el => {
      const label = (el.id && document.querySelector(`label[for="${el.id}"]`))
        || el.closest('label');
      const c = el.getBoundingClientRect();
      if (!label) return {id: el.id, label: null};
      const l = label.getBoundingClientRect();
      const gap = l.left >= c.right ? l.left - c.right
        : c.left >= l.right ? c.left - l.right : 0;
      const cy = (c.top + c.bottom) / 2;
      return {
        id: el.id, label: label.textContent.trim().slice(0, 40), gap: gap, width: c.width,
        same_line: cy >= l.top - 2 && cy <= Math.min(l.bottom, l.top + 2 * c.height) + 2,
      };
    });
}"""


def _misplaced(page: Page) -> tuple[int, list[dict[str, Any]]]:
    """How many controls the page has, and those not right beside their label."""
    controls = page.evaluate(MEASURE)
    bad = [
        c
        for c in controls
        if c["label"] is None
        or c["gap"] > MAX_GAP_PX
        or c["width"] > MAX_CONTROL_WIDTH_PX
        or not c["same_line"]
    ]
    return len(controls), bad


def _first_comment_id(page: Page) -> str:
    card = page.locator("article.comment:not(.question):not(.placeholder)").first
    card_id = card.get_attribute("id")
    assert card_id
    return card_id[2:]


def test_checkboxes_and_radios_sit_beside_their_labels(page: Page, live_server: str) -> None:
    sign_in_as_moderator(page, live_server)
    page.goto(live_server + SPACE)
    comment_id = _first_comment_id(page)
    # A report, so that the queue of reported comments has a row to select.
    page.goto(f"{live_server}/en/comments/{comment_id}/report")
    page.locator("input[name=reason][value=spam]").check()
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    pages = {
        "space page (compose: post as a question)": SPACE,
        "report": f"/en/comments/{comment_id}/report",
        "moderation tools (suspend everywhere)": f"/en/comments/{comment_id}/moderate",
        "moderation queue": f"{SPACE}/moderation?show=flagged",
        "curation (editorial state)": f"/en/comments/{comment_id}/curate",
        "drafts (template choice)": f"{SPACE}/drafts",
    }
    found: dict[str, int] = {}
    problems: dict[str, list[dict[str, Any]]] = {}
    for name, path in pages.items():
        page.goto(live_server + path)
        count, bad = _misplaced(page)
        found[name] = count
        if bad:
            problems[name] = bad
    # Every page above has such controls: a page without them would prove nothing.
    assert all(found.values()), found
    assert problems == {}


def test_one_very_long_word_does_not_widen_the_page(page: Page, live_server: str) -> None:
    register(page, live_server)
    url = open_space_url(page, live_server)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # Digits: no line-break opportunity anywhere, and no language to detect.
    word = "0123456789" * 2000
    page.locator("#post-form-body").fill(word)
    page.locator("#post-form button[type=submit]").click()
    card = page.locator("#new-posts article.comment").first
    expect(card).to_be_visible()
    card_id = card.get_attribute("id")
    assert card_id
    for where in (url, f"{live_server}/en/comments/{card_id[2:]}"):
        if where != url:
            page.goto(where)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1] + 1, (where, widths)
    # The word is all there, wrapped over many lines, not cut off.
    body = page.locator(f"#{card_id} .body")
    assert body.inner_text().replace("\n", "").strip() == word
    box = body.bounding_box()
    assert box is not None
    assert box["height"] > 20 * 16
