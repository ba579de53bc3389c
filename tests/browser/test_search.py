"""Searching in Chromium: from the header, as one types (htmx), filtered, back, without JS."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_accessibility import violations
from tests.browser.test_curation import sign_in_as_moderator

SPACE = "labour-mobility-roundtable"


def test_from_the_header_then_as_one_types(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/en/")
    page.locator("#site-search-q").fill("travailleur")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?q=travailleur$"))
    first = page.locator("li.search-hit").first
    expect(first.locator("mark").first).to_have_text(re.compile(r"^travailleurs?$", re.I))
    expect(first.locator("blockquote")).to_have_attribute("lang", "fr")
    # From here on, no page loads: the results change under the box.
    page.evaluate("window.stayed = true")
    box = page.locator("#search-q")
    box.fill("trabajadoras")
    expect(page).to_have_url(re.compile(r"q=trabajadoras"))
    expect(page.locator("li.search-hit mark").first).to_have_text(re.compile(r"^trabajador", re.I))
    assert page.evaluate("window.stayed") is True
    assert box.input_value() == "trabajadoras"
    count = page.locator("li.search-hit").count()
    page.locator("#search-language").select_option("fr")
    expect(page).to_have_url(re.compile(r"language=fr"))
    expect(page.locator(".result-count")).to_contain_text("No comment matches")
    assert page.evaluate("window.stayed") is True
    page.go_back()
    expect(page).to_have_url(re.compile(r"/en/search\?q=trabajadoras$"))
    expect(page.locator("li.search-hit")).to_have_count(count)
    # Choosing a space offers its questions, in place; choosing one narrows to its thread.
    page.evaluate("window.stayed = true")  # the way back loaded the page again
    expect(page.locator("#search-question")).to_have_count(0)
    page.locator("#search-space").select_option(SPACE)
    question = page.locator("#search-question")
    expect(question).to_be_visible()
    number = question.locator("option").nth(1).get_attribute("value")
    question.select_option(number)
    expect(page).to_have_url(re.compile(rf"question={number}"))
    assert page.evaluate("window.stayed") is True


def test_hostile_words_get_a_message_not_an_error(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/fr/search")
    page.locator("#search-q").fill('-agence "(')
    expect(page.locator("#search-results .error-summary")).to_contain_text(
        "Ajoutez un mot à rechercher"
    )
    page.locator("#search-q").fill("\u202etravailleurs")
    expect(page.locator("li.search-hit").first).to_be_visible()


def test_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/es/spaces/{SPACE}")
        page.locator("#site-search-q").fill("trabajadores")
        page.locator("header.site form[role=search] button").click()
        page.wait_for_url(re.compile(r"/es/search\?q=trabajadores"))
        expect(page.locator("li.search-hit").first).to_be_visible()
        page.locator("#search-space").select_option(SPACE)
        page.locator("form.search .search-words button").click()
        expect(page).to_have_url(re.compile(rf"space={SPACE}"))
        assert page.locator("#search-q").input_value() == "trabajadores"
        for link in page.locator(".hit-where a:first-child").all():
            assert link.get_attribute("href") == f"/es/spaces/{SPACE}"
        expect(page.locator("#search-question option")).not_to_have_count(0)
    finally:
        context.close()


def test_a_moderator_finds_comments_to_curate(
    page: Page, live_server: str, axe_source: str
) -> None:
    sign_in_as_moderator(page, live_server)
    page.goto(f"{live_server}/en/spaces/{SPACE}/drafts")
    page.locator("#space-search-q").fill("workers")
    page.locator("form.search-in-space button").click()
    page.wait_for_url(re.compile(rf"space={SPACE}"))
    expect(page.locator("#search-status")).to_be_visible()
    hit = page.locator("li.search-hit").first
    expect(hit.locator("code")).to_have_text(re.compile(r"^\[c:\d+\]$"))
    assert violations(page, axe_source) == []
    hit.locator("a", has_text="Curate").click()
    expect(page.locator("section.curation")).to_be_visible()


def test_results_pages_are_accessible(page: Page, live_server: str, axe_source: str) -> None:
    for lang, words in (("en", "migrants"), ("fr", "travailleurs"), ("es", "zzzz")):
        page.goto(f"{live_server}/{lang}/search?q={words}")
        assert violations(page, axe_source) == [], lang
        page.goto(f"{live_server}/{lang}/search?q={'x' * 400}")
        assert violations(page, axe_source) == [], lang
