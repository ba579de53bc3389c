"""Payloads that would set window.__pwned, open a dialog or add inline handlers, seeded on a
live server of their own, shown in Chromium through every page kind and htmx interaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.main import create_app
from tests import own_db
from tests.factories import PASSWORD
from tests.hostile import HostileWorld, body, get_urls, seed
from tests.live import serving

# Not pages a browser shows: files, JSON, probes.
_NOT_PAGES = ("/api/", "/static", "/healthz", "/readyz", "/attachments/", "/export.", "/digest.")
_INSPECT = """() => ({
    pwned: typeof window.__pwned,
    handlers: [...document.querySelectorAll('*')].flatMap(
        el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)),
    scripts: [...document.scripts].filter(s => !s.src.includes('/static/')).length,
})"""


@dataclass
class Live:
    base: str
    world: HostileWorld
    settings: Settings


@dataclass
class Watch:
    """What the browser reported: dialogs opened and policy violations."""

    dialogs: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("hostile")
    url = own_db.create(data_dir, "hostile")
    # Three comments a chunk, so the space page has "Show more comments" to press.
    settings = Settings(data_dir=data_dir, database_url=url, page_comments=3, rate_limits=False)
    engine = create_db_engine(url)
    with transaction(make_session_factory(engine)) as db:
        world = seed(
            db,
            password=PASSWORD,
            upload_dir=settings.upload_dir,
            secret_key=settings.resolved_secret_key,
            now=datetime.now(UTC),
        )
    engine.dispose()
    with serving(create_app(settings)) as base:
        yield Live(base, world, settings)


def _watch(page: Page) -> Watch:
    watch = Watch()
    page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    page.on(
        "console",
        lambda m: watch.violations.append(m.text) if "CSP violation" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return watch


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/en/sign-in")
    page.locator("#sign-in-email").fill(email)
    page.locator("#sign-in-password").fill(PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{base}/en/")


def _inert(page: Page, where: str) -> None:
    found = page.evaluate(_INSPECT)
    assert found == {"pwned": "undefined", "handlers": [], "scripts": 0}, where


def _pages(live: Live, admin_only: bool) -> list[str]:
    urls = []
    for path, addresses in get_urls(live.world, "en").items():
        if path.startswith(_NOT_PAGES) or any(part in path for part in _NOT_PAGES[4:]):
            continue
        if path.startswith("/{lang}/admin") == admin_only:
            urls.append(addresses[0])
    return urls


def _visit_all(page: Page, live: Live, email: str, *, admin_only: bool) -> None:
    """Every page of the kind, signed in as `email`: nothing runs, nothing breaks the policy."""
    watch = _watch(page)
    _sign_in(page, live.base, email)
    for url in _pages(live, admin_only=admin_only):
        page.goto(live.base + url)
        _inert(page, url)
    assert watch.dialogs == []
    assert watch.violations == []


def test_every_page_kind_as_a_moderator(page: Page, live: Live) -> None:
    _visit_all(page, live, live.world.moderator.email, admin_only=False)


def test_admin_pages_and_search(page: Page, live: Live) -> None:
    _visit_all(page, live, live.world.admin.email, admin_only=True)


def test_htmx_interactions_over_payloads(page: Page, live: Live) -> None:
    watch = _watch(page)
    w = live.world
    _sign_in(page, live.base, w.moderator.email)
    page.goto(f"{live.base}/en/spaces/{w.slug}")
    page.wait_for_load_state("networkidle")
    more = page.locator("#more a")
    for _ in range(10):
        if not more.count():
            break
        shown = page.locator("article.comment").count()
        more.click()
        page.wait_for_function(
            "n => document.querySelectorAll('article.comment').length > n", arg=shown
        )
    assert not more.count(), "every chunk loaded"
    _inert(page, "load more")
    card = page.locator(f"#c-{w.comment.id}")
    card.locator(".actions a", has_text="Curate").click()
    page.locator("section.curation").first.wait_for()
    _inert(page, "curation panel")
    card.locator("a[hreflang=fr]").click()
    expect(page.locator(f"#c-{w.comment.id} .body")).to_have_attribute("lang", "fr")
    _inert(page, "translation switcher")
    question = page.locator(f"#c-{w.question.id}")
    question.locator(".actions a", has_text="Reply").click()
    reply_box = question.locator("form.compose")
    reply_box.wait_for()
    reply_box.locator("textarea").fill(body("Posted from the browser."))
    reply_box.locator("button[type=submit]").click()
    expect(question.locator(".slot article.comment").first).to_contain_text(
        "Posted from the browser."
    )
    page.wait_for_load_state("networkidle")
    _inert(page, "reply posted in place")
    question.locator(".actions a", has_text="Edit").first.click()
    page.locator(f"#c-{w.question.id} textarea, form textarea[name=body]").first.wait_for()
    _inert(page, "edit form")
    assert watch.dialogs == []
    assert watch.violations == []


def test_a_refused_htmx_post_shows_why_and_keeps_the_text(page: Page, live: Live) -> None:
    """An htmx post refused before any route runs (here the CSRF check, its token gone)
    says so in the page's alert region; the form and what was typed stay as they were."""
    w = live.world
    _sign_in(page, live.base, w.participant.email)
    page.goto(f"{live.base}/en/spaces/{w.slug}")
    question = page.locator(f"#c-{w.question.id}")
    question.locator(".actions a", has_text="Reply").click()
    reply_box = question.locator("form.compose")
    reply_box.wait_for()
    words = "Words I took an hour to write, that a refusal must not lose."
    reply_box.locator("textarea").fill(words)
    page.context.clear_cookies(name="rt_csrf")
    page.evaluate("document.body.setAttribute('hx-headers', '{}')")
    reply_box.locator("button[type=submit]").click()
    expect(page.locator("#alerts [role=alert]")).to_contain_text("This form has expired")
    expect(reply_box.locator("textarea")).to_have_value(words)
    assert page.url == f"{live.base}/en/spaces/{w.slug}"
