"""Hostile input POSTed to every form route: payloads, NUL bytes, bad encodings, broken
multipart, oversize bodies. Never a 500, errors in the reader's language, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Comment, NoteDraft, SpaceText
from tests import hostile
from tests.conftest import BrowserLikeClient
from tests.factories import sign_in
from tests.hostile import (
    CONTROL,
    CRLF,
    DEEP_BOMB,
    FILENAME,
    LONG,
    OUT_OF_RANGE_IDS,
    SQL,
    TEMPLATE,
    XSS,
    HostileWorld,
    PostCase,
    body,
    form_fields,
    markup_problems,
    post_cases,
)
from tests.html import parse

# The shared hostile fixtures: one seeding per module, a SAVEPOINT per test.
connection = hostile.connection
hostile_seeded = hostile.hostile_seeded
settings = hostile.settings
world = hostile.world


# Pydantic's own English: a refusal that reached the reader untranslated.
UNTRANSLATED = ("Field required", "Input should be", "valid integer", "JSON decode")
# Routes that end the session they are sent with: fuzzed last.
SESSION_ENDING = ("/sign-out", "/account/sessions/end", "/account/password")
FIELD = f"{XSS[0]} {XSS[1]} {TEMPLATE[1]} {SQL[0]} {CRLF}"


@pytest.fixture
def clients(app: FastAPI, world: HostileWorld) -> Iterator[dict[str, TestClient]]:
    """A signed-in client per role (and one signed out), each with its own cookies."""
    with ExitStack() as stack:
        made: dict[str, TestClient] = {}
        for role in ("anonymous", "participant", "moderator", "admin"):
            made[role] = stack.enter_context(BrowserLikeClient(app, follow_redirects=False))
            if role != "anonymous":
                sign_in(made[role], getattr(world, role))
        yield made


def _values(fields: dict[str, str], text: str) -> tuple[dict[str, str], dict[str, tuple]]:
    data: dict[str, str] = {}
    files: dict[str, tuple] = {}
    for name, kind in fields.items():
        if kind == "file":
            files[name] = (FILENAME, b"<html><script>window.__pwned=1</script>", "text/html")
        elif kind in ("int", "list"):
            data[name] = SQL[1]
        elif kind == "bool":
            data[name] = "maybe"
        else:
            data[name] = text
    return data, files


def _problems(response: object, where: str, lang: str, *, api: bool = False) -> list[str]:
    status = response.status_code  # type: ignore[attr-defined]
    if status >= 500:
        return [f"{where}: {status}"]
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if (location and not location.startswith("/")) or location.startswith("//"):
        return [f"{where}: redirects off-site to {location!r}"]
    text = response.text  # type: ignore[attr-defined]
    # The JSON API answers machines, in pydantic's words; pages answer people.
    found = [] if api else [f"{where}: {word}" for word in UNTRANSLATED if word in text]
    if response.headers.get("content-type", "").startswith("text/html"):  # type: ignore[attr-defined]
        found += [f"{where}: {p}" for p in markup_problems(text)]
        html = parse(text).css_first("html[lang]")
        if html is not None and html.attributes.get("lang") != lang:
            found.append(f"{where}: page in {html.attributes.get('lang')}, asked for {lang}")
    return found


def _ordered(cases: dict[str, PostCase]) -> list[tuple[str, PostCase]]:
    return sorted(cases.items(), key=lambda item: item[0].endswith(SESSION_ENDING))


def test_hostile_values_in_every_form_field(
    app: FastAPI, world: HostileWorld, clients: dict[str, TestClient]
) -> None:
    lang = "fr"
    fields = form_fields(app)
    problems: list[str] = []
    for path, case in _ordered(post_cases(world, lang)):
        client = clients[case.role]
        for text in (FIELD, "\x00" + CONTROL[1], body()):
            data, files = _values(fields[path], text)
            data |= {key: text for key in case.extra}
            api = path.startswith("/api/")
            if api:
                response = client.post(case.url, json=data, headers={"Accept-Language": lang})
            else:
                response = client.post(case.url, data=data, files=files or None)
            problems += _problems(response, f"{path} {text[:12]!r}", lang, api=api)
            if text == FIELD:
                htmx = client.post(case.url, data=data, headers={"HX-Request": "true"})
                problems += _problems(htmx, f"htmx {path} {text[:12]!r}", lang, api=api)
    assert problems == [], "\n".join(problems)


def test_numbers_past_the_database_range_in_every_form_field(
    app: FastAPI, world: HostileWorld, clients: dict[str, TestClient]
) -> None:
    """Ids and versions in forms and queries past what the database holds: refused, no 500."""
    lang = "es"
    fields = form_fields(app)
    problems: list[str] = []
    for path, case in _ordered(post_cases(world, lang)):
        numbers = [name for name, kind in fields[path].items() if kind in ("int", "list")]
        for bad in OUT_OF_RANGE_IDS[:3]:
            data, _files = _values(fields[path], body())
            data |= dict.fromkeys(numbers, bad) | {key: body() for key in case.extra}
            api = path.startswith("/api/")
            if api:
                response = clients[case.role].post(case.url, json=data)
            else:
                response = clients[case.role].post(case.url, data=data)
            problems += _problems(response, f"{path} {bad}", lang, api=api)
    s, c = world.slug, world.comment.id
    for url in (
        f"/{lang}/comments/{c}?posted=",
        f"/{lang}/spaces/{s}/moderation?done=",
        f"/{lang}/spaces/{s}/digest.md?question=",
    ):
        for bad in OUT_OF_RANGE_IDS[:3]:
            response = clients["moderator"].get(url + bad)
            problems += _problems(response, url + bad, lang)
    assert problems == [], "\n".join(problems)


def test_broken_bodies_to_every_form_route(
    app: FastAPI, world: HostileWorld, clients: dict[str, TestClient], settings: Settings
) -> None:
    lang = "es"
    broken = [
        ("application/x-www-form-urlencoded", b"body=%FF%FE%00&lang=%zz&reason=%E0%A4&x=\xff\xfe"),
        ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nContent-Disposition: form-data\r\n\r\n"),
        ("multipart/form-data", b"no boundary at all"),
        ("application/json", b'{"body": "\\ud800 lone surrogate", "lang": "en"'),
        ("application/json", json.dumps({"body": "\ud800", "lang": "en"}).encode()),
        ("text/plain", b"x" * (settings.max_request_bytes + 1)),
    ]
    problems: list[str] = []
    for path, case in _ordered(post_cases(world, lang)):
        for content_type, content in broken:
            response = clients[case.role].post(
                case.url, content=content, headers={"Content-Type": content_type}
            )
            where = f"{path} {content_type} {content[:16]!r}"
            problems += _problems(response, where, lang, api=path.startswith("/api/"))
            if len(content) > settings.max_request_bytes:
                assert response.status_code == 413, path
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_comment_keeps_what_was_typed(
    clients: dict[str, TestClient], world: HostileWorld, settings: Settings, htmx: bool
) -> None:
    client = clients["participant"]
    headers = {"HX-Request": "true"} if htmx else {}
    too_long = body() + "A" * settings.max_comment_chars
    for text in (too_long, CONTROL[1], DEEP_BOMB):
        response = client.post(
            f"/es/spaces/{world.slug}/comments",
            data={"body": text, "lang": "en", "parent_id": str(world.question.id)},
            headers=headers,
        )
        assert response.status_code == 422
        assert markup_problems(response.text) == []
        page = parse(response.text)
        box = page.css_first("textarea[name=body]")
        assert box is not None
        # As a browser would send it back: line ends normalised by the HTML parser.
        assert box.text().strip("\n") == text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        assert page.css(".error, [role=alert], .field-error") != []


def test_refused_edits_lose_nothing_saved(
    app: FastAPI, db: Session, world: HostileWorld, clients: dict[str, TestClient]
) -> None:

    before_comment = db.get(Comment, world.comment.id)
    assert before_comment is not None
    comment_md = before_comment.body_md
    draft = db.get(NoteDraft, world.draft_id)
    assert draft is not None
    draft_content, draft_title = draft.content, draft.title
    titles = {t.lang: t.title for t in db.query(SpaceText).filter_by(space_id=world.space.id)}
    fields = form_fields(app)
    for path, case in _ordered(post_cases(world, "en")):
        if path.endswith(("/edit", "/drafts/{draft_id}", "/admin/spaces/{slug}")):
            # Over every field's limit (422), then over the request's (413).
            for text in (LONG, LONG * 3):
                data, _files = _values(fields[path], text)
                # Valid numbers, so that the long text is what gets refused.
                data |= {k: "1" for k, kind in fields[path].items() if kind == "int"}
                response = clients[case.role].post(
                    case.url, data=data | dict.fromkeys(case.extra, text + "\x00")
                )
                assert response.status_code in (413, 422), (path, response.status_code)
    db.expire_all()
    assert db.get(Comment, world.comment.id).body_md == comment_md  # type: ignore[union-attr]
    draft = db.get(NoteDraft, world.draft_id)
    assert (draft.content, draft.title) == (draft_content, draft_title)  # type: ignore[union-attr]
    now_titles = {t.lang: t.title for t in db.query(SpaceText).filter_by(space_id=world.space.id)}
    assert now_titles == titles
