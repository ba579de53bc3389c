"""axe-core finds no WCAG 2.2 A/AA violation on the main pages, in every language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.test_participation import open_space_url, register

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    page.evaluate(axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize("which", ["space list", "space page", "sign-in page", "closed space"])
def test_no_wcag_violations(
    page: Page, live_server: str, axe_source: str, lang: str, which: str
) -> None:
    if which == "space list":
        page.goto(f"{live_server}/{lang}/")
    elif which == "space page":
        page.goto(open_space_url(page, live_server, lang))
    elif which == "closed space":
        page.goto(f"{live_server}/{lang}/")
        href = (
            page.locator(".space-card", has=page.locator(".pill.closed"))
            .first.locator("h2 a")
            .get_attribute("href")
        )
        page.goto(f"{live_server}{href}")
    else:
        page.goto(f"{live_server}/{lang}/sign-in")
    assert violations(page, axe_source) == []


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_no_wcag_violations_with_the_forms_open(
    page: Page, live_server: str, axe_source: str, lang: str
) -> None:
    register(page, live_server, lang=lang)
    page.goto(open_space_url(page, live_server, lang))
    page.wait_for_load_state("networkidle")
    page.locator("article.comment.question .actions a").first.click()
    page.locator("article.comment.question form.compose").first.wait_for()
    page.locator("#post-form button[type=submit]").click()  # an empty post: errors shown
    page.locator("#post-form .error-summary").wait_for()
    assert violations(page, axe_source) == []
    page.goto(f"{live_server}/{lang}/register")
    page.locator("#register button[type=submit]").click()
    assert violations(page, axe_source) == []


def test_the_checker_itself_finds_violations(page: Page, axe_source: str) -> None:
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {v["id"] for v in violations(page, axe_source)}
    assert {"image-alt", "label", "html-has-lang"} <= found
