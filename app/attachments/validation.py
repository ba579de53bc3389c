"""Recognising position papers by their content, never by their name."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import filetype

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

EXTENSIONS = {PDF: "pdf", DOCX: "docx", ODT: "odt"}


class UnsupportedFile(ValueError):
    """Not a PDF, DOCX or ODT document (whatever its name says)."""


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
        return Sniffed(PDF, "pdf")
    kind = filetype.guess(data)
    if (kind is not None and kind.extension in ("zip", "docx", "odt")) or data.startswith(
        b"PK\x03\x04"
    ):
        if _is_docx(data):
            return Sniffed(DOCX, "docx")
        if _is_odt(data):
            return Sniffed(ODT, "odt")
    raise UnsupportedFile("not a PDF, DOCX or ODT document")
