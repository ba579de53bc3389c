"""The passage of a result that shows why it matched, its matching words marked.

A snippet is plain text cut into segments, some marked: templates escape every segment
and wrap the marked ones in <mark> themselves, so no participant's text ever becomes
markup, whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.fulltext.query import SearchQuery
from app.fulltext.words import variants, words_of

WINDOW_WORDS = 36  # about two lines of a results page
LEAD_WORDS = 6  # words shown before the first match of the window
ELLIPSIS = "…"


@dataclass(frozen=True)
class Segment:
    text: str
    mark: bool = False


def forms_of(lang: str, query: SearchQuery) -> frozenset[str]:
    return frozenset(f for w in query.words for f in variants(lang, w))


def snippet(text: str, lang: str, query: SearchQuery) -> tuple[Segment, ...]:
    """The window of `text` with the most matching words, or its beginning."""
    words = list(words_of(text))
    if not words:
        return (Segment(text),) if text else ()
    forms = forms_of(lang, query)
    marked = [i for i, w in enumerate(words) if forms.intersection(variants(lang, w.text))]
    start = _best_start(marked)
    first = max(0, start - LEAD_WORDS)
    last = min(len(words), first + WINDOW_WORDS) - 1
    segments: list[Segment] = []
    if first > 0:
        segments.append(Segment(ELLIPSIS))
    cursor = words[first].start if first else 0
    for i in (i for i in marked if first <= i <= last):
        word = words[i]
        if word.start > cursor:
            segments.append(Segment(text[cursor : word.start]))
        segments.append(Segment(word.text, mark=True))
        cursor = word.end
    end = words[last].end if last < len(words) - 1 else len(text)
    if end > cursor:
        segments.append(Segment(text[cursor:end]))
    if last < len(words) - 1:
        segments.append(Segment(ELLIPSIS))
    return tuple(segments)


def _best_start(marked: list[int]) -> int:
    """The first match of the window (of WINDOW_WORDS) holding the most matches."""
    if not marked:
        return 0
    best, best_count, j = marked[0], 0, 0
    for i, position in enumerate(marked):
        while marked[j] < position - (WINDOW_WORDS - LEAD_WORDS) + 1:
            j += 1
        # Windows ending at `position`: count them from their first match.
        if i - j + 1 > best_count:
            best, best_count = marked[j], i - j + 1
    return best
