"""French written from the English interface: the author is asked, in the real browser.

With htmx the question appears inside the form, which keeps its text; without script the
form comes back with the question. Either way the answer decides the comment's language.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_accessibility import violations
from tests.browser.test_participation import open_space_url, register

FRENCH = (
    "Les partenariats de compétences fonctionnent lorsque les employeurs, les syndicats "
    "et les centres de formation des deux pays travaillent ensemble dès le départ."
)


def test_with_htmx_the_question_appears_in_the_form(
    page: Page, live_server: str, axe_source: str
) -> None:
    register(page, live_server)
    page.goto(open_space_url(page, live_server))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#post-form-lang")).to_have_value("en")
    page.locator("#post-form-body").fill(FRENCH)
    page.locator("#post-form .buttons > button[type=submit]").click()
    answer = page.locator("#post-form-question button[value=fr]")
    expect(answer).to_be_visible()
    expect(page.locator("#new-posts article.comment")).to_have_count(0)
    expect(page.locator("#post-form-body")).to_have_value(FRENCH)
    assert violations(page, axe_source) == []
    answer.click()
    card = page.locator("#new-posts article.comment").first
    expect(card.locator(".body")).to_have_attribute("lang", "fr")
    expect(card.locator(".body")).to_contain_text("partenariats de compétences")
    expect(page.locator("#post-form-body")).to_have_value("")


def test_without_script_the_form_comes_back_with_the_question(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        register(page, live_server)
        url = open_space_url(page, live_server)
        page.goto(url)
        page.locator("#post-form-body").fill(FRENCH)
        page.locator("#post-form .buttons > button[type=submit]").click()
        expect(page.locator("#post-form-body")).to_have_value(FRENCH)
        page.locator("#post-form-question button[value=fr]").click()
        # Posted: the thread of the new comment, with the comment in French.
        expect(page.locator("[role=status]")).to_be_visible()
        posted = page.url.rsplit("#c-", 1)[1]
        expect(page.locator(f"#c-{posted} .body")).to_have_attribute("lang", "fr")
    finally:
        context.close()
