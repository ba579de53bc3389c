"""Every account flow walked end to end in Chromium, with the e-mails really sent.

A live server of its own (its e-mail links must point at it), the real `roundtable worker`
command run as a subprocess against the server's database, and a real SMTP server
(aiosmtpd). A second HTTP server on another port stands for "another site": what it is
told in Referer headers is what a foreign site would learn from our token pages.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.demo.loader import load_demo
from app.main import create_app
from app.models import EmailOptOut, User
from app.notifications.outbox import KIND_REPLY
from tests import own_db
from tests.browser.test_participation import open_space_url
from tests.live import serving
from tests.notifications import Inbox, body, smtp_server

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long and memorable passphrase"
NEW_PASSWORD = "another quite memorable passphrase"
_seq = itertools.count(1)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    origin: str | None
    referer: str | None


class _Recorder:
    """What the browser really sent our server (outermost, before any of our middleware)."""

    def __init__(self, app: ASGIApp, sink: list[Seen]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            self.sink.append(
                Seen(scope["method"], scope["path"], headers.get("origin"), headers.get("referer"))
            )
        await self.app(scope, receive, send)


class _Elsewhere(BaseHTTPRequestHandler):
    """Another site: keeps the Referer of every request it gets."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Referer")))
        page = b"<!doctype html><title>Elsewhere</title><h1>Elsewhere</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Site:
    base: str
    engine: Engine
    env: dict[str, str]
    inbox: Inbox
    seen: list[Seen]
    elsewhere: str
    worker_output: list[str] = field(default_factory=list)

    def deliver(self) -> None:
        """Run the real worker once, as an operator's cron would."""
        done = subprocess.run(
            [sys.executable, "-m", "app", "worker", "--once"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        self.worker_output.append(done.stdout + done.stderr)

    def mail_to(self, address: str) -> list[EmailMessage]:
        return self.inbox.to(address)

    def link_in(self, message: EmailMessage, kind: str) -> str:
        """The link of this kind in the e-mail's text, which must point at this server."""
        pattern = re.compile(re.escape(self.base) + r"/[a-z]{2}/" + kind + r"/[A-Za-z0-9._-]+")
        links = [line.strip() for line in body(message).splitlines() if pattern.fullmatch(line)]
        assert links, body(message)
        return links[0]

    def user(self, email: str) -> User:
        with make_session_factory(self.engine)() as db:
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None
            db.expunge(user)
            return user


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("account-flows")
    url = own_db.create(data_dir, "flows")
    engine = create_db_engine(url)
    with transaction(make_session_factory(engine)) as db:
        load_demo(db, now=datetime.now(UTC))
    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), _Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    seen: list[Seen] = []
    application = create_app(Settings(data_dir=data_dir, database_url=url))
    application.add_middleware(_Recorder, sink=seen)
    try:
        with smtp_server() as inbox, serving(application) as base:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ROUNDTABLE_")}
            # The worker shares the data directory, hence the key that signs unsubscribe links.
            env |= {
                "ROUNDTABLE_DATA_DIR": str(data_dir),
                "ROUNDTABLE_DATABASE_URL": url,
                "ROUNDTABLE_SMTP_HOST": "127.0.0.1",
                "ROUNDTABLE_SMTP_PORT": str(inbox.port),
                "ROUNDTABLE_BASE_URL": base,
            }
            yield Site(base, engine, env, inbox, seen, f"http://127.0.0.1:{elsewhere.server_port}")
    finally:
        elsewhere.shutdown()
        engine.dispose()
        own_db.drop(url)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def register(page: Page, site: Site) -> tuple[str, str]:
    n = next(_seq)
    name, email = f"Flow Tester {n}", f"flow{n}@example.org"
    page.goto(f"{site.base}/en/register")
    page.locator("#register-display_name").fill(name)
    page.locator("#register-email").fill(email)
    page.locator("#register-password").fill(PASSWORD)
    page.locator("#register button[type=submit]").click()
    expect(page.locator(".account .who")).to_contain_text(name)
    return name, email


def sign_in(page: Page, site: Site, email: str, password: str) -> None:
    page.goto(f"{site.base}/en/sign-in")
    page.locator("#sign-in-email").fill(email)
    page.locator("#sign-in-password").fill(password)
    page.locator("#sign-in button[type=submit]").click()


def sign_out(page: Page) -> None:
    page.locator(".account form button", has_text="Sign out").click()
    expect(page.locator(".account a", has_text="Sign in")).to_be_visible()


def open_link(page: Page, site: Site, link: str) -> str:
    """Open an e-mailed link as a mail client does (no Referer); prove that another site
    reached from the page learns nothing of the token; come back. Returns the token."""
    token = link.rsplit("/", 1)[1]
    page.goto(link)
    page.evaluate(
        """href => { const a = document.createElement('a');
            a.id = 'away'; a.href = href; a.textContent = 'away';
            document.querySelector('main').append(a); }""",
        f"{site.elsewhere}/landing",
    )
    before = len(_Elsewhere.seen)
    page.locator("#away").click()
    expect(page.locator("h1")).to_have_text("Elsewhere")
    # The browser may ask for /favicon.ico too; the link's request is the one that matters.
    arrived = _Elsewhere.seen[before:]
    assert all(token not in (ref or "") for _path, ref in arrived), arrived
    [referer] = [ref for path, ref in arrived if path == "/landing"]
    # Our origin ("strict-origin"), never the page's address, so never its token.
    assert referer == f"{site.base}/", referer
    page.goto(link)
    return token


def posted_from_link(site: Site, token: str, start: int) -> Seen:
    """The one POST to the link's address since `start`; checks no Referer held the token."""
    since = site.seen[start:]
    assert all(token not in (s.referer or "") for s in since), [s for s in since if s.referer]
    [post] = [s for s in since if s.method == "POST" and s.path.endswith(token)]
    return post


def no_token_in_logs(site: Site, logged: pytest.LogCaptureFixture, token: str) -> None:
    assert logged.records, "the access log was not captured"
    for record in logged.records:
        assert token not in record.getMessage()
        assert token not in str(getattr(record, "path", ""))
    assert all(token not in output for output in site.worker_output)


def verify_address(page: Page, site: Site, email: str, logged: pytest.LogCaptureFixture) -> None:
    site.deliver()
    [message] = [m for m in site.mail_to(email) if "/email/verify/" in body(m)]
    link = site.link_in(message, "email/verify")
    start = len(site.seen)
    token = open_link(page, site, link)
    expect(page.locator("h1")).to_have_text("Confirm your e-mail address")
    page.locator("#verify button[type=submit]").click()
    expect(page.locator("main .note[role=status]")).to_have_text(
        "Thank you: your e-mail address is confirmed."
    )
    post = posted_from_link(site, token, start)
    assert post.origin == site.base  # not "null": what issue 11 broke
    assert site.user(email).email_verified_at is not None
    no_token_in_logs(site, logged, token)


def test_register_then_confirm_the_address_from_the_email(
    page: Page, site: Site, logged: pytest.LogCaptureFixture
) -> None:
    _name, email = register(page, site)
    expect(page.locator(".verify-email")).to_be_visible()
    assert site.user(email).email_verified_at is None
    verify_address(page, site, email, logged)
    page.goto(f"{site.base}/en/")
    expect(page.locator(".verify-email")).to_have_count(0)


def test_forgot_password_then_a_new_one_from_the_email(
    page: Page, site: Site, logged: pytest.LogCaptureFixture
) -> None:
    name, email = register(page, site)
    sign_out(page)
    page.goto(f"{site.base}/en/password/forgot")
    page.locator("#forgot-email").fill(email)
    page.locator("#forgot button[type=submit]").click()
    expect(page.locator("main .note[role=status]")).to_contain_text(email)
    site.deliver()
    [message] = [m for m in site.mail_to(email) if "/password/reset/" in body(m)]
    link = site.link_in(message, "password/reset")
    start = len(site.seen)
    token = open_link(page, site, link)
    expect(page.locator("h1")).to_have_text("Choose a new password")
    page.locator("#reset-password").fill(NEW_PASSWORD)
    page.locator("#reset button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Your password is changed")
    expect(page.locator(".account .who")).to_contain_text(name)
    assert posted_from_link(site, token, start).origin == site.base
    no_token_in_logs(site, logged, token)

    sign_out(page)
    sign_in(page, site, email, PASSWORD)
    expect(page.locator("#sign-in .error-summary")).to_be_visible()
    expect(page.locator(".account .who")).to_have_count(0)
    sign_in(page, site, email, NEW_PASSWORD)
    expect(page.locator(".account .who")).to_contain_text(name)


def test_change_the_password_on_the_account_page(page: Page, site: Site) -> None:
    name, email = register(page, site)
    page.locator(".account a", has_text="Your password").click()
    page.locator("#password-current_password").fill(PASSWORD)
    page.locator("#password-password").fill(NEW_PASSWORD)
    page.locator("#password button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Your password is changed")
    expect(page.locator(".account .who")).to_contain_text(name)
    sign_out(page)
    sign_in(page, site, email, PASSWORD)
    expect(page.locator("#sign-in .error-summary")).to_be_visible()
    sign_in(page, site, email, NEW_PASSWORD)
    expect(page.locator(".account .who")).to_contain_text(name)


def test_unsubscribe_from_a_reply_notification(
    page: Page, browser: Browser, site: Site, logged: pytest.LogCaptureFixture
) -> None:
    _name, email = register(page, site)
    verify_address(page, site, email, logged)
    space = open_space_url(page, site.base)
    text = f"A comment that somebody will answer ({next(_seq)})."
    page.goto(space)
    page.wait_for_load_state("networkidle")
    page.locator("#post-form-body").fill(text)
    page.locator("#post-form button[type=submit]").click()
    expect(page.locator("#new-posts article.comment").first).to_contain_text(text)

    other = browser.new_context()
    try:
        answering = other.new_page()
        register(answering, site)
        answering.goto(space)
        answering.wait_for_load_state("networkidle")
        comment = answering.locator("article.comment", has_text=text).first
        comment.locator(".actions a", has_text="Reply").first.click()
        comment.locator("form.compose textarea").fill("An answer, so that a reply e-mail goes.")
        comment.locator("form.compose button[type=submit]").click()
        expect(comment.locator("article.comment").first).to_contain_text("An answer")
    finally:
        other.close()

    site.deliver()
    [reply] = [m for m in site.mail_to(email) if m["List-Unsubscribe"] is not None]
    link = str(reply["List-Unsubscribe"]).strip("<>")
    assert link in body(reply).splitlines()
    assert link.startswith(f"{site.base}/en/unsubscribe/")
    start = len(site.seen)
    token = open_link(page, site, link)
    page.locator("#unsubscribe button[value=kind]").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")
    assert posted_from_link(site, token, start).origin == site.base
    user = site.user(email)
    with make_session_factory(site.engine)() as db:
        kinds = db.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == user.id)).all()
    assert list(kinds) == [KIND_REPLY]
    # The layout's sign-out works from the token page too (it posts with a real Origin).
    page.goto(link)
    sign_out(page)
    no_token_in_logs(site, logged, token)


def test_end_a_sign_in_from_another_browser(page: Page, browser: Browser, site: Site) -> None:
    name, email = register(page, site)
    other = browser.new_context()
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, site, email, PASSWORD)
        expect(elsewhere.locator(".account .who")).to_contain_text(name)

        page.locator(".account a", has_text="Your sign-ins").click()
        rows = page.locator("table.data tbody tr")
        expect(rows).to_have_count(2)
        expect(page.locator("tr.current")).to_have_count(1)
        page.locator("tr:not(.current) button", has_text="Sign out there").click()
        expect(rows).to_have_count(1)
        expect(page.locator(".account .who")).to_contain_text(name)  # this one stays

        elsewhere.goto(f"{site.base}/en/account/sessions")
        expect(elsewhere.locator(".account .who")).to_have_count(0)
        expect(elsewhere.locator(".account a", has_text="Sign in")).to_be_visible()
    finally:
        other.close()
