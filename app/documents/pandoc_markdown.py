"""The Markdown writer: an `Outline` (app/documents/model.py) as pandoc Markdown.

Text in the outline is already cleaned; here it is escaped (app/documents/escaping.py),
so it shows literally whatever it holds. The output uses only what app/documents/docx.py
leaves pandoc's reader on: a YAML metadata block, headings, paragraphs with hard line
breaks, emphasis, numbered items that state their own number, bullets, block quotes, pipe
tables, footnotes, autolinks and spans that say a language (`[texto]{lang=es}`).
"""

from __future__ import annotations

from app.documents.escaping import (
    backslashed,
    escape,
    escape_cleaned_block,
    escaped_run,
    line_started,
)
from app.documents.model import EMPH, EMPTY, NOTE, STRONG, Block, Content, Note, Outline

_MARKS = {EMPH: "*", STRONG: "**"}
_NEWLINE = "\n"


def _content(content: Content, newline: str, *, fill: bool = False) -> str:
    if content.block is not None:
        text = escape_cleaned_block(content.block, newline)
    else:
        parts: list[str] = []
        for n, (kind, run, lang) in enumerate(content.runs or ()):
            if kind == NOTE:
                opening = f"[^{run}]"
            else:
                mark = _MARKS.get(kind, "")
                escaped = escaped_run(run)
                if n == 0:
                    escaped = line_started(escaped)
                opening = f"{mark}{escaped}{mark}"
                if lang:
                    opening = f"[{opening}]{{lang={lang}}}"
            if opening[:1] == "[" and parts and parts[-1][-1:] == "!":
                parts[-1] = parts[-1][:-1] + "\\!"  # "![" would open an image
            parts.append(opening)
        text = "".join(parts)
    if fill and not text:
        text = "\\" + EMPTY
    if not content.notes:
        return text
    return text + "".join([f"[^{n}]" for n in content.notes])


def _block(block: Block, indent: str = "") -> str:
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
        parts = [marker + _content(block.content, inner_newline, fill=True)]
        parts += [_block(child, inner) for child in block.children]
        # A white-space-only line (blank to Markdown) between the item's blocks.
        return (inner_newline + inner_newline).join(parts)
    if kind == "header":
        assert block.content is not None
        return "#" * block.level + " " + _content(block.content, newline, fill=True)
    if kind == "para":
        assert block.content is not None
        return _content(block.content, newline)
    if kind == "quote":
        assert block.content is not None
        return "> " + _content(block.content, newline + "> ")
    if kind == "bullets":
        return newline.join(f"- {_content(item, newline)}" for item in block.items)
    # A pipe table.
    header, *rows = block.cells
    rule = "|" + "|".join([":---", *["---:"] * (len(header) - 1)]) + "|"
    lines = [header, *rows]
    table = ["| " + " | ".join(backslashed(cell) for cell in row) + " |" for row in lines]
    return newline.join([table[0], rule, *table[1:]])


def render(outline: Outline) -> str:
    """The document as pandoc Markdown (YAML metadata block, blocks, footnotes)."""
    meta = {"title": outline.title, "lang": outline.lang, **outline.metadata}
    head = ["---", *(f"{key}: {_yaml(escape(value))}" for key, value in meta.items()), "---"]
    blocks = [_block(block) for block in outline.blocks]
    notes = [f"[^{n}]: {_note(note)}" for n, note in enumerate(outline.notes, start=1)]
    return "\n\n".join(["\n".join(head), *blocks, *notes]) + "\n"


def _note(note: Note) -> str:
    """A footnote's text: each source it cites, with its link, apart by "; "."""
    parts = []
    for text, url in note:
        body = escaped_run(text)
        if url:
            body = f"{body} <{url}>" if body else f"<{url}>"
        parts.append(body or "\\" + EMPTY)
    return line_started("; ".join(parts)) or "\\" + EMPTY


def _yaml(escaped: str) -> str:
    # A single-quoted YAML scalar holds everything as it is (backslashes too); only ' is
    # doubled. Pandoc then reads the value as Markdown, so it holds the same escapes as
    # any text (few: ordinary punctuation is left alone).
    return "'" + escaped.replace("'", "''") + "'"
