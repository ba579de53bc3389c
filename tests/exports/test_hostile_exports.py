"""Digest, draft and interchange exports of a space full of payloads: Markdown that stays
text, DOCX without fields or links, CSV cells no spreadsheet runs, JSON that round-trips."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt

from tests import hostile
from tests.exports.background import made_in_background
from tests.exports.readers import docx_part, kinds, markdown_ast, plain, walk
from tests.factories import sign_in
from tests.hostile import FORMULA, XSS, HostileWorld

# The shared hostile fixtures: one seeding per module, a SAVEPOINT per test.
connection = hostile.connection
hostile_seeded = hostile.hostile_seeded
world = hostile.world


# What pandoc (the DOCX maker) must never read out of our Markdown.
LIVE_PANDOC = {"RawInline", "RawBlock", "Image"}
SITE = "http://127.0.0.1:8000/"  # the default base URL: provenance links point there only
DANGEROUS = ("javascript:", "data:", "__pwned", "evil.example", "attacker.example")


@pytest.fixture
def moderator(client: TestClient, world: HostileWorld) -> TestClient:
    sign_in(client, world.moderator)
    return client


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _markdown_is_text(markdown: str) -> None:
    tokens = MarkdownIt("commonmark", {"html": True}).parse(markdown)
    flat = [t for token in tokens for t in [token, *(token.children or [])]]
    raw = [t.content[:80] for t in flat if t.type in ("html_block", "html_inline")]
    assert raw == []
    for t in flat:
        if t.type in ("link_open", "image"):
            href = str(t.attrGet("href") or t.attrGet("src") or "").lower()
            assert not any(d in href for d in DANGEROUS), href
    ast = markdown_ast(markdown)
    assert not kinds(ast) & LIVE_PANDOC, kinds(ast) & LIVE_PANDOC
    targets = [e["c"][2][0] for e in walk(ast) if e["t"] == "Link"]
    assert [t for t in targets if not t.startswith(SITE)] == []


def _docx_is_inert(document: bytes) -> None:
    body = docx_part(document, "word/document.xml")
    assert "<w:fldSimple" not in body
    assert "<w:instrText" not in body
    assert "<w:altChunk" not in body
    rels = docx_part(document, "word/_rels/document.xml.rels")
    for target in re.findall(r'Target="([^"]*)"\s+TargetMode="External"', rels):
        assert target.startswith(SITE), target
    # The payloads are there, as text.
    assert "__pwned" in body


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_digest_exports(moderator: TestClient, world: HostileWorld, lang: str) -> None:
    base = f"/{lang}/spaces/{world.slug}/digest"
    markdown = moderator.get(f"{base}.md")
    assert markdown.status_code == 200
    _markdown_is_text(markdown.text)
    assert "\\<script\\>" in markdown.text or "&lt;script&gt;" in markdown.text

    rows = list(csv.reader(io.StringIO(moderator.get(f"{base}.csv").text)))
    cells = [cell for row in rows for cell in row]
    assert len(rows) > 3
    triggers = tuple("=+-@\t\r\n")
    assert [c for c in cells if c.startswith(triggers) or c.lstrip().startswith(triggers)] == []
    assert any(FORMULA[0] in cell for cell in cells)  # kept, as text

    data = moderator.get(f"{base}.json")
    document = json.loads(data.text)
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document
    assert any(XSS[0] in text for text in _strings(document))

    docx = moderator.get(f"{base}.docx")
    assert docx.status_code == 200
    _docx_is_inert(docx.content)


def test_draft_exports(app: FastAPI, moderator: TestClient, world: HostileWorld) -> None:
    base = f"/en/drafts/{world.draft_id}/export"
    markdown = moderator.get(f"{base}.md")
    assert markdown.status_code == 200
    _markdown_is_text(markdown.text)
    # The title reads, once parsed, exactly as typed.
    assert XSS[0] in plain(markdown_ast(markdown.text))
    _docx_is_inert(made_in_background(app, moderator, f"{base}.docx").content)


def test_interchange_round_trips_the_payloads(client: TestClient, world: HostileWorld) -> None:
    sign_in(client, world.admin)
    exported = client.get(f"/en/admin/spaces/{world.slug}/export.json")
    assert exported.status_code == 200
    document = json.loads(exported.text)
    text = "\n".join(_strings(document))
    for payload in (XSS[0], "{{7*7777}}", "'; DROP TABLE users;--", FORMULA[0]):
        assert payload in text
    imported = client.post(
        "/en/admin/import",
        data={"slug": "hostile-copy"},
        files={"file": ("space.json", exported.content, "application/json")},
    )
    assert imported.status_code == 303, imported.text[:500]
    again = json.loads(client.get("/en/admin/spaces/hostile-copy/export.json").text)
    assert again["space"]["texts"] == document["space"]["texts"]
    bodies = sorted(c["body"] for c in document.get("comments", []) if "body" in c)
    assert sorted(c["body"] for c in again.get("comments", []) if "body" in c) == bodies
