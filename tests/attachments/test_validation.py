from __future__ import annotations

import io
import zipfile

import pytest

from app.attachments.service import safe_filename
from app.attachments.validation import DOCX, ODT, PDF, UnsafeFile, UnsupportedFile, sniff_document
from tests import documents


@pytest.mark.parametrize(
    ("data", "expected"),
    [(documents.PDF, PDF), (documents.docx(), DOCX), (documents.odt(), ODT)],
)
def test_accepted_documents_are_recognised_by_content(data: bytes, expected: str) -> None:
    assert sniff_document(data).content_type == expected


@pytest.mark.parametrize(
    "data",
    [documents.HTML, documents.PNG, documents.plain_zip(), b"PK\x03\x04broken", b"hello"],
)
def test_everything_else_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedFile):
        sniff_document(data)


@pytest.mark.parametrize(
    ("raw", "ext", "expected"),
    [
        ("Position paper.pdf", "pdf", "Position paper.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\me\\Note técnica.exe", "docx", "Note técnica.docx"),
        ('evil"; name=x.html', "odt", "evil_ name_x.odt"),
        ("", "pdf", "document.pdf"),
    ],
)
def test_download_names_are_tamed(raw: str, ext: str, expected: str) -> None:
    assert safe_filename(raw, ext) == expected


def _docx_with(extra: dict[str, bytes | str], *, compression: int = 8) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(documents.docx())) as base,
        zipfile.ZipFile(buffer, "w", compression) as out,
    ):
        for item in base.infolist():
            out.writestr(item.filename, base.read(item.filename))
        for name, content in extra.items():
            out.writestr(name, content)
    return buffer.getvalue()


RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/{kind}" Target="https://example.org/x" '
    'TargetMode="External"/></Relationships>'
)


def test_links_in_a_docx_are_fine() -> None:
    data = _docx_with({"word/_rels/document.xml.rels": RELS.format(kind="hyperlink")})
    assert sniff_document(data).content_type == DOCX


@pytest.mark.parametrize(
    "data",
    [
        _docx_with({"word/_rels/settings.xml.rels": RELS.format(kind="attachedTemplate")}),
        _docx_with({"word/vbaProject.bin": b"\x00macro"}),
        _docx_with({"../../evil.txt": "x"}),
        _docx_with({"word/media/bomb.xml": b"0" * 5_000_000}),  # ratio far above 200
        _docx_with({f"word/many/{n}.xml": "x" for n in range(2_001)}, compression=0),
    ],
    ids=["external template", "macros", "path traversal", "zip bomb", "too many entries"],
)
def test_unsafe_docx_is_refused(data: bytes) -> None:
    with pytest.raises(UnsafeFile):
        sniff_document(data)


def test_odt_fetching_an_external_image_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT)
        archive.writestr(
            "content.xml",
            '<office:document-content><draw:image xlink:href="https://tracker.example/p.png"/>'
            "</office:document-content>",
        )
    with pytest.raises(UnsafeFile):
        sniff_document(buffer.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        documents.PDF[:-7],
        documents.PDF.replace(
            b"/Catalog", b"/Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
        ),
    ],
    ids=["truncated", "javascript"],
)
def test_unsafe_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(UnsafeFile):
        sniff_document(data)
