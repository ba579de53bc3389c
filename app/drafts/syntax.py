"""A draft's text: sections written in a small line syntax, parsed into blocks.

Moderators write each section as plain text:

    A paragraph, citing a comment [c:12] or an excerpt [e:5].

    ## A headline: a conclusion, a question or a theme
    - a bullet, with its source [c:7]
    > a quotation [e:3]

Blank lines separate blocks. Nothing else is special: the export escapes every other
character, so what a moderator (or a quoted participant) wrote cannot become structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

CITATION = re.compile(r"\[(c|e):(\d{1,10})\]")
WORD = re.compile(r"\w+(?:['’\-]\w+)*")

BlockKind = Literal["paragraph", "heading", "bullets", "quote"]


@dataclass(frozen=True)
class Citation:
    kind: Literal["c", "e"]  # a comment, or an excerpt of one
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass
class Inline:
    """Text with the citations that were written inside it (markers removed)."""

    text: str
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Block:
    kind: BlockKind
    items: list[Inline]  # one for paragraphs, headings and quotes; several for bullets


def _citation(match: re.Match[str]) -> Citation:
    # CITATION's first group is one of the two kinds, nothing else.
    return Citation("c" if match.group(1) == "c" else "e", int(match.group(2)))


def inline(raw: str) -> Inline:
    cites = [_citation(m) for m in CITATION.finditer(raw)]
    text = " ".join(CITATION.sub("", raw).split())
    return Inline(text, cites)


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
    """What a draft stores: section texts by key, and what each citation read when cited."""

    sections: dict[str, str]
    cited: dict[str, str]  # citation key → fingerprint of the source text when first cited

    @classmethod
    def of(cls, raw: dict[str, object]) -> Content:
        sections = raw.get("sections") or {}
        cited = raw.get("cited") or {}
        assert isinstance(sections, dict)
        assert isinstance(cited, dict)
        return cls(
            {str(k): str(v) for k, v in sections.items()},
            {str(k): str(v) for k, v in cited.items()},
        )

    def to_json(self) -> dict[str, object]:
        return {"sections": dict(self.sections), "cited": dict(self.cited)}

    def words(self) -> int:
        return sum(word_count(t) for t in self.sections.values())
