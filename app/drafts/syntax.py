"""A draft's text: sections written in a small line syntax, parsed into blocks.

Moderators write each section as plain text:

    A paragraph, citing a comment [c:12], an excerpt [e:5], or a comment in its
    author's own translation into Spanish [c:12/es].

    ## A headline: a conclusion, a question or a theme
    - a bullet, with its source [c:7]
    > a quotation [e:3]

Blank lines separate blocks. A citation stands where it is written: its footnote goes
there (docs/notes.md says where the mark falls around punctuation), and markers written
one after the other make one footnote. Nothing else is special: the export escapes every
other character, so what a moderator (or a quoted participant) wrote cannot become
structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# [c:N], [c:N/xx] (the author's own translation into xx) or [e:N].
CITATION = re.compile(r"\[(?:(c):(\d{1,10})(?:/([a-z]{2,3}))?|(e):(\d{1,10}))\]")
# Markers one after the other, white space between them allowed: one citation point.
_POINT = re.compile(rf"(?:{CITATION.pattern}\s*)*{CITATION.pattern}")
WORD = re.compile(r"\w+(?:['’\-]\w+)*")

BlockKind = Literal["paragraph", "heading", "bullets", "quote"]


@dataclass(frozen=True)
class Citation:
    kind: Literal["c", "e"]  # a comment, or an excerpt of one
    id: int
    lang: str | None = None  # a comment quoted in its author's translation into this language

    @property
    def key(self) -> str:
        base = f"{self.kind}:{self.id}"
        return base if self.lang is None else "/".join((base, self.lang))


@dataclass(frozen=True)
class Point:
    """Where citations were written in a text: one footnote there, citing them all."""

    citations: tuple[Citation, ...]


@dataclass
class Inline:
    """Text with the citations written inside it: `parts` in order (text, and the points
    where citations stand), `text` the words alone, `citations` every one in order."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    parts: list[str | Point] = field(default_factory=list)


@dataclass
class Block:
    kind: BlockKind
    items: list[Inline]  # one for paragraphs, headings and quotes; several for bullets


def _citation(match: re.Match[str]) -> Citation:
    if match.group(1):
        return Citation("c", int(match.group(2)), match.group(3))
    return Citation("e", int(match.group(5)))


# A point, and the white space around it when punctuation follows ("behind [c:1].").
_BEFORE_PUNCTUATION = re.compile(r"\s*\x00\s*(?=[.,;:!?…])")


def inline(raw: str) -> Inline:
    parts: list[str | Point] = []
    cites: list[Citation] = []
    at = 0
    for found in _POINT.finditer(raw):
        if found.start() > at:
            parts.append(raw[at : found.start()])
        point = tuple(_citation(m) for m in CITATION.finditer(found.group()))
        parts.append(Point(point))
        cites.extend(point)
        at = found.end()
    if at < len(raw):
        parts.append(raw[at:])
    if not cites:
        return Inline(" ".join(raw.split()), cites, parts)
    # The words alone: where a marker stood before punctuation, no space is left.
    words = _BEFORE_PUNCTUATION.sub("", _POINT.sub("\x00", raw)).replace("\x00", " ")
    return Inline(" ".join(words.split()), cites, parts)


def parse(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", [inline(" ".join(paragraph))]))
            paragraph.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("## "):
            flush()
            blocks.append(Block("heading", [inline(stripped[3:])]))
        elif stripped.startswith(("- ", "* ")):
            flush()
            item = inline(stripped[2:])
            if blocks and blocks[-1].kind == "bullets":
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("bullets", [item]))
        elif stripped.startswith(">"):
            flush()
            blocks.append(Block("quote", [inline(stripped[1:])]))
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def citations(text: str) -> list[Citation]:
    """Every citation in order of first appearance."""
    seen: dict[str, Citation] = {}
    for m in CITATION.finditer(text):
        cite = _citation(m)
        seen.setdefault(cite.key, cite)
    return list(seen.values())


def word_count(text: str) -> int:
    return len(WORD.findall(CITATION.sub(" ", text.replace("## ", " "))))


@dataclass
class Content:
    """What a draft stores: section texts by key, what each citation read when cited, and
    the title block's fields (app/drafts/title_block.py reads them)."""

    sections: dict[str, str]
    cited: dict[str, str]  # citation key → fingerprint of the source text when first cited
    title_block: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: dict[str, object]) -> Content:
        sections = raw.get("sections") or {}
        cited = raw.get("cited") or {}
        block = raw.get("title_block") or {}
        assert isinstance(sections, dict)
        assert isinstance(cited, dict)
        assert isinstance(block, dict)
        return cls(
            {str(k): str(v) for k, v in sections.items()},
            {str(k): str(v) for k, v in cited.items()},
            {str(k): str(v) for k, v in block.items()},
        )

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"sections": dict(self.sections), "cited": dict(self.cited)}
        if self.title_block:
            data["title_block"] = dict(self.title_block)
        return data

    def words(self) -> int:
        return sum(word_count(t) for t in self.sections.values())
