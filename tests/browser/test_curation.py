"""A moderator curates on the thread itself, by keyboard, and keeps a selected excerpt."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.demo.loader import DEMO_PASSWORD

SPACE = "/en/spaces/labour-mobility-roundtable"


def sign_in_as_moderator(page: Page, base: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.locator("#sign-in-email").fill("leila.haddad@example.org")
    page.locator("#sign-in-password").fill(DEMO_PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{base}/en/")


def test_tagging_in_place_with_the_keyboard_only(page: Page, live_server: str) -> None:
    sign_in_as_moderator(page, live_server)
    page.goto(live_server + SPACE)
    page.wait_for_load_state("networkidle")
    card = page.locator("article.comment:not(.question):not(:has(.badge))").nth(1)
    card_id = card.get_attribute("id")
    assert card_id
    link = card.locator(".actions a", has_text="Curate")
    link.focus()
    page.keyboard.press("Enter")  # htmx loads the panel under the comment, no page change
    panel = page.locator(f"#k-{card_id[2:]} section.curation")
    panel.wait_for()
    assert page.url == live_server + SPACE
    tag_field = panel.locator("input[name=label]")
    tag_field.focus()
    page.keyboard.type("Skills recognition")
    page.keyboard.press("Enter")
    expect(panel.locator(".tags .tag")).to_have_text(["Skills recognition"])
    assert page.url == live_server + SPACE


def test_a_selected_passage_becomes_an_excerpt(page: Page, live_server: str) -> None:
    sign_in_as_moderator(page, live_server)
    page.goto(live_server + SPACE)
    page.wait_for_load_state("networkidle")
    card = page.locator("article.comment:not(.question):not(:has(.badge))").nth(2)
    card_id = card.get_attribute("id")
    assert card_id
    card.locator(".actions a", has_text="Curate").click()
    panel = page.locator(f"#k-{card_id[2:]} section.curation")
    panel.wait_for()
    # Select the first five words of the comment, as a reader would with the mouse.
    words = page.evaluate(
        """id => {
            const body = document.querySelector('#' + id + ' .body p');
            const text = body.firstChild;
            const end = text.textContent.split(' ').slice(0, 5).join(' ').length;
            const range = document.createRange();
            range.setStart(text, 0);
            range.setEnd(text, end);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return range.toString();
        }""",
        card_id,
    )
    use = panel.locator(".use-selection")
    expect(use).to_be_visible()
    use.click()
    expect(panel.locator("textarea[name=passage]")).to_have_value(words)
    panel.locator(".excerpt-form button[type=submit]").click()
    expect(panel.locator(".excerpts q")).to_have_text([words])
