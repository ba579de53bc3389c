"""The passage of a result that shows why it matched, its matching words marked.

A snippet is plain text cut into segments, some marked: templates escape every segment
and wrap the marked ones in <mark> themselves, so no participant's text ever becomes
markup, whatever it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.fulltext.query import SearchQuery
from app.fulltext.words import WORD, variants

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
    # Offsets, not Word records: a page of results runs this over thousands of words.
    spans = [match.span() for match in WORD.finditer(text)]
    if not spans:
        return (Segment(text),) if text else ()
    forms = forms_of(lang, query)
    # Stemming and folding keep a word's first letter (folded): words starting with none
    # of the forms' letters need no stemming to be passed over.
    initials = {form[:1] for form in forms}
    marked = [
        i
        for i, (a, b) in enumerate(spans)
        if (text[a].lower() in initials or not text[a].isascii())
        and not forms.isdisjoint(variants(lang, text[a:b]))
    ]
    start = _best_start(marked)
    first = max(0, start - LEAD_WORDS)
    last = min(len(spans), first + WINDOW_WORDS) - 1
    segments: list[Segment] = []
    if first > 0:
        segments.append(Segment(ELLIPSIS))
    cursor = spans[first][0] if first else 0
    for i in (i for i in marked if first <= i <= last):
        a, b = spans[i]
        if a > cursor:
            segments.append(Segment(text[cursor:a]))
        segments.append(Segment(text[a:b], mark=True))
        cursor = b
    end = spans[last][1] if last < len(spans) - 1 else len(text)
    if end > cursor:
        segments.append(Segment(text[cursor:end]))
    if last < len(spans) - 1:
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
