"""Documents built from untrusted text, written as pandoc Markdown or as a pandoc AST.

User text is never markup. In Markdown, `escape` is the wall: it backslash-escapes every
ASCII punctuation character (pandoc's `all_symbols_escapable`), so no emphasis, link,
image, footnote, citation, raw HTML/TeX, raw attribute, table cell, math, entity or list
marker can start inside user text, and it collapses white space, so no line-start
construct (heading, list, quote, code block, setext underline, table rule) can either.
In the AST, user text is a `Str` and nothing else can be. `MarkdownDocument` keeps one
structure and renders both, so a Markdown download and the DOCX made from the AST say
the same thing (tests/documents checks that pandoc reads the one into the other).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# ASCII punctuation: exactly the characters pandoc lets a backslash make literal. The
# backslash goes first, so the escapes added after it are not escaped again.
_PUNCTUATION = "\\" + string.punctuation.replace("\\", "")
# White space that Markdown reads as structure (newlines, tabs, runs of spaces, Unicode
# line separators) besides the single space. NBSP and other Unicode spaces are text
# (French typography needs them).
_ODD_SPACES = "\t\f\v\x85\u2028\u2029"
_LINE_BREAKS = "\r\n"
# Control characters (no place in a document, and invalid in DOCX's XML) and lone halves
# of surrogate pairs (not encodable).
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Only addresses we build ourselves become links; anything else stays text.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_NEWLINE = "\n"
_EMPTY = "-"  # what an item that must show something shows when it has no text

# Metadata fields a document may carry besides title and lang (all plain strings).
METADATA_FIELDS = ("date", "subtitle", "author", "subject", "description", "keywords")


# -- text -----------------------------------------------------------------------------


def _backslashed(text: str) -> str:
    # One C-speed replace per punctuation character present: the fastest way in CPython
    # (a digest escapes megabytes).
    for char in _PUNCTUATION:
        if char in text:
            text = text.replace(char, "\\" + char)
    return text


@lru_cache(maxsize=16384)
def _escaped_short(text: str) -> str:
    return _backslashed(text)


def _escaped_run(text: str) -> str:
    """Punctuation escaped; short runs (names, dates, separators) recur, so cached."""
    return _escaped_short(text) if len(text) <= 120 else _backslashed(text)


def _single_spaces(text: str, *, keep_newlines: bool) -> str:
    """Every other kind of white space as a space, runs of spaces as one (C-speed
    replaces: a regex over megabytes of comments is several times slower)."""
    for char in _ODD_SPACES if keep_newlines else _ODD_SPACES + _LINE_BREAKS:
        if char in text:
            text = text.replace(char, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def clean_inline(text: str) -> str:
    """Text as one line: no control characters, white space runs as one space, trimmed."""
    if not text.isprintable():  # controls, line breaks, tabs, Unicode separators
        text = _single_spaces(_JUNK.sub("", text), keep_newlines=False)
    elif "  " in text:
        text = _single_spaces(text, keep_newlines=False)
    return text.strip(" ")


@lru_cache(maxsize=8192)
def _clean_short(text: str) -> str:
    return clean_inline(text)


@lru_cache(maxsize=8192)
def _text_run_short(text: str) -> str:
    inner = clean_inline(text)
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return f"{lead}{inner}{trail}".replace("  ", " ")


def _text_run(text: str) -> str:
    """A text piece of a line, cleaned, keeping one space at an edge that had some.
    Short ones (separators, dates, names, languages) recur in every caption: cached."""
    if len(text) <= 120:
        return _text_run_short(text)
    return _text_run_short.__wrapped__(text)


def clean_block(text: str) -> str:
    """Multi-line text with paragraphs apart by exactly one blank line ("\\n\\n") and
    their lines by "\\n": no control characters, no blank or white-space-only lines, each
    line trimmed, white space runs as one space. "" when nothing is left."""
    text = _JUNK.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _single_spaces(text, keep_newlines=True)
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    text = text.strip(" \n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def escape(text: str) -> str:
    """Any text as inert inline pandoc Markdown: one line, all punctuation escaped.

    Markdown syntax in the text shows literally; runs of white space (newlines included)
    become one space, and leading and trailing white space is dropped.
    """
    return _backslashed(clean_inline(text))


def _escape_cleaned_block(text: str, newline: str = _NEWLINE) -> str:
    """Cleaned text escaped, its line breaks made hard breaks; `newline` starts each
    line after the first (a newline and the indentation or "> " of where it goes)."""
    text = _backslashed(text)
    if _NEWLINE not in text:
        return text
    # \x00 cannot be in cleaned text (it is junk): it holds the paragraph breaks aside.
    text = text.replace("\n\n", "\x00").replace("\n", "\\" + newline)
    return text.replace("\x00", newline + newline)


def escape_block(text: str) -> str:
    """Multi-line text as inert Markdown blocks: paragraphs (split at blank lines) apart
    by one blank line, the lines of a paragraph joined by hard line breaks (so a list or
    an address someone typed keeps its shape, as text), every line escaped. "" if empty.
    """
    return _escape_cleaned_block(clean_block(text))


# -- what callers pass ----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What a footnote cites: a sentence, and optionally the address of the cited item."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Emph:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Ref:
    """The number of an earlier numbered paragraph, by its label."""

    label: str


Inline = str | Emph | Strong | Ref
# Plain text (paragraphs allowed where blocks are), or one line of inline pieces.
Text = str | Sequence[Inline]
Citation = Source | str


# -- the structure both renderers read --------------------------------------------------

_TEXT, _EMPH, _STRONG, _REF = "text", "emph", "strong", "ref"
_MARKS = {_EMPH: "*", _STRONG: "**"}
_WRAPS = {_EMPH: "Emph", _STRONG: "Strong"}


@dataclass(slots=True)
class _Content:
    """Cleaned text: several paragraphs (`block`), or one line of (kind, text) runs;
    then the numbers of the footnotes after its last word."""

    block: str | None = None
    runs: list[tuple[str, str]] | None = None
    notes: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.block or self.runs or self.notes)


@dataclass(slots=True)
class _Block:
    kind: str  # header, para, quote, item, bullets, table
    content: _Content | None = None
    level: int = 0  # header level; item number
    children: list[_Block] = field(default_factory=list)  # an item's blocks after its first
    items: list[_Content] = field(default_factory=list)  # bullets
    cells: list[list[str]] = field(default_factory=list)  # table: header row, then rows


class MarkdownDocument:
    """Headings, paragraphs, paragraphs numbered across the whole document, quotes, lists
    and tables, each with footnotes citing their sources; rendered as pandoc Markdown
    (`render`) or as pandoc's JSON AST (`render_ast`, what DOCX export reads).

    Numbering runs on through headings and other blocks. Blocks added with
    `in_item=True` belong to the numbered paragraph just above them (a comment's later
    paragraphs, its translations).
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
        self._blocks: list[_Block] = []
        self._notes: list[tuple[str, str | None]] = []  # cleaned text, checked address
        self._numbers: dict[str, int] = {}  # label -> number of a numbered paragraph
        self.numbered_count = 0

    # -- building -----------------------------------------------------------------------

    def _content(self, text: Text, citations: Sequence[Citation] = ()) -> _Content:
        if isinstance(text, str):
            content = _Content(block=clean_block(text))
        else:
            content = _Content(runs=self._runs(text))
        return self._cited(content, citations)

    def _cited(self, content: _Content, citations: Sequence[Citation]) -> _Content:
        for citation in citations:
            source = citation if isinstance(citation, Source) else Source(citation)
            url = source.url if source.url and _URL.fullmatch(source.url) else None
            self._notes.append((clean_inline(source.text), url))
            content.notes.append(len(self._notes))
        return content

    def _runs(self, pieces: Sequence[Inline]) -> list[tuple[str, str]]:
        """Inline pieces as runs: text runs merged, white space single, ends trimmed."""
        runs: list[tuple[str, str]] = []
        for piece in pieces:
            if isinstance(piece, str):
                kind, text = _TEXT, _text_run(piece)
            elif isinstance(piece, Ref):
                if piece.label not in self._numbers:
                    raise ValueError(f"no numbered paragraph labelled {piece.label!r}")
                # Apart from the text around it, which then recurs (and is cached).
                kind, text = _REF, f"({self._numbers[piece.label]})"
            else:
                kind = _EMPH if isinstance(piece, Emph) else _STRONG
                text = (
                    _clean_short(piece.text) if len(piece.text) <= 120 else clean_inline(piece.text)
                )
            if not text:
                continue
            if runs and runs[-1][0] == kind and kind != _REF:
                # One run per kind in a row: "*a**b*" would not read as emphasis.
                runs[-1] = (kind, (runs[-1][1] + text).replace("  ", " "))
            else:
                runs.append((kind, text))
        if runs and runs[0][0] == _TEXT:
            runs[0] = (_TEXT, runs[0][1].lstrip(" "))
        if runs and runs[-1][0] == _TEXT:
            runs[-1] = (_TEXT, runs[-1][1].rstrip(" "))
        return [run for run in runs if run[1]]

    def _add(self, block: _Block, *, in_item: bool) -> None:
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
        content = _Content(runs=self._runs([text] if isinstance(text, str) else text))
        self._add(_Block("header", content, level=level), in_item=False)

    def paragraph(
        self, text: Text, citations: Sequence[Citation] = (), *, in_item: bool = False
    ) -> None:
        content = self._content(text, citations)
        if content:
            self._add(_Block("para", content), in_item=in_item)

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
        self._add(_Block("item", content, level=self.numbered_count), in_item=False)
        if label is not None:
            self._numbers[label] = self.numbered_count

    def quote(self, text: Text, citation: Citation | None = None, *, in_item: bool = False) -> None:
        content = self._content(text, [citation] if citation else [])
        if content:
            self._add(_Block("quote", content), in_item=in_item)

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
            content = self._cited(_Content(runs=runs), citations[n] if citations else ())
            if content:
                contents.append(content)
        if contents:
            self._add(_Block("bullets", items=contents), in_item=in_item)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table of plain-text cells; columns after the first align right."""
        width = len(header)
        if width == 0 or any(len(row) != width for row in rows):
            raise ValueError("every row needs one cell per column")
        cells = [[clean_inline(cell) for cell in row] for row in [header, *rows]]
        self._add(_Block("table", cells=cells), in_item=False)

    # -- Markdown -----------------------------------------------------------------------

    def _md_content(self, content: _Content, newline: str, *, fill: bool = False) -> str:
        if content.block is not None:
            text = _escape_cleaned_block(content.block, newline)
        else:
            parts = []
            for kind, run in content.runs or ():
                mark = _MARKS.get(kind, "")
                parts.append(f"{mark}{_escaped_run(run)}{mark}" if mark else _escaped_run(run))
            text = "".join(parts)
        if fill and not text:
            text = "\\" + _EMPTY
        if not content.notes:
            return text
        return text + "".join([f"[^{n}]" for n in content.notes])

    def _md_block(self, block: _Block, indent: str = "") -> str:
        """The block's Markdown; every line after the first starts with `indent` (which
        makes an item's blocks its own; white-space-only lines read as blank)."""
        kind = block.kind
        newline = _NEWLINE + indent
        if kind == "item":
            assert block.content is not None
            marker = f"{block.level}. "
            # Later lines and blocks of the item line up with its first word.
            inner = indent + " " * len(marker)
            inner_newline = _NEWLINE + inner
            parts = [marker + self._md_content(block.content, inner_newline, fill=True)]
            parts += [self._md_block(child, inner) for child in block.children]
            # A white-space-only line (blank to Markdown) between the item's blocks.
            return (inner_newline + inner_newline).join(parts)
        if kind == "header":
            assert block.content is not None
            return "#" * block.level + " " + self._md_content(block.content, newline, fill=True)
        if kind == "para":
            assert block.content is not None
            return self._md_content(block.content, newline)
        if kind == "quote":
            assert block.content is not None
            return "> " + self._md_content(block.content, newline + "> ")
        if kind == "bullets":
            return newline.join(f"- {self._md_content(item, newline)}" for item in block.items)
        # A pipe table.
        header, *rows = block.cells
        rule = "|" + "|".join([":---", *["---:"] * (len(header) - 1)]) + "|"
        lines = [header, *rows]
        table = ["| " + " | ".join(_backslashed(cell) for cell in row) + " |" for row in lines]
        return newline.join([table[0], rule, *table[1:]])

    def render(self) -> str:
        """The document as pandoc Markdown (YAML metadata block, blocks, footnotes)."""
        meta = {"title": self.title, "lang": self.lang, **self.metadata}
        head = ["---", *(f"{key}: {_yaml(escape(value))}" for key, value in meta.items()), "---"]
        blocks = [self._md_block(block) for block in self._blocks]
        notes = [
            f"[^{n}]: {_note_markdown(text, url)}"
            for n, (text, url) in enumerate(self._notes, start=1)
        ]
        return "\n\n".join(["\n".join(head), *blocks, *notes]) + "\n"

    # -- pandoc AST ---------------------------------------------------------------------

    def _ast_inlines(self, content: _Content, *, fill: bool = False) -> list[list[dict[str, Any]]]:
        """The content's paragraphs, each a list of inlines."""
        paragraphs: list[list[dict[str, Any]]] = []
        if content.block:
            for paragraph in content.block.split("\n\n"):
                inlines: list[dict[str, Any]] = []
                for line in paragraph.split(_NEWLINE):
                    if inlines:
                        inlines.append(_LINE_BREAK)
                    inlines.append(_str(line))
                paragraphs.append(inlines)
        elif content.runs:
            inlines = []
            for kind, run in content.runs:
                wrap = _WRAPS.get(kind)
                inlines.append({"t": wrap, "c": [_str(run)]} if wrap else _str(run))
            paragraphs.append(inlines)
        if fill and not paragraphs:
            paragraphs.append([_str(_EMPTY)])
        if content.notes:
            if not paragraphs:
                paragraphs.append([])
            paragraphs[-1].extend(self._ast_note(n) for n in content.notes)
        return paragraphs

    def _ast_note(self, number: int) -> dict[str, Any]:
        text, url = self._notes[number - 1]
        inlines: list[dict[str, Any]] = [_str(text or _EMPTY)]
        if url:
            link = {"t": "Link", "c": [["", ["uri"], []], [_str(url)], [url, ""]]}
            inlines = [*inlines, _SPACE, link] if text else [link]
        return {"t": "Note", "c": [{"t": "Para", "c": inlines}]}

    def _ast_block(self, block: _Block) -> list[dict[str, Any]]:
        kind = block.kind
        if kind == "header":
            assert block.content is not None
            inlines = self._ast_inlines(block.content, fill=True)
            return [{"t": "Header", "c": [block.level, ["", [], []], inlines[0]]}]
        if kind in ("para", "quote"):
            assert block.content is not None
            paras = [{"t": "Para", "c": i} for i in self._ast_inlines(block.content)]
            return paras if kind == "para" else [{"t": "BlockQuote", "c": paras}]
        if kind == "item":
            assert block.content is not None
            inlines = self._ast_inlines(block.content, fill=True)
            item = [{"t": "Para", "c": i} for i in inlines]
            for child in block.children:
                item.extend(self._ast_block(child))
            return [item]  # type: ignore[list-item]  # an item, gathered by the caller
        if kind == "bullets":
            items = [[{"t": "Plain", "c": self._ast_inlines(i)[0]}] for i in block.items]
            return [{"t": "BulletList", "c": items}]
        header, *rows = block.cells
        aligns = [_ALIGN_LEFT, *[_ALIGN_RIGHT] * (len(header) - 1)]
        return [
            {
                "t": "Table",
                "c": [
                    ["", [], []],
                    [None, []],
                    [[align, {"t": "ColWidthDefault"}] for align in aligns],
                    [["", [], []], [_row(header)]],
                    [[["", [], []], 0, [], [_row(row) for row in rows]]],
                    [["", [], []], []],
                ],
            }
        ]

    def render_ast(self, api_version: Sequence[int]) -> dict[str, Any]:
        """The document as pandoc's JSON AST (for `pandoc -f json`), one `Str` per run."""
        blocks: list[dict[str, Any]] = []
        for block in self._blocks:
            if block.kind == "item":
                item = self._ast_block(block)[0]
                previous = blocks[-1] if blocks else None
                # Numbered paragraphs one after the other make one list, as in Markdown.
                if previous and previous.get("_numbered"):
                    previous["c"][1].append(item)
                else:
                    attrs = [block.level, {"t": "DefaultStyle"}, {"t": "DefaultDelim"}]
                    blocks.append({"t": "OrderedList", "c": [attrs, [item]], "_numbered": True})
                continue
            new = self._ast_block(block)
            previous = blocks[-1] if blocks else None
            if block.kind == "bullets" and previous and previous["t"] == "BulletList":
                # Markdown merges adjacent lists, into a "loose" one (Para, not Plain).
                previous["c"].extend(new[0]["c"])
                for item in previous["c"]:
                    item[0] = {"t": "Para", "c": item[0]["c"]}
            else:
                blocks.extend(new)
        for block in blocks:
            if block.pop("_numbered", None):
                items = block["c"][1]
                # A list of one one-paragraph item is "tight" to pandoc: Plain, not Para.
                if len(items) == 1 and len(items[0]) == 1 and items[0][0]["t"] == "Para":
                    items[0][0] = {"t": "Plain", "c": items[0][0]["c"]}
        meta = {"title": self.title, "lang": self.lang, **self.metadata}
        return {
            "pandoc-api-version": list(api_version),
            "meta": {
                key: {"t": "MetaInlines", "c": [_str(clean_inline(value))]}
                for key, value in meta.items()
                if clean_inline(value)
            },
            "blocks": blocks,
        }


_SPACE = {"t": "Space"}
_LINE_BREAK = {"t": "LineBreak"}
_ALIGN_LEFT = {"t": "AlignLeft"}
_ALIGN_RIGHT = {"t": "AlignRight"}


def _str(text: str) -> dict[str, Any]:
    return {"t": "Str", "c": text}


def _row(cells: list[str]) -> list[Any]:
    return [
        ["", [], []],
        [
            [
                ["", [], []],
                {"t": "AlignDefault"},
                1,
                1,
                [{"t": "Plain", "c": [_str(c)]}] if c else [],
            ]
            for c in cells
        ],
    ]


def _note_markdown(text: str, url: str | None) -> str:
    body = _escaped_run(text)
    if url:
        body = f"{body} <{url}>" if body else f"<{url}>"
    return body or "\\" + _EMPTY


def _yaml(escaped: str) -> str:
    # A single-quoted YAML scalar holds backslashes as they are; only ' is doubled.
    # Pandoc then reads the value as Markdown, where the escapes keep it literal.
    return "'" + escaped.replace("'", "''") + "'"
