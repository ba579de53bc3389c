"""Documents made from what people wrote: safe Markdown, DOCX, CSV cells.

- `escaping`: `escape()` and `escape_block()` make any text inert pandoc Markdown,
  escaping only what could change its meaning; `clean_inline()` and `clean_block()` are
  the cleaning alone.
- `document`: `MarkdownDocument`, which takes headings, paragraphs numbered across the
  document, quotes, lists and tables with footnoted sources, cleans their text into the
  structure of `model` (`Source`, `Emph`, `Strong`, `Ref`, `Footnote` for a footnote at
  a point of a line, `Lang` for words in another language are what callers pass), and has
  it written as pandoc Markdown (`render()`, by `pandoc_markdown`) or as pandoc's JSON
  AST (`render_ast()`, by `pandoc_ast`); either way user text is always literal text.
- `docx`: `to_docx()` makes a Word document with pandoc, from a `MarkdownDocument` (via
  its AST: faster, and no Markdown parsing of user text) or from Markdown it rendered.
- `typography`: a language's conventions set on text (French guillemets and no-break
  spaces); see docs/notes.md.
- `csvsafe`: `cell()` keeps spreadsheet formulas out of CSV exports.
- `formats`: the content types of the documents accepted and handed out (PDF, DOCX, ODT).

`reference.docx` is pandoc's own default (`pandoc --print-default-data-file
reference.docx`, pandoc 3.9) with one change: the `<w:footnotePr>` of its section
(`numRestart eachSect`) is removed from `word/document.xml`, because LibreOffice reads it
as "restart footnote numbers at each chapter" (each Heading 1); Word numbers footnotes
through the document either way. The styles are pandoc's, unchanged on purpose: they are
every style the documents use (Title, Heading 1-6, Body Text, Block Text for quotes,
Footnote Text, the table style), under the names Word users restyle by. Keeping a copy
pins the look against pandoc upgrades. To restyle, edit the styles in Word or LibreOffice
(or with python-docx at build time), keep their names, and check that the section still
has no footnotePr (tests/documents checks both).
"""

from app.documents.document import MarkdownDocument
from app.documents.docx import DocumentError, DocumentMetadata, to_docx
from app.documents.escaping import escape, escape_block
from app.documents.model import Emph, Footnote, Lang, Ref, Source, Strong

__all__ = [
    "DocumentError",
    "DocumentMetadata",
    "Emph",
    "Footnote",
    "Lang",
    "MarkdownDocument",
    "Ref",
    "Source",
    "Strong",
    "escape",
    "escape_block",
    "to_docx",
]
