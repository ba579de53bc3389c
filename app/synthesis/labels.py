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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Vocabulary:
    """In how many texts of a question (in one language) each lemma appears."""

    frequency: Counter[str]
    texts: int


def vocabulary(texts: Iterable[Sequence[str]]) -> Vocabulary:
    """Of lemmatised texts (`lemmas` of each): every text of the question in a language."""
    frequency: Counter[str] = Counter()
    count = 0
    for words in texts:
        frequency.update(set(words))
        count += 1
    return Vocabulary(frequency, count)


def label(texts: Sequence[Sequence[str]], background: Vocabulary) -> str | None:
    """The top lemmas of a group of lemmatised texts against their question's vocabulary
    (class-based TF-IDF: frequent here, rare elsewhere); None when it has no word."""
    counter = Counter(w for words in texts for w in words)
    size = sum(counter.values()) or 1
    total = max(background.texts, 1)
    scored = sorted(
        (
            -(count / size) * math.log(1 + total / background.frequency.get(word, 1)),
            # Ties: the more frequent word, then alphabetical (stable labels).
            -count,
            word,
        )
        for word, count in counter.items()
    )
    top = [word for _score, _count, word in scored[:TOP]]
    return SEPARATOR.join(top) if top else None
