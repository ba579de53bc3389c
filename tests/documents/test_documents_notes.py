"""Footnote marks where the text puts them, readable Markdown, languages on runs.

Everything is checked as pandoc reads it (the reader DOCX export uses), and the DOCX by
its XML.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.documents import (
    DocumentMetadata,
    Footnote,
    Lang,
    MarkdownDocument,
    Source,
    escape,
    to_docx,
)
from app.documents.typography import NBSP, NNBSP, french, typeset
from tests.exports.readers import docx_part, markdown_ast, normalized, plain, walk

# tests/documents is no package (see tests/exports/readers.py): its sibling by path.
sys.path.insert(0, str(Path(__file__).parent))
from test_documents_markdown import HOSTILE, STRUCTURE


def _para(doc: MarkdownDocument) -> list[dict[str, Any]]:
    blocks = markdown_ast(doc.render())["blocks"]
    assert [b["t"] for b in blocks] == ["Para"]
    return blocks[0]["c"]


def _shape(inlines: list[dict[str, Any]]) -> str:
    """The line as text, each footnote mark as "^" followed by its text in brackets."""
    out = []
    for inline in inlines:
        if inline["t"] == "Note":
            out.append(f"^[{plain(inline['c'])}]")
        elif inline["t"] == "Str":
            out.append(inline["c"])
        elif inline["t"] in ("Space", "SoftBreak"):
            out.append(" ")
        else:
            out.append(plain(inline))
    return "".join(out)


@pytest.mark.parametrize(
    ("lang", "pieces", "expected"),
    [
        # English: after the punctuation that closes the clause, never after a space.
        ("en", ["leaving no one behind ", Footnote("A"), "."], "leaving no one behind.^[A]"),
        ("en", ["withheld ", Footnote("A"), ". Employers"], "withheld.^[A] Employers"),
        ("en", ["rights ", Footnote("A"), " ; and"], "rights;^[A] and"),
        ("en", ["skills ", Footnote("A"), " and fees"], "skills^[A] and fees"),
        ("en", ["“It took years.” ", Footnote("A")], "“It took years.”^[A]"),
        ("en", ["behind. ", Footnote("A"), " Next"], "behind.^[A] Next"),
        # French and Spanish: against the word, before the punctuation.
        ("fr", ["derrière ", Footnote("A"), "."], "derrière^[A]."),
        ("fr", ["derrière. ", Footnote("A"), " Ensuite"], "derrière^[A]. Ensuite"),
        ("es", ["los derechos ", Footnote("A"), ", y"], "los derechos^[A], y"),
        ("es", ["¿los derechos? ", Footnote("A")], "¿los derechos^[A]?"),
    ],
)
def test_footnote_marks_stand_where_written(lang: str, pieces: list[Any], expected: str) -> None:
    doc = MarkdownDocument("t", lang)
    doc.paragraph(pieces)
    assert _shape(_para(doc)) == expected
    read = markdown_ast(doc.render())
    assert normalized(doc.render_ast(read["pandoc-api-version"])["blocks"]) == normalized(
        read["blocks"]
    )


def test_two_sources_at_one_point_are_one_note_citing_both() -> None:
    doc = MarkdownDocument("t", "en")
    url = "https://example.org/en/comments/5"
    doc.paragraph(["statistics ", Footnote((Source("Kate Barth", url), "Alice")), "."])
    inlines = _para(doc)
    assert _shape(inlines) == f"statistics.^[Kate Barth {url}; Alice]"
    assert sum(i["t"] == "Note" for i in inlines) == 1
    links = [e["c"][2][0] for e in walk(inlines) if e["t"] == "Link"]
    assert links == [url]


@pytest.mark.parametrize("after", ["(see above)", "[x](y)", "{.class}", "!"])
def test_text_around_a_mark_makes_no_syntax(after: str) -> None:
    doc = MarkdownDocument("t", "en")
    doc.paragraph(["Stop! ", Footnote("A"), after])
    doc.paragraph(["Stop!", Footnote("B"), " ", after])
    blocks = markdown_ast(doc.render())["blocks"]
    found = {e["t"] for e in walk(blocks)}
    assert not found & {"Image", "Link", "Span", "Cite"}
    assert [plain(n["c"]) for n in walk(blocks) if n["t"] == "Note"] == ["A", "B"]


ORDINARY = 'Yes, well. First; second: third! Really? (Indeed) it\'s "quoted" - and 50% / 3 = x.'


def test_ordinary_punctuation_is_not_escaped() -> None:
    doc = MarkdownDocument("t", "en")
    doc.paragraph(ORDINARY)
    doc.paragraph([ORDINARY, Footnote(ORDINARY)])
    markdown = doc.render()
    assert ORDINARY in markdown.split("\n\n")[1]
    assert "\\" not in markdown
    blocks = markdown_ast(markdown)["blocks"]
    assert plain(blocks[0]) == ORDINARY
    assert plain(blocks[1], notes=False) == ORDINARY
    assert [plain(n["c"]) for n in walk(blocks) if n["t"] == "Note"] == [ORDINARY]


@pytest.mark.parametrize(
    "text",
    ["1. not a list", "a) nor this", "(3) nor this", "- nor a bullet", ": nor a definition"],
)
def test_what_starts_a_block_is_escaped_at_the_start_only(text: str) -> None:
    escaped = escape(text)
    assert escaped.count("\\") == 1
    assert plain(markdown_ast(escaped + "\n")["blocks"]) == text
    assert escape(f"x {text}") == f"x {text}"  # inside a line it is text as it is


def test_yaml_title_block_is_clean_and_reads_back() -> None:
    title = "IMRF Roundtable 4: background note (draft)"
    doc = MarkdownDocument(title, "en", {"subtitle": "1. Who's asking? #2 [x]", "date": "- 1"})
    markdown = doc.render()
    assert f"title: '{title}'" in markdown.splitlines()
    assert "subtitle: '1\\. Who''s asking? \\#2 \\[x\\]'" in markdown.splitlines()
    meta = markdown_ast(markdown)["meta"]
    assert plain(meta["title"]) == title
    assert plain(meta["subtitle"]) == "1. Who's asking? #2 [x]"
    assert plain(meta["date"]) == "- 1"
    assert {meta[k]["t"] for k in ("title", "subtitle", "date")} == {"MetaInlines"}


def test_runs_in_another_language_say_so() -> None:
    doc = MarkdownDocument("t", "en")
    doc.paragraph(["She wrote “", Lang("las políticas [*]", "es"), "” ", Footnote("A"), "."])
    doc.paragraph([Lang("already English", "en")])
    markdown = doc.render()
    assert "[las políticas \\[\\*\\]]{lang=es}" in markdown
    blocks = markdown_ast(markdown)["blocks"]
    spans = [e for e in walk(blocks) if e["t"] == "Span"]
    assert [(s["c"][0][2], plain(s["c"][1])) for s in spans] == [
        ([["lang", "es"]], "las políticas [*]")
    ]
    made = doc.render_ast(markdown_ast("")["pandoc-api-version"])
    assert normalized(made["blocks"]) == normalized(blocks)
    with pytest.raises(ValueError, match="language"):
        doc.paragraph([Lang("x", "es; rm")])


def test_docx_runs_carry_their_language() -> None:
    doc = MarkdownDocument("t", "en")
    doc.paragraph(["She wrote “", Lang("las políticas", "es"), "”."])
    data = to_docx(doc, DocumentMetadata("t", "en", datetime(2022, 2, 7, tzinfo=UTC)))
    body = docx_part(data, "word/document.xml")
    run = re.search(r"<w:r>(?:(?!</w:r>).)*las políticas(?:(?!</w:r>).)*</w:r>", body)
    assert run is not None
    assert 'w:lang w:val="es"' in run.group()
    other = re.search(r"<w:r>(?:(?!</w:r>).)*She wrote(?:(?!</w:r>).)*</w:r>", body)
    assert other is not None
    assert "w:lang" not in other.group()


def test_french_typography() -> None:
    assert french("Il a dit “oui” ; puis: non! Pourquoi ?") == (
        f"Il a dit «{NBSP}oui{NBSP}»{NNBSP}; puis{NBSP}: non{NNBSP}! Pourquoi{NNBSP}?"
    )
    assert french("«déjà»") == f"«{NBSP}déjà{NBSP}»"
    # Times, addresses and numbers keep their colons.
    assert french("à 10:30 sur https://example.org") == "à 10:30 sur https://example.org"
    # Spanish (and English) are set as written.
    assert typeset("¿Qué? ¡Sí! “Bien”: ya", "es") == "¿Qué? ¡Sí! “Bien”: ya"
    assert typeset("Why? “Well”: yes", "en") == "Why? “Well”: yes"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_around_marks_and_spans_stays_text(text: str) -> None:
    doc = MarkdownDocument(text, "fr", {"subtitle": text})
    doc.paragraph([text, Footnote(text), text, Lang(text, "es"), "!", Footnote((text, text))])
    doc.bullets([[Lang(text, "en"), Footnote(text), " ", text]])
    markdown = doc.render()
    read = markdown_ast(markdown)
    everything = list(walk(read["blocks"]))
    counts = {k: sum(e["t"] == k for e in everything) for k in STRUCTURE}
    assert counts["Note"] == 3
    assert counts["Span"] == 2
    assert counts["BulletList"] == 1
    for made_by_user in STRUCTURE - {"Note", "Span", "BulletList"}:
        assert counts[made_by_user] == 0, made_by_user
    made = doc.render_ast(read["pandoc-api-version"])
    assert normalized(made["blocks"]) == normalized(read["blocks"])
    assert normalized(made["meta"]) == normalized(read["meta"])
