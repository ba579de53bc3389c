"""A theme's label in one language: the words that set its comments apart, as lemmas.

Words are lemmatised (simplemma: "travailleurs" → "travailleur", "remesas" → "remesa"),
stop words dropped (stop-words' lists), and each lemma weighted by how much more often
it appears in the theme than across the comments of its question in that language
(class-based TF-IDF). Only texts written in that language, or translated into it by their
authors, count: a label is never a translation of ours.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

import simplemma
from stop_words import get_stop_words

WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
MIN_LETTERS = 3
TOP = 3
SEPARATOR = " · "


@cache
def _stop(lang: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in get_stop_words(lang))


def lemmas(text: str, lang: str) -> list[str]:
    stop = _stop(lang)
    out = []
    for word in WORDS.findall(text):
        folded = word.casefold()
        if len(folded) < MIN_LETTERS or folded in stop:
            continue
        lemma = simplemma.lemmatize(folded, lang=lang).casefold()
        if lemma not in stop and len(lemma) >= MIN_LETTERS:
            out.append(lemma)
    return out


def labels(
    groups: Mapping[int, Sequence[str]], background: Iterable[str], lang: str
) -> dict[int, str]:
    """For each group of texts (all in `lang`), its top lemmas against the background
    (every text of the question in `lang`, the groups' own included)."""
    counts = {
        key: Counter(w for text in texts for w in lemmas(text, lang))
        for key, texts in groups.items()
    }
    documents = [set(lemmas(text, lang)) for text in background]
    frequency = Counter(w for doc in documents for w in doc)
    total = max(len(documents), 1)
    out = {}
    for key, counter in counts.items():
        size = sum(counter.values()) or 1
        scored = sorted(
            (
                (count / size) * math.log(1 + total / frequency.get(word, 1)),
                # Ties: the more frequent word, then alphabetical (stable labels).
                count,
                word,
            )
            for word, count in counter.items()
        )
        top = [word for _score, _count, word in sorted(scored, key=lambda s: (-s[0], -s[1], s[2]))]
        if top:
            out[key] = SEPARATOR.join(top[:TOP])
    return out
