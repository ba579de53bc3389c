"""Every link the demo shows a reader leads somewhere that reader may go.

For each role (anonymous, a participant, the moderator of one space, an administrator)
the crawl starts at `/{lang}/` in every language and follows, breadth first, every
`<a href>`, every `hx-get` and every GET `<form>` on this site. Each one must match a
declared route that answers GET, and the pages it reaches must answer 2xx or 3xx: a
link shown to a role works for that role, so a 401/403 is as broken as a 404 or a 500.
POST forms and `hx-post` targets are never sent (signing out, following, moderating
change state); their actions must still name a route that takes that method.

To stay quick, only the first few addresses of each route pattern are requested (per
language, download format and set of query parameters); every link found is still
matched against the routes, which catches a link built by hand to a route renamed.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborNode
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.content import USERS
from app.demo.loader import DEMO_PASSWORD, load_demo
from app.drafts import service as drafts
from app.i18n import LOCALES
from app.models import Space, SpaceModerator, User
from tests.factories import Factory
from tests.html import parse
from tests.sweep.routes import routes_of

# Pages requested per route pattern, language, format and query parameter names.
PER_PATTERN = 2
SITE_HOST = "testserver"  # the test client's; url_for's absolute links name it too
HTMX = {"HX-Request": "true"}
SIGN_IN = "/{lang}/sign-in"
_PARAM = re.compile(r"{([^}:]+)(?::([^}]*))?}")

# The demo accounts playing each role (app/demo/content.py). No demo account moderates
# exactly one space, so the moderator is a demo participant given one (see _moderator).
PARTICIPANT = "joseph"  # writes in two spaces, one of them closed; moderates none
MODERATOR = "kwame"
MODERATED_SPACE = "donnees-mobilite-climat"
ADMINISTRATOR = "leila"
ROLES = ("anonymous", "participant", "moderator", "administrator")

# Route patterns each role must reach, so a crawl that stopped finding links fails too.
READER_PAGES = {
    "/{lang}/",
    "/{lang}/spaces/{slug}",
    "/{lang}/comments/{comment_id}",
    "/{lang}/spaces/{slug}/transparency",
}
MUST_REACH: dict[str, set[str]] = {
    "anonymous": READER_PAGES | {"/{lang}/sign-in", "/{lang}/register"},
    "participant": READER_PAGES
    | {
        "/{lang}/account/sessions",
        "/{lang}/account/password",
        "/{lang}/comments/{comment_id}/reply",
        "/{lang}/comments/{comment_id}/edit",
        "/{lang}/comments/{comment_id}/translate",
        "/{lang}/comments/{comment_id}/report",
    },
    "moderator": READER_PAGES
    | {
        "/{lang}/moderation",
        "/{lang}/spaces/{slug}/moderation",
        "/{lang}/comments/{comment_id}/moderate",
        "/{lang}/comments/{comment_id}/curate",
        "/{lang}/spaces/{slug}/digest",
        "/{lang}/spaces/{slug}/digest.{fmt}",
        "/{lang}/spaces/{slug}/drafts",
        "/{lang}/drafts/{draft_id}",
        "/{lang}/drafts/{draft_id}/history",
        "/{lang}/drafts/{draft_id}/export.{fmt}",
        "/{lang}/drafts/{draft_id}/versions/{version}",
        "/{lang}/drafts/{draft_id}/versions/{version}/export.{fmt}",
    },
    "administrator": READER_PAGES
    | {
        "/{lang}/admin/",
        "/{lang}/admin/users",
        "/{lang}/admin/spaces/{slug}",
        "/{lang}/admin/audit",
    },
}


@dataclass(frozen=True)
class Pattern:
    template: str
    regex: re.Pattern[str]
    methods: frozenset[str]  # empty for a mount (static files): GET only

    @property
    def specificity(self) -> int:
        # "/{lang}/spaces/new" must win over "/{lang}/spaces/{slug}": most literal first.
        return len(_PARAM.sub("", self.template))


def _patterns(app: FastAPI) -> list[Pattern]:
    methods: dict[str, set[str]] = {}
    mounts: set[str] = set()
    for route in routes_of(app):
        if route.methods:
            methods.setdefault(route.path, set()).update(route.methods)
        else:
            mounts.add(route.path)
    patterns = []
    for template, verbs in methods.items():
        regex = ""
        last = 0
        for match in _PARAM.finditer(template):
            regex += re.escape(template[last : match.start()])
            regex += ".+" if match.group(2) == "path" else "[^/]+"
            last = match.end()
        regex += re.escape(template[last:])
        patterns.append(Pattern(template, re.compile(regex), frozenset(verbs)))
    for mount in mounts:
        patterns.append(Pattern(mount, re.compile(re.escape(mount) + "/.+"), frozenset()))
    return sorted(patterns, key=lambda p: -p.specificity)


def _pattern_of(patterns: list[Pattern], path: str) -> Pattern | None:
    return next((p for p in patterns if p.regex.fullmatch(path)), None)


@dataclass(frozen=True)
class Link:
    url: str  # path and query, this site's
    source: str  # the page that showed it
    how: str  # "a", "hx-get", "form", "link", "script", "img", "redirect", "start"
    htmx: bool = False


@dataclass
class Crawl:
    client: TestClient
    patterns: list[Pattern]
    signed_in: bool = False  # then a link that sends to the sign-in page is broken too
    requested: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)  # route patterns answered 2xx/3xx
    broken: list[str] = field(default_factory=list)  # each address once, with its first page
    _seen: set[tuple[str, bool]] = field(default_factory=set)
    _reported: set[str] = field(default_factory=set)
    _downloads: set[str] = field(default_factory=set)  # patterns that answered other than HTML
    _per_key: Counter[tuple[object, ...]] = field(default_factory=Counter)
    _queue: deque[Link] = field(default_factory=deque)

    def run(self, starts: list[str]) -> None:
        self._queue.extend(Link(url, "(start)", "start") for url in starts)
        while self._queue:
            self._visit(self._queue.popleft())

    def _report(self, address: str, finding: str) -> None:
        if address not in self._reported:
            self._reported.add(address)
            self.broken.append(finding)

    def _local(self, target: str, base: str) -> str | None:
        """The path and query of a link on this site, or None for another site's."""
        parts = urlsplit(urljoin(f"http://{SITE_HOST}{base}", target))
        if parts.scheme not in ("http", "https") or parts.netloc != SITE_HOST:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _check_action(self, source: str, how: str, method: str, target: str) -> None:
        """A POST form or hx-post is not sent, but it must name a route taking that method."""
        url = self._local(target, source)
        if url is None:
            return
        pattern = _pattern_of(self.patterns, urlsplit(url).path)
        if pattern is None or method not in pattern.methods:
            self._report(f"{method} {url}", f"{source}: {how} {method} {url} matches no route")

    def _visit(self, link: Link) -> None:
        if (link.url, link.htmx) in self._seen:
            return
        self._seen.add((link.url, link.htmx))
        path, _, query = link.url.partition("?")
        pattern = _pattern_of(self.patterns, path)
        if pattern is None or (pattern.methods and "GET" not in pattern.methods):
            self._report(link.url, f"{link.source}: {link.how} {link.url} matches no GET route")
            return
        segments = path.split("/")
        lang = segments[1] if len(segments) > 1 and segments[1] in LOCALES else ""
        fmt = path.rsplit(".", 1)[-1] if "{fmt}" in pattern.template else ""
        names = tuple(sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)}))
        # A download is checked once, in one language: it holds no links to follow.
        download = pattern.template in self._downloads
        key = (pattern.template, "" if download else lang, fmt, names, link.htmx)
        if self._per_key[key] >= (1 if download else PER_PATTERN):
            return
        self._per_key[key] += 1
        response = self.client.get(link.url, headers=HTMX if link.htmx else None)
        self.requested.append(link.url)
        status = response.status_code
        if status >= 400:
            self._report(link.url, f"{link.source}: {link.how} {link.url} answered {status}")
            return
        self.reached.add(pattern.template)
        if 300 <= status < 400:
            location = self._local(response.headers["location"], link.url)
            if location is None:
                return
            target = _pattern_of(self.patterns, urlsplit(location).path)
            if self.signed_in and target is not None and target.template == SIGN_IN:
                self._report(link.url, f"{link.source}: {link.how} {link.url} asks to sign in")
                return
            self._queue.append(Link(location, link.url, "redirect"))
            return
        if response.headers.get("content-type", "").startswith("text/html"):
            self._links_of(response.text, link.url)
        else:  # a download, a style sheet, a script: its status is all the crawl checks
            self._downloads.add(pattern.template)

    def _links_of(self, markup: str, page: str) -> None:
        tree = parse(markup)
        for node in tree.css("a[href]"):
            self._follow(node.attributes.get("href") or "", page, "a")
        for node in tree.css("link[href]"):
            self._follow(node.attributes.get("href") or "", page, "link")
        for node in tree.css("script[src], img[src]"):
            self._follow(node.attributes.get("src") or "", page, node.tag)
        for node in tree.css("[hx-get]"):
            self._follow(node.attributes.get("hx-get") or "", page, "hx-get", htmx=True)
        for verb in ("post", "put", "patch", "delete"):
            for node in tree.css(f"[hx-{verb}]"):
                action = node.attributes.get(f"hx-{verb}") or page
                self._check_action(page, f"hx-{verb}", verb.upper(), action)
        for form in tree.css("form"):
            method = (form.attributes.get("method") or "get").lower()
            action = form.attributes.get("action") or page
            if method == "get":
                self._follow(_submitted(form, action), page, "form")
            else:
                self._check_action(page, "form", method.upper(), action)

    def _follow(self, target: str, page: str, how: str, *, htmx: bool = False) -> None:
        if not target or target.startswith("#"):
            return
        url = self._local(target, page)
        if url is not None:
            self._queue.append(Link(url, page, how, htmx))


def _submitted(form: LexborNode, action: str) -> str:
    """The address a GET form goes to when submitted as it stands (HTML's form data set)."""
    data: list[tuple[str, str]] = []
    for control in form.css("input[name], select[name], textarea[name]"):
        attrs = control.attributes
        name = attrs.get("name") or ""
        if "disabled" in attrs:
            continue
        if control.tag == "select":
            options = control.css("option[selected]") or control.css("option")[:1]
            data += [(name, o.attributes.get("value") or o.text()) for o in options]
        elif control.tag == "textarea":
            data.append((name, control.text()))
        elif (attrs.get("type") or "text").lower() in ("checkbox", "radio"):
            if "checked" in attrs:
                data.append((name, attrs.get("value") or "on"))
        elif (attrs.get("type") or "").lower() not in ("submit", "button", "image", "reset"):
            data.append((name, attrs.get("value") or ""))
    return urlsplit(action)._replace(query=urlencode(data), fragment="").geturl()


def _user(db: Session, key: str) -> User:
    email = next(u.email for u in USERS if u.key == key)
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _moderator(db: Session, factory: Factory) -> User:
    """A participant made moderator of one space, with a note draft begun there: the demo
    has none, and the draft pages (citations, history, exports) are full of links."""
    user = _user(db, MODERATOR)
    space = db.scalar(select(Space).where(Space.slug == MODERATED_SPACE))
    assert space is not None
    db.add(SpaceModerator(space_id=space.id, user_id=user.id))
    db.flush()
    drafts.create_draft(
        db,
        factory.viewer(user),
        space,
        template="background-note",
        lang="fr",
        title="Note d’information",
        now=datetime.now(UTC),
    )
    return user


def _sign_in(client: TestClient, user: User) -> None:
    """Through the sign-in form the layout links to, as a reader would."""
    home = parse(client.get("/en/").text)
    link = next(a for a in home.css("header a[href]") if "/sign-in" in (a.attributes["href"] or ""))
    page = parse(client.get(link.attributes["href"] or "").text)
    form = next(f for f in page.css("form") if f.css_first("input[type=password]") is not None)
    data = {
        i.attributes["name"] or "": i.attributes.get("value") or "" for i in form.css("input[name]")
    }
    data.update(email=user.email, password=DEMO_PASSWORD)
    response = client.post(form.attributes.get("action") or "/en/sign-in", data=data)
    assert response.status_code == 303, response.text


@pytest.mark.parametrize("role", ROLES)
def test_every_link_shown_to_a_role_works_for_it(
    role: str, db: Session, factory: Factory, app: FastAPI, client: TestClient
) -> None:
    load_demo(db, now=datetime.now(UTC))
    signed_in = {
        "participant": lambda: _user(db, PARTICIPANT),
        "moderator": lambda: _moderator(db, factory),
        "administrator": lambda: _user(db, ADMINISTRATOR),
    }
    if role in signed_in:
        _sign_in(client, signed_in[role]())
    crawl = Crawl(client, _patterns(app), signed_in=role in signed_in)
    started = time.monotonic()
    crawl.run(["/"] + [f"/{lang}/" for lang in LOCALES])
    elapsed = time.monotonic() - started

    assert not crawl.broken, f"{role}: broken links ({len(crawl.broken)}):\n" + "\n".join(
        crawl.broken
    )
    assert MUST_REACH[role] <= crawl.reached, (
        f"{role}: the crawl never reached {sorted(MUST_REACH[role] - crawl.reached)}"
    )
    start_pages = {url for url in crawl.requested if url in {f"/{lang}/" for lang in LOCALES}}
    assert len(start_pages) == len(LOCALES)
    print(
        f"{role}: {len(crawl.requested)} requests, {len(crawl.reached)} patterns, {elapsed:.1f} s"
    )


def test_the_crawl_reports_every_kind_of_broken_link() -> None:
    """The crawler itself, on an app of its own: what it must catch and what it must skip."""
    tiny = FastAPI()
    home = """<!doctype html><title>t</title><link rel="stylesheet" href="/missing.css">
    <a href="/ok">fine</a> <a href="/gone">gone</a> <a href="/secret">secret</a>
    <a href="https://elsewhere.example/gone">another site</a> <a href="mailto:a@example.org">m</a>
    <a href="#top">top</a> <button hx-get="/ok?part=1">part</button> <a href="/only-post">p</a>
    <form method="post" action="/only-post"></form> <form method="post" action="/nowhere"></form>
    <form action="/search"><input name="q" value="word"><input type="submit" name="go"></form>
    <a href="/members">members only</a>"""

    @tiny.get("/", response_class=HTMLResponse)
    def index() -> str:
        return home

    @tiny.get("/ok", response_class=HTMLResponse)
    def ok() -> str:
        return "<p>fine</p>"

    @tiny.get("/gone")
    def gone() -> None:
        raise HTTPException(404)

    @tiny.get("/secret")
    def secret() -> None:
        raise HTTPException(403)

    @tiny.post("/only-post")
    def only_post() -> None:
        raise AssertionError("a POST form must never be sent")

    @tiny.get("/search", response_class=HTMLResponse)
    def search(q: str) -> str:
        return f'<p>{q}</p><a href="/crash">crash</a>'

    @tiny.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

    @tiny.get("/members")
    def members() -> RedirectResponse:
        return RedirectResponse("/en/sign-in?next=/members", status_code=303)

    @tiny.get(SIGN_IN, response_class=HTMLResponse)
    def sign_in(lang: str) -> str:
        return "<form method=post><input name=password type=password></form>"

    with TestClient(tiny, raise_server_exceptions=False, follow_redirects=False) as client:
        crawl = Crawl(client, _patterns(tiny), signed_in=True)
        crawl.run(["/"])
    assert sorted(crawl.broken) == [
        "/: a /gone answered 404",
        "/: a /members asks to sign in",
        "/: a /only-post matches no GET route",
        "/: a /secret answered 403",
        "/: form POST /nowhere matches no route",
        "/: link /missing.css matches no GET route",
        "/search?q=word: a /crash answered 500",
    ]
    assert sorted(crawl.requested) == [
        "/",
        "/crash",
        "/gone",
        "/members",
        "/ok",
        "/ok?part=1",
        "/search?q=word",
        "/secret",
    ]
