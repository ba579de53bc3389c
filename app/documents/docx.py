"""DOCX through the pandoc that pypandoc_binary ships.

A `MarkdownDocument` goes to pandoc as its JSON AST: user text arrives as `Str` nodes and
is never parsed as Markdown, and pandoc skips its Markdown reader, the slow half of the
work (a 2,000-comment digest: about 1 s instead of 3.5 s). Markdown text goes through
the reader with only the extensions `MarkdownDocument` writes: every raw or passthrough
extension (raw HTML, raw attributes, raw TeX, TeX macros, HTML blocks) is off, and so is
everything else. Pandoc runs with `--sandbox` either way, so not even a bug in escaping
could make it read a file or fetch an address. Styles come from `reference.docx` here.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from app.documents.document import MarkdownDocument

REFERENCE_DOCX = Path(__file__).resolve().parent / "reference.docx"

# Off: all but what MarkdownDocument writes (headings, paragraphs with hard line breaks,
# emphasis, decimal ordered lists with a start number, bullet lists, block quotes, pipe
# tables, footnotes, autolinks, spans saying a language, the YAML block). fancy_lists
# alone triples reading time.
_DISABLED = (
    "raw_html",
    "raw_attribute",
    "raw_tex",
    "latex_macros",
    "markdown_in_html_blocks",
    "native_divs",
    "native_spans",
    "fenced_divs",
    "citations",
    "inline_notes",
    "link_attributes",
    "implicit_figures",
    "implicit_header_references",
    "shortcut_reference_links",
    "header_attributes",
    "inline_code_attributes",
    "fenced_code_attributes",
    "fenced_code_blocks",
    "backtick_code_blocks",
    "tex_math_dollars",
    "definition_lists",
    "line_blocks",
    "grid_tables",
    "multiline_tables",
    "simple_tables",
    "table_captions",
    "table_attributes",
    "task_lists",
    "subscript",
    "superscript",
    "strikeout",
    "pandoc_title_block",
    "smart",
    "auto_identifiers",
    "intraword_underscores",
    "fancy_lists",
    "example_lists",
)
READER = "markdown" + "".join(f"-{ext}" for ext in _DISABLED)

TIMEOUT_SECONDS = 300
_CORE = "docProps/core.xml"


class DocumentError(Exception):
    """Pandoc could not make the document."""


@dataclass(frozen=True)
class DocumentMetadata:
    """The DOCX core properties: what a file manager and Word's Info pane show."""

    title: str
    lang: str
    created: datetime
    subject: str = ""  # a note's document symbol, say


@cache
def pandoc_path() -> str:
    import pypandoc  # imported on first use: it looks for its binary at import

    return str(pypandoc.get_pandoc_path())


@cache
def api_version() -> tuple[int, ...]:
    """The pandoc AST version this pandoc reads and writes."""
    empty = _pandoc(["--from", "markdown", "--to", "json"], b"")
    return tuple(json.loads(empty)["pandoc-api-version"])


def _pandoc(arguments: list[str], source: bytes) -> bytes:
    command = [pandoc_path(), "--sandbox", *arguments]
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, the text on standard input
            command, input=source, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DocumentError("pandoc took too long") from exc
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise DocumentError(f"pandoc failed ({result.returncode}): {message[:500]}")
    return result.stdout


def to_docx(source: str | MarkdownDocument, metadata: DocumentMetadata) -> bytes:
    """A Word document from a `MarkdownDocument` (read as its AST) or from Markdown that
    one rendered: Heading styles, a Word numbered list for numbered paragraphs, "Block
    Text" quotes, real footnotes, and core properties from `metadata`."""
    if isinstance(source, MarkdownDocument):
        ast = source.render_ast(api_version())
        data = json.dumps(ast, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        reader = "json"
    else:
        data, reader = source.encode("utf-8"), READER
    arguments = ["--from", reader, "--to", "docx", "--reference-doc", str(REFERENCE_DOCX)]
    document = _pandoc([*arguments, "--output", "-"], data)
    return _with_core_properties(document, metadata)


def _core_xml(metadata: DocumentMetadata) -> str:
    # In its sandbox pandoc cannot read the clock and dates every file 1970: say when.
    when = metadata.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = _xml_text(metadata.subject)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{xml_escape(_xml_text(metadata.title))}</dc:title>"
        f"{f'<dc:subject>{xml_escape(subject)}</dc:subject>' if subject else ''}"
        f"<dc:language>{xml_escape(_xml_text(metadata.lang))}</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _xml_text(text: str) -> str:
    """Text XML 1.0 accepts (no control characters), on one line."""
    kept = (c for c in text if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff"))
    return " ".join("".join(kept).split())


def _with_core_properties(document: bytes, metadata: DocumentMetadata) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(document))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == _CORE:
                data = _core_xml(metadata).encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
