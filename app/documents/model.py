"""The document model: the pieces callers hand a document, and the cleaned structure
that `MarkdownDocument` (app/documents/document.py) builds from them and the writers
(`pandoc_markdown`, `pandoc_ast`) read.

Plain data only: the rules (cleaning, numbering, labels, which blocks may nest) are the
builder's, the syntax is each writer's. Both writers read the same `Outline`, so a
Markdown download and the DOCX made from the AST say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

# Metadata fields a document may carry besides title and lang (all plain strings).
METADATA_FIELDS = ("date", "subtitle", "author", "subject", "description", "keywords")
EMPTY = "-"  # what an item that must show something shows when it has no text


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


@dataclass(frozen=True)
class Footnote:
    """A footnote whose mark stands at this point of the line (see `MarkdownDocument`
    for where it falls around punctuation); several sources make one note citing all,
    "A; B"."""

    source: Source | str | tuple[Source | str, ...]


@dataclass(frozen=True)
class Lang:
    """Text in another language than the document's (a BCP 47 tag)."""

    text: str
    lang: str


Inline = str | Emph | Strong | Ref | Footnote | Lang
# Plain text (paragraphs allowed where blocks are), or one line of inline pieces.
Text = str | Sequence[Inline]
Citation = Source | str


# -- the structure both writers read --------------------------------------------------

RunKind = Literal["text", "emph", "strong", "ref", "note"]
TEXT: RunKind = "text"
EMPH: RunKind = "emph"
STRONG: RunKind = "strong"
REF: RunKind = "ref"
NOTE: RunKind = "note"  # a footnote mark: its number as the text
# A run: its kind, its cleaned text, and its language when not the document's (else "").
Run = tuple[RunKind, str, str]
BlockKind = Literal["header", "para", "quote", "item", "bullets", "table"]
# A footnote: for each source it cites (one, or several at one point), cleaned text and
# an address checked to be one of ours (else None).
Note = tuple[tuple[str, str | None], ...]


@dataclass(slots=True)
class Content:
    """Cleaned text: several paragraphs (`block`), or one line of runs (footnote marks
    among them); then the numbers of the footnotes after its last word."""

    block: str | None = None
    runs: list[Run] | None = None
    notes: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.block or self.runs or self.notes)


@dataclass(slots=True)
class Block:
    kind: BlockKind
    content: Content | None = None
    level: int = 0  # header level; item number
    children: list[Block] = field(default_factory=list)  # an item's blocks after its first
    items: list[Content] = field(default_factory=list)  # bullets
    cells: list[list[str]] = field(default_factory=list)  # table: header row, then rows


@dataclass(slots=True)
class Outline:
    """A whole document as a writer reads it: metadata, blocks, footnotes numbered from 1."""

    title: str
    lang: str
    metadata: dict[str, str]
    blocks: list[Block]
    notes: list[Note]
