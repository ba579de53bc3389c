"""The AST writer: an `Outline` (app/documents/model.py) as pandoc's JSON AST.

What app/documents/docx.py hands pandoc (`-f json`): pandoc then skips its Markdown
reader, the slow half of making a DOCX, and user text arrives as `Str` nodes that nothing
can parse. The blocks are those pandoc reads from the Markdown writer's output, list
tightness included (tests/documents compares the two).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.documents.escaping import clean_inline
from app.documents.model import EMPH, EMPTY, NOTE, STRONG, Block, Content, Note, Outline

_WRAPS = {EMPH: "Emph", STRONG: "Strong"}
_NEWLINE = "\n"
_SPACE = {"t": "Space"}
_LINE_BREAK = {"t": "LineBreak"}
_ALIGN_LEFT = {"t": "AlignLeft"}
_ALIGN_RIGHT = {"t": "AlignRight"}


def _str(text: str) -> dict[str, Any]:
    return {"t": "Str", "c": text}


def _inlines(
    content: Content, notes: list[Note], *, fill: bool = False
) -> list[list[dict[str, Any]]]:
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
        for kind, run, lang in content.runs:
            if kind == NOTE:
                inlines.append(_note(notes, int(run)))
                continue
            wrap = _WRAPS.get(kind)
            inline = {"t": wrap, "c": [_str(run)]} if wrap else _str(run)
            if lang:
                # Pandoc's DOCX writer gives the span's runs their w:lang.
                inline = {"t": "Span", "c": [["", [], [["lang", lang]]], [inline]]}
            inlines.append(inline)
        paragraphs.append(inlines)
    if fill and not paragraphs:
        paragraphs.append([_str(EMPTY)])
    if content.notes:
        if not paragraphs:
            paragraphs.append([])
        paragraphs[-1].extend(_note(notes, n) for n in content.notes)
    return paragraphs


def _note(notes: list[Note], number: int) -> dict[str, Any]:
    inlines: list[dict[str, Any]] = []
    for text, url in notes[number - 1]:
        if inlines:
            inlines += [_str(";"), _SPACE]
        part: list[dict[str, Any]] = [_str(text or EMPTY)]
        if url:
            link = {"t": "Link", "c": [["", ["uri"], []], [_str(url)], [url, ""]]}
            part = [*part, _SPACE, link] if text else [link]
        inlines += part
    return {"t": "Note", "c": [{"t": "Para", "c": inlines or [_str(EMPTY)]}]}


def _block(block: Block, notes: list[Note]) -> list[dict[str, Any]]:
    kind = block.kind
    if kind == "header":
        assert block.content is not None
        inlines = _inlines(block.content, notes, fill=True)
        return [{"t": "Header", "c": [block.level, ["", [], []], inlines[0]]}]
    if kind in ("para", "quote"):
        assert block.content is not None
        paras = [{"t": "Para", "c": i} for i in _inlines(block.content, notes)]
        return paras if kind == "para" else [{"t": "BlockQuote", "c": paras}]
    if kind == "item":
        assert block.content is not None
        inlines = _inlines(block.content, notes, fill=True)
        item = [{"t": "Para", "c": i} for i in inlines]
        for child in block.children:
            item.extend(_block(child, notes))
        return [item]  # type: ignore[list-item]  # an item, gathered by the caller
    if kind == "bullets":
        items = [[{"t": "Plain", "c": _inlines(i, notes)[0]}] for i in block.items]
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


def render(outline: Outline, api_version: Sequence[int]) -> dict[str, Any]:
    """The document as pandoc's JSON AST (for `pandoc -f json`), one `Str` per run."""
    notes = outline.notes
    blocks: list[dict[str, Any]] = []
    for block in outline.blocks:
        if block.kind == "item":
            item = _block(block, notes)[0]
            previous = blocks[-1] if blocks else None
            # Numbered paragraphs one after the other make one list, as in Markdown.
            if previous and previous.get("_numbered"):
                previous["c"][1].append(item)
            else:
                attrs = [block.level, {"t": "DefaultStyle"}, {"t": "DefaultDelim"}]
                blocks.append({"t": "OrderedList", "c": [attrs, [item]], "_numbered": True})
            continue
        new = _block(block, notes)
        previous = blocks[-1] if blocks else None
        if block.kind == "bullets" and previous and previous["t"] == "BulletList":
            # Markdown merges adjacent lists, into a "loose" one (Para, not Plain).
            previous["c"].extend(new[0]["c"])
            for item in previous["c"]:
                item[0] = {"t": "Para", "c": item[0]["c"]}
        else:
            blocks.extend(new)
    for written in blocks:
        if written.pop("_numbered", None):
            items = written["c"][1]
            # A list of one one-paragraph item is "tight" to pandoc: Plain, not Para.
            if len(items) == 1 and len(items[0]) == 1 and items[0][0]["t"] == "Para":
                items[0][0] = {"t": "Plain", "c": items[0][0]["c"]}
    meta = {"title": outline.title, "lang": outline.lang, **outline.metadata}
    return {
        "pandoc-api-version": list(api_version),
        "meta": {
            key: {"t": "MetaInlines", "c": [_str(clean_inline(value))]}
            for key, value in meta.items()
            if clean_inline(value)
        },
        "blocks": blocks,
    }
