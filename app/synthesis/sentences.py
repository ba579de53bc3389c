"""Sentences of a comment's text, as character offsets into it.

A passage proposed to a moderator is one of these spans, verbatim: it becomes an excerpt
(curation.service.mark_excerpt) by the same offsets. A sentence ends at . ! ? or … (and
any closing quotes or brackets) before white space and a capital, a digit or an opening
mark, or at a line break; a lower-case word after a full stop ("e.g. the", "p. ej. la")
keeps the sentence going.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s+[\"'«“¿¡(\[]?[\w])|\n+")
_WORDS = re.compile(r"\w+")
MIN_WORDS = 4  # shorter pieces ("Thank you.") are no passage on their own
MAX_CHARS = 600  # a "sentence" longer than this is cut at its last comma or space before


def spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence of at least MIN_WORDS words, stripped of white space."""
    found: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        after = text[match.end() :].lstrip()
        if match.group().strip() and after[:1].islower():
            continue
        found.append((start, match.end()))
        start = match.end()
    found.append((start, len(text)))
    out = []
    for begin, end in found:
        for piece in _bounded(text, begin, end):
            stripped = _strip(text, *piece)
            if stripped and len(_WORDS.findall(text[stripped[0] : stripped[1]])) >= MIN_WORDS:
                out.append(stripped)
    return out


def _bounded(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    while end - begin > MAX_CHARS:
        window = text[begin : begin + MAX_CHARS]
        cut = max(window.rfind(", "), window.rfind("; "))
        cut = cut + 1 if cut > MAX_CHARS // 2 else window.rfind(" ")
        if cut <= 0:
            cut = MAX_CHARS
        pieces.append((begin, begin + cut))
        begin += cut
    pieces.append((begin, end))
    return pieces


def _strip(text: str, begin: int, end: int) -> tuple[int, int] | None:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return (begin, end) if end > begin else None
