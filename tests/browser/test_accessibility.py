"""axe-core finds no WCAG 2.2 A/AA violation on the main pages, in every language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from app.demo.loader import DEMO_PASSWORD
from tests.browser.test_participation import PASSWORD, open_space_url, register

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    # Checked once the page has settled: fragments it loads itself (the draft's unheard
    # check) arrive after the load event, and htmx dims what is being requested.
    page.wait_for_function(
        "() => !document.querySelector('[hx-trigger=load], .htmx-request, .htmx-settling')"
    )
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


# Links that do not work (a real token lives only in the e-mail) show the refusal pages.
ACCOUNT_PAGES = (
    "/{lang}/password/forgot",
    "/{lang}/password/reset/not-a-real-token",
    "/{lang}/email/verify/not-a-real-token",
)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_no_wcag_violations_on_account_pages(
    page: Page, live_server: str, axe_source: str, lang: str
) -> None:
    found = {}
    for path in ACCOUNT_PAGES:
        page.goto(live_server + path.format(lang=lang))
        found[path] = violations(page, axe_source)
    page.goto(f"{live_server}/{lang}/password/forgot")
    page.locator("#forgot-email").fill("amara.diallo@example.org")
    page.locator("#forgot button[type=submit]").click()
    page.locator("main .note").wait_for()
    found["reset link sent"] = violations(page, axe_source)
    register(page, live_server, lang=lang)  # unverified: the notice shows on every page
    page.goto(f"{live_server}/{lang}/")
    page.locator(".verify-email").wait_for()
    found["verification notice"] = violations(page, axe_source)
    page.locator(".verify-email button[type=submit]").click()
    page.locator("main .note").wait_for()
    found["verification link sent"] = violations(page, axe_source)
    page.goto(f"{live_server}/{lang}/account/password")
    found["password change"] = violations(page, axe_source)
    page.locator("#password-current_password").fill("not the password")
    page.locator("#password-password").fill("lantern orchard quietly")
    page.locator("#password button[type=submit]").click()
    page.locator("#password .error-summary").wait_for()
    found["password change with errors"] = violations(page, axe_source)
    page.locator("#password-current_password").fill(PASSWORD)
    page.locator("#password-password").fill("lantern orchard quietly")
    page.locator("#password button[type=submit]").click()
    page.wait_for_url(f"{live_server}/{lang}/account/password/changed")
    found["password changed"] = violations(page, axe_source)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_checker_itself_finds_violations(page: Page, axe_source: str) -> None:
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {v["id"] for v in violations(page, axe_source)}
    assert {"image-alt", "label", "html-has-lang"} <= found


MODERATOR_PAGES = (
    "/{lang}/moderation",
    "/{lang}/spaces/labour-mobility-roundtable/moderation",
    "/{lang}/spaces/labour-mobility-roundtable/audit",
    "/{lang}/spaces/labour-mobility-roundtable/settings",
    "/{lang}/spaces/labour-mobility-roundtable/transparency",
    "/{lang}/admin/",
    "/{lang}/admin/users",
    "/{lang}/admin/spaces/labour-mobility-roundtable",
    "/{lang}/spaces/labour-mobility-roundtable/drafts",
)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_no_wcag_violations_on_moderation_pages(
    page: Page, live_server: str, axe_source: str, lang: str
) -> None:
    page.goto(f"{live_server}/{lang}/sign-in")
    page.locator("#sign-in-email").fill("leila.haddad@example.org")
    page.locator("#sign-in-password").fill(DEMO_PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{live_server}/{lang}/")
    found = {}
    for path in MODERATOR_PAGES:
        page.goto(live_server + path.format(lang=lang))
        found[path] = violations(page, axe_source)
    page.goto(f"{live_server}/{lang}/spaces/labour-mobility-roundtable")
    participant_card = page.locator("article.comment:not(.question):not(:has(.badge))").first
    participant_card.locator(".actions a", has_text=MODERATE[lang]).click()
    found["comment tools"] = violations(page, axe_source)
    page.locator("#decide button[value=hide]").click()  # no reason: errors shown
    page.locator("#decide .error-summary").wait_for()
    found["comment tools with errors"] = violations(page, axe_source)
    page.goto(f"{live_server}/{lang}/spaces/labour-mobility-roundtable")
    page.locator("article.comment .actions a", has_text=REPORT[lang]).first.click()
    found["report form"] = violations(page, axe_source)
    # Curation in place on the thread (htmx), then the draft editor.
    page.goto(f"{live_server}/{lang}/spaces/labour-mobility-roundtable")
    page.wait_for_load_state("networkidle")
    participant_card = page.locator("article.comment:not(.question):not(:has(.badge))").first
    participant_card.locator(".actions a", has_text=CURATE[lang]).click()
    page.locator("section.curation").wait_for()
    found["curation panel"] = violations(page, axe_source)
    page.goto(f"{live_server}/{lang}/spaces/labour-mobility-roundtable/drafts")
    page.locator("#new-draft button[type=submit]").click()
    page.locator("#draft").wait_for()
    found["draft editor"] = violations(page, axe_source)
    assert {k: v for k, v in found.items() if v} == {}


MODERATE = {"en": "Moderate", "fr": "Modérer", "es": "Moderar"}
REPORT = {"en": "Report", "fr": "Signaler", "es": "Denunciar"}
CURATE = {"en": "Curate", "fr": "Sélectionner", "es": "Seleccionar"}
