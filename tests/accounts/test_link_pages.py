"""Pages whose address holds a token: the token never leaves in a Referer, and every form
on them still works when a browser submits it (issue 11: under `no-referrer` browsers send
`Origin: null`, which the CSRF check refuses).

What a browser sends is modelled on the Fetch and Referrer Policy specifications;
tests/browser/test_account_flows.py checks the same in Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import logs
from app.accounts import reset, verification
from app.config import Settings
from app.models import User
from app.notifications.outbox import KIND_PASSWORD_RESET, KIND_REPLY, KIND_VERIFY_EMAIL
from app.notifications.subscriptions import make_token
from app.web.security import TOKEN_PAGE_HEADERS, holds_token
from tests.accounts.links import link_path, queued
from tests.factories import PASSWORD, Factory
from tests.hostile import app_routes
from tests.html import Node, parse

PAGE_ORIGIN = "http://testserver"
ELSEWHERE = "https://elsewhere.example/page"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _downgrade(page: str, target: str) -> bool:
    return urlsplit(page).scheme == "https" and urlsplit(target).scheme != "https"


def browser_referer(policy: str, page: str, target: str) -> str | None:
    """The Referer a browser sends from `page` to `target` (Referrer Policy, section 8.3)."""
    same = _origin(page) == _origin(target)
    origin_only = _origin(page) + "/"
    full = page.split("#", 1)[0]
    answers = {
        "no-referrer": None,
        "no-referrer-when-downgrade": None if _downgrade(page, target) else full,
        "same-origin": full if same else None,
        "origin": origin_only,
        "strict-origin": None if _downgrade(page, target) else origin_only,
        "origin-when-cross-origin": full if same else origin_only,
        "strict-origin-when-cross-origin": (
            full if same else None if _downgrade(page, target) else origin_only
        ),
        "unsafe-url": full,
    }
    return answers[policy]


def browser_origin(policy: str, page: str, target: str) -> str:
    """The Origin of a form POST from `page` ("serializing a request origin", Fetch)."""
    if policy == "no-referrer":
        return "null"
    if policy in {"no-referrer-when-downgrade", "strict-origin", "strict-origin-when-cross-origin"}:
        return "null" if _downgrade(page, target) else _origin(page)
    if policy == "same-origin":
        return _origin(page) if _origin(page) == _origin(target) else "null"
    return _origin(page)


def _reset_link(db: Session, user: User, settings: Settings) -> str:
    reset.request_reset(db, user.email, now=datetime.now(UTC), lifetime=timedelta(hours=1))
    return link_path(queued(db, user, KIND_PASSWORD_RESET)[-1], "en")


def _verify_link(db: Session, user: User, settings: Settings) -> str:
    verification.send_link(db, user, now=datetime.now(UTC))
    return link_path(queued(db, user, KIND_VERIFY_EMAIL)[-1], "en")


def _unsubscribe_link(db: Session, user: User, settings: Settings) -> str:
    return f"/en/unsubscribe/{make_token(settings.resolved_secret_key, user.id, KIND_REPLY)}"


# Every route whose address holds a token, with how to get a working link to it.
LINKS: dict[str, Callable[[Session, User, Settings], str]] = {
    "/{lang}/password/reset/{token}": _reset_link,
    "/{lang}/email/verify/{token}": _verify_link,
    "/{lang}/unsubscribe/{token}": _unsubscribe_link,
}


def test_every_route_with_a_token_in_its_address_is_covered(app: FastAPI) -> None:
    """A new kind of link must be added to LINKS, so the tests below check it too."""
    token_routes = {
        path for path, methods in app_routes(app) if "{token}" in path and "GET" in methods
    }
    assert token_routes == set(LINKS)


def _page_url(db: Session, user: User, settings: Settings, route: str, state: str) -> str:
    path = LINKS[route](db, user, settings)
    if state == "invalid":
        # Altered, as a mistyped link is: the page that says so has forms too. Not the last
        # character: a signature's last base64 character carries unused bits, and A→B
        # there can decode to the very same signature.
        path = path[:-2] + ("B" if path[-2] == "A" else "A") + path[-1]
    return path


def _signed_in(app: FastAPI, user: User) -> TestClient:
    """A client that sends only what a browser would: cookies, and the headers we add."""
    browser = TestClient(app, follow_redirects=False)
    csrf = browser.get("/en/sign-in").cookies["rt_csrf"]
    answer = browser.post(
        "/en/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.status_code == 303
    return browser


def _submission(form: Node) -> dict[str, str]:
    """The fields a browser submits when the form's first button is pressed."""
    fields: dict[str, str] = {}
    for field in form.css("input"):
        name = field.attributes.get("name")
        if not name:
            continue
        kind = field.attributes.get("type") or "text"
        fields[name] = (
            "a brand new passphrase" if kind == "password" else field.attributes.get("value") or ""
        )
    button = form.css_first("button[name]")
    if button is not None:
        fields[button.attributes["name"] or ""] = button.attributes.get("value") or ""
    return fields


@pytest.mark.parametrize("state", ["valid", "invalid"])
@pytest.mark.parametrize("route", sorted(LINKS))
def test_token_pages_keep_the_token_from_every_referer(
    app: FastAPI, db: Session, factory: Factory, settings: Settings, route: str, state: str
) -> None:
    user = factory.user("Alice Achieng", verified=False)
    browser = _signed_in(app, user)
    path = _page_url(db, user, settings, route, state)
    page = browser.get(path)
    assert page.status_code == (200 if state == "valid" else 400)
    assert page.headers["referrer-policy"] == TOKEN_PAGE_HEADERS["Referrer-Policy"]
    assert page.headers["x-robots-tag"] == "noindex"
    assert "no-store" in [d.strip() for d in page.headers["cache-control"].split(",")]
    policy = page.headers["referrer-policy"]
    token = path.rsplit("/", 1)[1]
    page_url = PAGE_ORIGIN + path
    # Links followed and files fetched from the page, to another site and to this one
    # (whose proxy may log the Referer): neither is told the token.
    for target in (ELSEWHERE, PAGE_ORIGIN + "/static/roundtable.css"):
        referer = browser_referer(policy, page_url, target)
        assert referer is None or token not in referer


@pytest.mark.parametrize("state", ["valid", "invalid"])
@pytest.mark.parametrize("route", sorted(LINKS))
def test_every_form_on_a_token_page_works_as_a_browser_submits_it(
    app: FastAPI, db: Session, factory: Factory, settings: Settings, route: str, state: str
) -> None:
    """The page's own form, the layout's sign-out, "send me a new link": none is refused."""
    user = factory.user("Alice Achieng", verified=False)
    first = _signed_in(app, user)
    path = _page_url(db, user, settings, route, state)
    forms = parse(first.get(path).text).css("form[method=post]")
    assert forms, "a token page without a form would make this test vacuous"
    for index in range(len(forms)):
        # A fresh sign-in and link for each form: submitting one may spend the link.
        browser = _signed_in(app, user)
        path = _page_url(db, user, settings, route, state)
        page = browser.get(path)
        policy = page.headers["referrer-policy"]
        form = parse(page.text).css("form[method=post]")[index]
        action = form.attributes.get("action") or path
        page_url = PAGE_ORIGIN + path
        target = PAGE_ORIGIN + action
        headers = {"Origin": browser_origin(policy, page_url, target)}
        referer = browser_referer(policy, page_url, target)
        if referer is not None:
            headers["Referer"] = referer
        answer = browser.post(action, data=_submission(form), headers=headers)
        assert answer.status_code != 403, (action, headers, answer.text[:300])
        assert answer.status_code < 500


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("route", sorted(LINKS))
def test_no_link_on_a_token_page_copies_its_token_into_another_address(
    app: FastAPI, db: Session, factory: Factory, settings: Settings, route: str, signed_in: bool
) -> None:
    """The layout's "Sign in" used to come back with ?next=<the token page>: the token then
    sat in the sign-in page's address, its history entry and its Referer."""
    user = factory.user("Alice Achieng", verified=False)
    browser = _signed_in(app, user) if signed_in else TestClient(app, follow_redirects=False)
    path = LINKS[route](db, user, settings)
    token = path.rsplit("/", 1)[1]
    assert holds_token(path)
    assert token not in logs.safe_path(path)  # the logs mask every token page's token
    tree = parse(browser.get(path).text)
    targets = [node.attributes.get("href") or "" for node in tree.css("[href]")]
    targets += [node.attributes.get("action") or "" for node in tree.css("form")]
    carrying = [target for target in targets if token in target]
    assert carrying, "the page's own form posts to its address"
    for target in carrying:
        # Only the page itself (in another language, or its form) may hold its token.
        assert holds_token(urlsplit(target).path), target
        assert token not in urlsplit(target).query, target


@pytest.mark.parametrize(
    ("policy", "origin"),
    [
        ("strict-origin", PAGE_ORIGIN),
        ("same-origin", PAGE_ORIGIN),
        # The model is right where it matters: this is what broke in issue 11.
        ("no-referrer", "null"),
    ],
)
def test_the_browser_model_matches_the_specification(policy: str, origin: str) -> None:
    page = PAGE_ORIGIN + "/en/email/verify/TOKEN"
    assert browser_origin(policy, page, page) == origin
    assert browser_origin("same-origin", page, ELSEWHERE) == "null"
    assert browser_referer("same-origin", page, page) == page
    assert browser_referer("strict-origin", page, ELSEWHERE) == PAGE_ORIGIN + "/"
    assert browser_referer("strict-origin", "https://a.example/x", "http://b.example/") is None


def test_an_opaque_origin_is_still_refused(app: FastAPI, factory: Factory) -> None:
    """The fix is in the pages' policy; the CSRF check stays as strict as it was."""
    user = factory.user("Alice Achieng")
    browser = _signed_in(app, user)
    csrf = browser.cookies["rt_csrf"]
    refused = browser.post("/en/sign-out", data={"csrf_token": csrf}, headers={"Origin": "null"})
    assert refused.status_code == 403
    accepted = browser.post(
        "/en/sign-out", data={"csrf_token": csrf}, headers={"Origin": PAGE_ORIGIN}
    )
    assert accepted.status_code == 303
