"""What someone typed into a search box, as terms both databases can look for.

Nothing typed reaches a database's query syntax: words are taken out of the text (letters
and digits only) and each back end builds its own query from them, with every word
quoted or bound. So FTS5 operators, lone quotes, NUL, controls and right-to-left marks
are only characters, and the work a query asks for is bounded by MAX_WORDS.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from app.fulltext.words import WORD

MAX_LENGTH = 300  # characters, as typed
MAX_WORDS = 12  # words looked for or left out, phrases' words included

# A phrase in quotes (the closing quote may be missing), or a run of anything else.
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


class QueryProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too-long"
    TOO_MANY_WORDS = "too-many-words"
    ONLY_EXCLUDED = "only-excluded"


@dataclass(frozen=True)
class Term:
    """One word, or several that must follow each other (a phrase)."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class SearchQuery:
    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()
    problem: QueryProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def words(self) -> tuple[str, ...]:
        """Every word looked for (highlighted in results), in the order typed."""
        return tuple(dict.fromkeys(w for term in self.include for w in term.words))


def _cleaned(raw: str) -> str:
    # Controls, format characters (bidi marks, zero-width) and U+FFFD (what invalid
    # UTF-8 decodes to) are no part of any word.
    text = unicodedata.normalize("NFC", raw)
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch == "\ufffd" else ch
        for ch in text
    )


def parse(raw: str) -> SearchQuery:
    """Words, "phrases in quotes" and -excluded words (or -"phrases") of a search."""
    if len(raw) > MAX_LENGTH:
        return SearchQuery(problem=QueryProblem.TOO_LONG)
    include: dict[Term, None] = {}
    exclude: dict[Term, None] = {}
    count = 0
    for match in _CHUNK.finditer(_cleaned(raw)):
        minus, phrase, bare_minus, bare = match.groups()
        words = tuple(w.lower() for w in WORD.findall(phrase if phrase is not None else bare))
        if not words:
            continue
        count += len(words)
        # "low-income" or "l'éducation" typed bare: its words, one after the other.
        term = Term(words)
        (exclude if (minus or bare_minus) else include)[term] = None
    if count > MAX_WORDS:
        return SearchQuery(problem=QueryProblem.TOO_MANY_WORDS)
    if not include:
        problem = QueryProblem.ONLY_EXCLUDED if exclude else QueryProblem.EMPTY
        return SearchQuery(problem=problem)
    return SearchQuery(tuple(include), tuple(t for t in exclude if t not in include))
