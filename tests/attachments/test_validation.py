from __future__ import annotations

import pytest

from app.attachments.service import safe_filename
from app.attachments.validation import DOCX, ODT, PDF, UnsupportedFile, sniff_document
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
