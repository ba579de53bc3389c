from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

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


# --- PDFs checked by their parsed objects (pypdf), not by their bytes -------------------


def _pdf(build: Callable[[PdfWriter], None] | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if build is not None:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _with_image(data: bytes, filter_name: str) -> Callable[[PdfWriter], None]:
    """A page showing one image XObject whose (binary) stream data is `data`."""

    def build(writer: PdfWriter) -> None:
        image = StreamObject()
        image.set_data(data)
        image.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(64),
                NameObject("/Height"): NumberObject(64),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject(filter_name),
            }
        )
        page = writer.pages[0]
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject("/Im1"): writer._add_object(image)}
                )
            }
        )

    return build


# Binary image data that happens to hold the byte runs a byte scanner took for scripts.
TRAPS = (b"/JS", b"/JS ", b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


@pytest.mark.parametrize("filter_name", ["/DCTDecode", "/FlateDecode", "/JPXDecode"])
def test_pdfs_whose_image_bytes_look_like_scripts_are_accepted(filter_name: str) -> None:
    rng = random.Random(filter_name)
    noise = bytearray(rng.randbytes(2_000_000))
    for n, trap in enumerate(TRAPS * 50):
        at = rng.randrange(len(noise) - 20)
        noise[at : at + len(trap) + 1] = trap + bytes([n % 7 + 1])
    data = _pdf(_with_image(bytes(noise), filter_name))
    assert b"/JS" in data  # the raw bytes do hold them
    assert b"/Launch" in data
    assert sniff_document(data).content_type == PDF


def _open_action(action: dict[str, PdfObject]) -> Callable[[PdfWriter], None]:
    def build(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): v for k, v in action.items()}
        )

    return build


def _link_action(action: dict[str, PdfObject]) -> Callable[[PdfWriter], None]:
    """An annotation on the page (deep inside the object tree) carrying the action."""

    def build(writer: PdfWriter) -> None:
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 100, 100)]),
                NameObject("/A"): DictionaryObject({NameObject(k): v for k, v in action.items()}),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])

    return build


JS = {"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")}


def _document_script(writer: PdfWriter) -> None:
    """A document-level script: the catalogue's /Names tree, as Acrobat writes one."""
    script = writer._add_object(DictionaryObject({NameObject(k): v for k, v in JS.items()}))
    names = ArrayObject([TextStringObject("init"), script])
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): names})}
    )


@pytest.mark.parametrize(
    "build",
    [
        _document_script,
        _open_action(JS),
        _link_action(JS),
        _link_action({"/S": NameObject("/Launch"), "/F": TextStringObject("calc.exe")}),
        lambda writer: writer.add_attachment("payload.exe", b"MZ\x90\x00"),
        _open_action({"/S": NameObject("/GoToE"), "/D": ArrayObject([NumberObject(0)])}),
    ],
    ids=["document script", "open action script", "link script", "launch", "embedded", "gotoe"],
)
def test_pdfs_with_real_active_content_are_refused(build: Callable[[PdfWriter], None]) -> None:
    with pytest.raises(UnsafeFile, match="active content"):
        sniff_document(_pdf(build))


def test_an_open_action_that_only_shows_a_page_is_fine() -> None:
    def build(writer: PdfWriter) -> None:
        page = writer.pages[0].indirect_reference
        assert page is not None
        _open_action({"/S": NameObject("/GoTo"), "/D": ArrayObject([page, NameObject("/Fit")])})(
            writer
        )

    assert sniff_document(_pdf(build)).content_type == PDF


def test_a_script_spelt_with_name_escapes_is_still_seen() -> None:
    # "/J#53" is how a PDF may write /JS; the parser decodes it, a byte scan would not.
    data = _pdf(_open_action(JS)).replace(b"/JS ", b"/J#53 ")
    assert b"/J#53" in data
    with pytest.raises(UnsafeFile):
        sniff_document(data)


def test_a_pdf_that_does_not_parse_is_refused() -> None:
    with pytest.raises(UnsupportedFile):
        sniff_document(b"%PDF-1.7\nnot objects at all\n%%EOF\n")
