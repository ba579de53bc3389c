"""Recognising position papers by their content, never by their name."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import filetype
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from app.documents.formats import DOCX, ODT, PDF

EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt"}


class UnsupportedFile(ValueError):
    """Not a PDF, DOCX or ODT document (whatever its name says)."""


class UnsafeFile(UnsupportedFile):
    """A document of an accepted kind carrying what we refuse: a bomb, external content."""


# Limits for the archives DOCX and ODT files are: real papers stay far below them.
MAX_ENTRIES = 2_000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed ÷ compressed, per entry
MAX_PART = 50 * 1024 * 1024  # bytes read from one XML part when looking inside
# Relationships that fetch something from elsewhere when the document opens (hyperlinks,
# which only point, are fine).
_EXTERNAL_FETCH = re.compile(
    rb'<Relationship\b(?=[^>]*TargetMode="External")(?![^>]*relationships/hyperlink")[^>]*>'
)
_ODF_EXTERNAL = re.compile(
    rb"<(?:draw:image|draw:object|draw:object-ole)\b[^>]*xlink:href=\"[a-z]+:"
)
# Read from the PDF's parsed objects, never from raw bytes: compressed image data is
# full of byte runs that look like "/JS" and mean nothing.
_PDF_ACTIVE_KEYS = frozenset(
    ("/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA")
)
_PDF_ACTIVE_ACTIONS = frozenset(
    ("/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData", "/GoToE", "/Rendition")
)
_PDF_ACTIVE_TYPES = frozenset(("/EmbeddedFile", "/RichMedia", "/RichMediaExecute"))
MAX_PDF_OBJECTS = 500_000


def _read_capped(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as part:
        data = part.read(MAX_PART + 1)
    if len(data) > MAX_PART:
        raise UnsafeFile("oversized part")
    return data


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs, path tricks and encrypted parts before anything reads them."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UnsafeFile("too many entries")
    total = 0
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            raise UnsafeFile("path outside the archive")
        if entry.flag_bits & 0x1:
            raise UnsafeFile("encrypted entry")
        total += entry.file_size
        if total > MAX_UNPACKED:
            raise UnsafeFile("too large unpacked")
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            raise UnsafeFile("suspicious compression ratio")


def _check_docx(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(n.lower().endswith((".bin", "vbaproject.bin")) for n in names):
        raise UnsafeFile("macros or embedded binaries")
    for name in names:
        if name.endswith(".rels") and _EXTERNAL_FETCH.search(_read_capped(archive, name)):
            raise UnsafeFile("external content")


def _check_odt(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise UnsafeFile("macros")
    for name in ("content.xml", "styles.xml"):
        if name in names and _ODF_EXTERNAL.search(_read_capped(archive, name)):
            raise UnsafeFile("external content")


def _active_pdf_object(value: DictionaryObject) -> str | None:
    """What makes one PDF dictionary active content (a script, a launch, an embedded file)."""
    for key in value:
        if key in _PDF_ACTIVE_KEYS:
            return str(key)
    if value.get("/S") in _PDF_ACTIVE_ACTIONS:
        return str(value["/S"])
    if value.get("/Type") in _PDF_ACTIVE_TYPES or value.get("/Subtype") in _PDF_ACTIVE_TYPES:
        return str(value.get("/Type") or value.get("/Subtype"))
    return None


def _pdf_objects(reader: PdfReader) -> list[PdfObject]:
    """Where the walk starts: the trailer and every object the cross-reference lists."""
    roots: list[PdfObject] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots += [IndirectObject(number, generation, reader) for number in numbers]
    roots += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    return roots


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise UnsafeFile("truncated PDF")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsafeFile("encrypted PDF")  # nothing inside can be checked
        # Every object reachable from the trailer or the cross-reference, each once, with
        # an explicit stack (nesting depth is the sender's to choose). Streams are
        # dictionaries here; their (compressed) data is never scanned.
        stack = _pdf_objects(reader)
        seen: set[tuple[int, int]] = set()
        while stack:
            item: PdfObject | None = stack.pop()  # a dangling reference resolves to None
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                if len(seen) > MAX_PDF_OBJECTS:
                    raise UnsafeFile("too many objects in PDF")
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                if (found := _active_pdf_object(item)) is not None:
                    raise UnsafeFile(f"active content in PDF ({found})")
                stack += item.values()
            elif isinstance(item, ArrayObject):
                stack += item
    except UnsafeFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # pypdf raises several kinds for malformed input; none of them is a document.
        raise UnsafeFile("damaged PDF") from exc


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


def _zip_names(data: bytes) -> tuple[zipfile.ZipFile, set[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, set(archive.namelist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnsupportedFile("damaged archive") from exc


def _is_docx(data: bytes) -> bool:
    _archive, names = _zip_names(data)
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_odt(data: bytes) -> bool:
    archive, names = _zip_names(data)
    if "mimetype" not in names or "content.xml" not in names:
        return False
    return archive.read("mimetype").strip() == ODT.encode()


def sniff_document(data: bytes) -> Sniffed:
    """The document's real type, or UnsupportedFile."""
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return Sniffed(PDF, "pdf")
    kind = filetype.guess(data)
    if (kind is not None and kind.extension in ("zip", "docx", "odt")) or data.startswith(
        b"PK\x03\x04"
    ):
        archive, names = _zip_names(data)
        _check_archive(archive)
        if _is_docx(data):
            _check_docx(archive, names)
            return Sniffed(DOCX, "docx")
        if _is_odt(data):
            _check_odt(archive, names)
            return Sniffed(ODT, "odt")
    raise UnsupportedFile("not a PDF, DOCX or ODT document")
