"""Words as search sees them: split, folded (case, accents, ligatures) and stemmed.

One Snowball stemmer per language (PyStemmer, the Snowball project's own binding), the
same algorithms PostgreSQL's `english`, `french` and `spanish` configurations run, so
both databases reduce a word to the same stem.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer

# The languages comments are written in, with their Snowball algorithm.
ALGORITHMS = {"en": "english", "fr": "french", "es": "spanish"}

# A word: letters and digits (any script), no underscores. Apostrophes and hyphens split
# words, as PostgreSQL's parser does ("l'éducation" is "l" and "éducation").
WORD = re.compile(r"[^\W_]+")
# Letters that decompose into none of their own (NFKD keeps them whole).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


def fold(word: str) -> str:
    """Lower case, no accents: "Migración" and "migracion" fold alike."""
    lowered = word.lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# PyStemmer's stemmers are not safe to share between threads; one per thread and language.
_local = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    algorithm = ALGORITHMS.get(lang)
    if algorithm is None:
        return None
    stemmers: dict[str, Stemmer.Stemmer] = _local.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(lang)
    if stemmer is None:
        stemmer = stemmers[lang] = Stemmer.Stemmer(algorithm)
    return stemmer


@lru_cache(maxsize=65536)
def variants(lang: str, word: str) -> tuple[str, str]:
    """The word's two index forms in a language: (stem, folded), (folded stem of folded).

    The first stems the word as written, so "migraciones" and "migración" meet; the
    second stems it without accents, so "societe" typed plainly finds "société".
    Accents of the first are removed later (by FTS5's tokenizer, or folded here for
    comparison), so both are compared without accents.
    """
    stemmer = _stemmer(lang)
    lowered = word.lower()
    folded = fold(lowered)
    if stemmer is None:
        return folded, folded
    return fold(stemmer.stemWord(lowered)), stemmer.stemWord(folded)
