"""A participant's path through the real browser: sign up, post, reply, switch language."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, Page, expect

PASSWORD = "a long and memorable passphrase"
_seq = itertools.count(1)


def open_space_url(page: Page, base: str, lang: str = "en") -> str:
    page.goto(f"{base}/{lang}/")
    card = page.locator(".space-card", has=page.locator(".pill.open")).first
    href = card.locator("h2 a").get_attribute("href")
    assert href
    return f"{base}{href}"


def register(page: Page, base: str, lang: str = "en") -> str:
    n = next(_seq)
    name = f"Browser Tester {n}"
    page.goto(f"{base}/{lang}/register")
    page.locator("#register-display_name").fill(name)
    page.locator("#register-email").fill(f"tester{n}-{lang}@example.org")
    page.locator("#register-password").fill(PASSWORD)
    page.locator("#register button[type=submit]").click()
    expect(page.locator(".account .who")).to_contain_text(name)
    return name


def test_sign_up_post_and_reply_in_place(page: Page, live_server: str) -> None:
    name = register(page, live_server)
    page.goto(open_space_url(page, live_server))
    page.wait_for_load_state("networkidle")
    page.locator("#post-form-body").fill("A first comment from the browser test.")
    page.locator("#post-form button[type=submit]").click()
    new = page.locator("#new-posts article.comment").first
    expect(new).to_contain_text("A first comment from the browser test.")
    expect(new.locator(".author")).to_have_text(name)
    # The form came back empty, ready for another comment.
    expect(page.locator("#post-form-body")).to_have_value("")
    # Reply to the first question, in place.
    url_before = page.url
    question = page.locator("article.comment.question").first
    question.locator(".actions a", has_text="Reply").click()
    reply_box = question.locator("form.compose")
    expect(reply_box).to_be_visible()
    reply_box.locator("textarea").fill("Replying without leaving the page.")
    reply_box.locator("button[type=submit]").click()
    reply = question.locator(".slot article.comment").first
    expect(reply).to_contain_text("Replying without leaving the page.")
    expect(reply.locator(".reply-to")).to_be_visible()
    assert page.url == url_before


def test_language_hint_offers_the_detected_language(page: Page, live_server: str) -> None:
    register(page, live_server)
    page.goto(open_space_url(page, live_server))
    page.wait_for_load_state("networkidle")
    page.locator("#post-form-body").fill(
        "Nous souhaitons que la table ronde examine les voies de migration régulière."
    )
    button = page.locator("#post-form-detected button")
    expect(button).to_be_visible(timeout=5000)
    button.click()
    expect(page.locator("#post-form-lang")).to_have_value("fr")


def test_language_switcher_keeps_the_page(page: Page, live_server: str) -> None:
    url = open_space_url(page, live_server)
    page.goto(url)
    page.locator(".langs a[hreflang=fr]").click()
    expect(page).to_have_url(re.compile(r"/fr/spaces/"))
    assert page.url.split("/fr/", 1)[1] == url.split("/en/", 1)[1]
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_posting_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        register(page, live_server, lang="es")
        page.goto(open_space_url(page, live_server, lang="es"))
        page.locator("#post-form-body").fill("Comentario enviado sin JavaScript.")
        page.locator("#post-form-lang").select_option("es")
        page.locator("#post-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/es/comments/\d+\?posted=\d+"))
        posted = page.url.rsplit("#c-", 1)[1]
        expect(page.locator(f"#c-{posted}")).to_contain_text("Comentario enviado sin JavaScript.")
        # Spanish on a Spanish page: the text needs no lang of its own.
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert page.locator(f"#c-{posted} .body").get_attribute("lang") is None
        # Reply through the plain reply page.
        page.locator(f"#c-{posted} .actions a").first.click()
        expect(page).to_have_url(re.compile(r"/reply$"))
        page.locator("form.compose textarea").fill("Respuesta sin JavaScript.")
        page.locator("form.compose button[type=submit]").click()
        expect(page.locator("article.comment", has_text="Respuesta sin JavaScript.")).to_have_count(
            1
        )
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en"])
def test_keyboard_only_posting(page: Page, live_server: str, lang: str) -> None:
    register(page, live_server, lang=lang)
    page.goto(open_space_url(page, live_server, lang=lang))
    page.wait_for_load_state("networkidle")
    # Skip link first, then tab until the comment box has focus.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "post-form-body":
            break
    else:
        pytest.fail("the comment box cannot be reached with the keyboard")
    page.keyboard.type("Typed with the keyboard alone.")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#new-posts article.comment").first).to_contain_text(
        "Typed with the keyboard alone."
    )
