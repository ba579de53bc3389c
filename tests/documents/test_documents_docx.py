"""DOCX from MarkdownDocument, read back by pandoc and by LibreOffice."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pytest

from app.documents import DocumentMetadata, MarkdownDocument, Ref, Source, Strong, to_docx
from app.documents.docx import REFERENCE_DOCX
from tests.exports.readers import LibreOffice, docx_ast, docx_part, libreoffice, plain, walk

CREATED = datetime(2022, 1, 27, 9, 30, tzinfo=UTC)
URL = "https://roundtable.example/en/comments/12"
HOSTILE = "<script>alert(1)</script> [x](javascript:y) # not a heading [^9]"


@pytest.fixture(scope="module", params=["ast", "markdown"])
def document(request: pytest.FixtureRequest) -> bytes:
    """The same document given to pandoc as its AST, and as the Markdown it renders."""
    doc = MarkdownDocument("Digest: Labour # mobility", "en", {"date": "27 January 2022"})
    doc.heading(1, "Question 1: How can pathways be widened?")
    doc.quote("How can pathways be widened?", Source("Question by Leila Haddad —", URL))
    doc.numbered(
        [Strong("Kate Barth"), " · 27 January 2022"],
        [Source("Comment by Kate Barth, 27 January 2022 —", URL)],
        label="c12",
    )
    doc.paragraph("Skills partnerships work.\n\nSecond paragraph.", in_item=True)
    doc.quote("Les partenariats fonctionnent.", in_item=True)
    doc.numbered(["A second view, in reply to ", Ref("c12")], ["Comment by a participant"])
    doc.heading(1, "Question 2: What else?")
    doc.paragraph("Between the lists, an ordinary paragraph.")
    doc.numbered(HOSTILE, ["Comment by a participant, 28 January 2022"])
    doc.heading(2, "A subsection")
    doc.numbered("The last one.")
    doc.bullets(["one", "two"])
    source = doc if request.param == "ast" else doc.render()
    return to_docx(source, DocumentMetadata("Digest: Labour # mobility", "en", CREATED))


def test_pandoc_reads_headings_numbering_notes_and_quotes(document: bytes) -> None:
    blocks = docx_ast(document)["blocks"]
    headers = [(b["c"][0], plain(b["c"][2])) for b in blocks if b["t"] == "Header"]
    assert headers == [
        (1, "Question 1: How can pathways be widened?"),
        (1, "Question 2: What else?"),
        (2, "A subsection"),
    ]
    # Numbered paragraphs count on across the headings: 1, 2 | 3 | 4.
    lists = [b for b in blocks if b["t"] == "OrderedList"]
    assert [b["c"][0][0] for b in lists] == [1, 2, 3, 4]
    assert all(len(b["c"][1]) == 1 for b in lists)
    where = [i for i, b in enumerate(blocks) if b["t"] in ("OrderedList", "Header")]
    order = [
        blocks[i]["t"][0] + str(blocks[i]["c"][0] if blocks[i]["t"] == "Header" else "")
        for i in where
    ]
    assert order == ["H1", "O", "O", "H1", "O", "H2", "O"]
    numbered_text = [plain(b["c"][1][0][0], notes=False) for b in lists]
    assert numbered_text == [
        "Kate Barth · 27 January 2022",
        "A second view, in reply to (1)",
        HOSTILE,
        "The last one.",
    ]
    notes = [plain(e["c"]) for e in walk(blocks) if e["t"] == "Note"]
    assert notes == [
        f"Question by Leila Haddad — {URL}",
        f"Comment by Kate Barth, 27 January 2022 — {URL}",
        "Comment by a participant",
        "Comment by a participant, 28 January 2022",
    ]
    quotes = [plain(e, notes=False) for e in walk(blocks) if e["t"] == "BlockQuote"]
    assert "How can pathways be widened?" in quotes
    assert "Les partenariats fonctionnent." in quotes
    # Nothing the hostile text asked for: no link but the sources', no raw XML.
    links = [e["c"][2][0] for e in walk(blocks) if e["t"] == "Link"]
    assert links == [URL, URL]
    assert not {"RawInline", "RawBlock"} & {e["t"] for e in walk(blocks)}


def test_word_structures_and_styles(document: bytes) -> None:
    body = docx_part(document, "word/document.xml")
    styles = re.findall(r'<w:pStyle w:val="([^"]+)"', body)
    assert {"Title", "Heading1", "Heading2", "BlockText"} <= set(styles)
    assert body.count("<w:footnoteReference ") == 4
    assert "<w:numPr>" in body  # numbered paragraphs are a Word list
    assert "<w:hyperlink" not in body  # no link in the text itself
    numbering = docx_part(document, "word/numbering.xml")
    assert 'w:val="decimal"' in numbering
    footnotes = docx_part(document, "word/footnotes.xml")
    assert "Comment by Kate Barth, 27 January 2022" in footnotes


def test_core_properties(document: bytes) -> None:
    core = docx_part(document, "docProps/core.xml")
    assert "<dc:title>Digest: Labour # mobility</dc:title>" in core
    assert "<dc:language>en</dc:language>" in core
    assert ">2022-01-27T09:30:00Z</dcterms:created>" in core
    assert zipfile.ZipFile(BytesIO(document)).testzip() is None


def test_core_properties_stay_well_formed_xml() -> None:
    doc = MarkdownDocument("x", "fr")
    title = "Title with <tags> & \x01 control"
    data = to_docx(doc, DocumentMetadata(title, "fr", CREATED))
    core = docx_part(data, "docProps/core.xml")
    assert "<dc:title>Title with &lt;tags&gt; &amp; control</dc:title>" in core


def test_reference_doc_has_the_styles_used_and_no_footnote_restart() -> None:
    reference = REFERENCE_DOCX.read_bytes()
    styles = docx_part(reference, "word/styles.xml")
    for style in ("Title", "Heading1", "Heading2", "BlockText", "FootnoteText", "BodyText"):
        assert f'w:styleId="{style}"' in styles, style
    assert "footnotePr" not in docx_part(reference, "word/document.xml")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    return libreoffice(tmp_path_factory)


def test_libreoffice_opens_it(document: bytes, office: LibreOffice) -> None:
    text = office.text(document)
    for expected in (
        "Digest: Labour # mobility",
        "Question 1: How can pathways be widened?",
        "1. Kate Barth · 27 January 2022",
        "Skills partnerships work.",
        "2. A second view, in reply to (1)",
        "3. " + HOSTILE,
        "4. The last one.",
        f"Comment by Kate Barth, 27 January 2022 — {URL}",
        "Comment by a participant, 28 January 2022",
    ):
        assert expected in text, expected
