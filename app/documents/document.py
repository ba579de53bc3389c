"""`MarkdownDocument`: a document built from untrusted text, for pandoc.

Callers add headings, paragraphs numbered across the whole document, quotes, lists and
tables, each with footnotes citing their sources. Text is cleaned once, as it is added
(app/documents/escaping.py), into the structure of app/documents/model.py; `render`
writes it as pandoc Markdown (app/documents/pandoc_markdown.py) and `render_ast` as
pandoc's JSON AST (app/documents/pandoc_ast.py, what DOCX export reads). In Markdown user
text is escaped; in the AST it is a `Str` and nothing else can be. Both come from one
structure, so a Markdown download and the DOCX made from the AST say the same thing
(tests/documents checks that pandoc reads the one into the other).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.documents import pandoc_ast, pandoc_markdown
from app.documents.escaping import clean_block, clean_inline, clean_short, text_run
from app.documents.model import (
    EMPH,
    METADATA_FIELDS,
    NOTE,
    REF,
    STRONG,
    TEXT,
    Block,
    Citation,
    Content,
    Emph,
    Footnote,
    Inline,
    Lang,
    Note,
    Outline,
    Ref,
    Run,
    RunKind,
    Source,
    Text,
)

_LABEL = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Only addresses we build ourselves become links; anything else stays text.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# Where a footnote mark falls at punctuation (docs/notes.md): English puts it after the
# punctuation that ends the clause ("behind.¹"), French and Spanish before it, against
# the word ("derrière¹.", "detrás¹."). Never a space before the mark.
_MARK_BEFORE_PUNCTUATION = frozenset({"fr", "es"})
_PUNCTUATION_AFTER = re.compile(r"^[ \u00a0\u202f]*([.,;:!?…]+)")
_PUNCTUATION_BEFORE = re.compile(r"[ \u00a0\u202f]*[.,;:!?…]+$")


class MarkdownDocument:
    """Headings, paragraphs, paragraphs numbered across the whole document, quotes, lists
    and tables, each with footnotes citing their sources; rendered as pandoc Markdown
    (`render`) or as pandoc's JSON AST (`render_ast`, what DOCX export reads).

    Numbering runs on through headings and other blocks. Blocks added with
    `in_item=True` belong to the numbered paragraph just above them (a comment's later
    paragraphs, its translations).

    A line of pieces may hold `Footnote`s, each a mark at that point, against the text
    before it (no space), on the side of adjacent punctuation the document's language
    puts it (`_placed`), and `Lang` runs, marked with their language.
    """

    def __init__(self, title: str, lang: str, metadata: Mapping[str, str] | None = None) -> None:
        if not _LANG.fullmatch(lang):
            raise ValueError(f"not a language tag: {lang!r}")
        unknown = set(metadata or {}) - set(METADATA_FIELDS)
        if unknown:
            raise ValueError(f"unsupported metadata: {sorted(unknown)}")
        self.title = title
        self.lang = lang
        self.metadata = dict(metadata or {})
        self._blocks: list[Block] = []
        self._notes: list[Note] = []
        self._numbers: dict[str, int] = {}  # label -> number of a numbered paragraph
        self.numbered_count = 0

    # -- building -----------------------------------------------------------------------

    def _content(self, text: Text, citations: Sequence[Citation] = ()) -> Content:
        if isinstance(text, str):
            content = Content(block=clean_block(text))
        else:
            content = Content(runs=self._runs(text))
        return self._cited(content, citations)

    def _note(self, citation: Citation | tuple[Citation, ...]) -> int:
        parts = []
        for each in citation if isinstance(citation, tuple) else (citation,):
            source = each if isinstance(each, Source) else Source(each)
            url = source.url if source.url and _URL.fullmatch(source.url) else None
            parts.append((clean_inline(source.text), url))
        self._notes.append(tuple(parts))
        return len(self._notes)

    def _cited(self, content: Content, citations: Sequence[Citation]) -> Content:
        for citation in citations:
            content.notes.append(self._note(citation))
        return content

    def _runs(self, pieces: Sequence[Inline]) -> list[Run]:
        """Inline pieces as runs: text runs merged, white space single, ends trimmed,
        footnote marks where they stand (`_placed`)."""
        runs: list[Run] = []
        kind: RunKind
        for piece in pieces:
            lang = ""
            if isinstance(piece, str):
                kind, text = TEXT, text_run(piece)
            elif isinstance(piece, Footnote):
                runs.append((NOTE, str(self._note(piece.source)), ""))
                continue
            elif isinstance(piece, Lang):
                if not _LANG.fullmatch(piece.lang):
                    raise ValueError(f"not a language tag: {piece.lang!r}")
                kind, text = TEXT, text_run(piece.text)
                lang = "" if piece.lang == self.lang else piece.lang
                if lang and text != text.strip(" "):
                    # Spaces at a span's edges go outside it, where Markdown puts them.
                    if text[:1] == " " and runs and runs[-1][1][-1:] != " ":
                        last = runs[-1]
                        if last[0] == TEXT and not last[2]:
                            runs[-1] = (TEXT, last[1] + " ", "")
                        else:
                            runs.append((TEXT, " ", ""))
                    if text.strip(" "):
                        runs.append((TEXT, text.strip(" "), lang))
                    if text[-1:] == " " and len(text) > 1:
                        runs.append((TEXT, " ", ""))
                    continue
            elif isinstance(piece, Ref):
                if piece.label not in self._numbers:
                    raise ValueError(f"no numbered paragraph labelled {piece.label!r}")
                # Apart from the text around it, which then recurs (and is cached).
                kind, text = REF, f"({self._numbers[piece.label]})"
            else:
                kind = EMPH if isinstance(piece, Emph) else STRONG
                text = (
                    clean_short(piece.text) if len(piece.text) <= 120 else clean_inline(piece.text)
                )
            if not text:
                continue
            if runs and runs[-1][0] == kind and runs[-1][2] == lang and kind != REF:
                # One run per kind in a row: "*a**b*" would not read as emphasis.
                runs[-1] = (kind, (runs[-1][1] + text).replace("  ", " "), lang)
            else:
                if runs and text[:1] == " " and runs[-1][1][-1:] == " ":
                    text = text[1:]
                runs.append((kind, text, lang))
        if runs and runs[0][0] == TEXT:
            runs[0] = (TEXT, runs[0][1].lstrip(" "), runs[0][2])
        if runs and runs[-1][0] == TEXT:
            runs[-1] = (TEXT, runs[-1][1].rstrip(" "), runs[-1][2])
        if any(run[0] == NOTE for run in runs):
            runs = self._placed(runs)
        return [run for run in runs if run[1]]

    def _placed(self, runs: list[Run]) -> list[Run]:
        """Footnote marks against the text before them, on the side of adjacent
        punctuation the document's language puts them."""
        before = self.lang.split("-")[0].lower() in _MARK_BEFORE_PUNCTUATION
        out: list[Run] = []
        i = 0
        while i < len(runs):
            if runs[i][0] != NOTE:
                out.append(runs[i])
                i += 1
                continue
            j = i
            while j < len(runs) and runs[j][0] == NOTE:
                j += 1
            marks = runs[i:j]
            after = runs[j] if j < len(runs) and runs[j][0] == TEXT else None
            moved = ""
            if out and out[-1][0] == TEXT:
                kind, text, lang = out[-1]
                text = text.rstrip(" ")
                found = _PUNCTUATION_BEFORE.search(text) if before else None
                if found:
                    moved, text = found.group().lstrip(" "), text[: found.start()]
                out[-1] = (kind, text, lang)
            if not before and after is not None and (found := _PUNCTUATION_AFTER.match(after[1])):
                if out and out[-1][0] == TEXT:
                    out[-1] = (TEXT, out[-1][1] + found.group(1), out[-1][2])
                else:
                    out.append((TEXT, found.group(1), after[2]))
                runs[j] = (TEXT, after[1][found.end() :], after[2])
            out.extend(marks)
            if moved:
                if after is not None:
                    runs[j] = (TEXT, moved + after[1], after[2])
                else:
                    out.append((TEXT, moved, ""))
            i = j
        return out

    def _add(self, block: Block, *, in_item: bool) -> None:
        if not in_item:
            self._blocks.append(block)
            return
        last = self._blocks[-1] if self._blocks else None
        if last is None or last.kind != "item":
            raise ValueError("in_item needs a numbered paragraph just before")
        last.children.append(block)

    def heading(self, level: int, text: Text) -> None:
        if not 1 <= level <= 6:
            raise ValueError("heading levels run from 1 to 6")
        content = Content(runs=self._runs([text] if isinstance(text, str) else text))
        self._add(Block("header", content, level=level), in_item=False)

    def paragraph(
        self, text: Text, citations: Sequence[Citation] = (), *, in_item: bool = False
    ) -> None:
        content = self._content(text, citations)
        if content:
            self._add(Block("para", content), in_item=in_item)

    def numbered(
        self, text: Text, citations: Sequence[Citation] = (), *, label: str | None = None
    ) -> None:
        """A paragraph numbered in sequence with every other in the document.

        Each is an ordered-list item that states its own number, so numbering runs on
        through headings and other blocks; `Ref(label)` writes the number elsewhere.
        (Pandoc's example lists would number alike, but the extension they need makes
        pandoc read a long document three times slower.)
        """
        if label is not None and (not _LABEL.fullmatch(label) or label in self._numbers):
            raise ValueError(f"bad or repeated label: {label!r}")
        content = self._content(text, citations)
        self.numbered_count += 1
        self._add(Block("item", content, level=self.numbered_count), in_item=False)
        if label is not None:
            self._numbers[label] = self.numbered_count

    def restart_numbering(self) -> None:
        """Number the next numbered paragraph 1 again (a new section that counts afresh)."""
        self.numbered_count = 0

    def quote(self, text: Text, citation: Citation | None = None, *, in_item: bool = False) -> None:
        content = self._content(text, [citation] if citation else [])
        if content:
            self._add(Block("quote", content), in_item=in_item)

    def bullets(
        self,
        items: Sequence[Text],
        citations: Sequence[Sequence[Citation]] = (),
        *,
        in_item: bool = False,
    ) -> None:
        """A bullet list, one line per item; `citations`, if given, has one list per item."""
        if citations and len(citations) != len(items):
            raise ValueError("one list of citations per item")
        contents = []
        for n, item in enumerate(items):
            runs = self._runs([item] if isinstance(item, str) else item)
            content = self._cited(Content(runs=runs), citations[n] if citations else ())
            if content:
                contents.append(content)
        if contents:
            self._add(Block("bullets", items=contents), in_item=in_item)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table of plain-text cells; columns after the first align right."""
        width = len(header)
        if width == 0 or any(len(row) != width for row in rows):
            raise ValueError("every row needs one cell per column")
        cells = [[clean_inline(cell) for cell in row] for row in [header, *rows]]
        self._add(Block("table", cells=cells), in_item=False)

    # -- writing ------------------------------------------------------------------------

    def _outline(self) -> Outline:
        return Outline(self.title, self.lang, self.metadata, self._blocks, self._notes)

    def render(self) -> str:
        """The document as pandoc Markdown (YAML metadata block, blocks, footnotes)."""
        return pandoc_markdown.render(self._outline())

    def render_ast(self, api_version: Sequence[int]) -> dict[str, Any]:
        """The document as pandoc's JSON AST (for `pandoc -f json`), one `Str` per run."""
        return pandoc_ast.render(self._outline(), api_version)
