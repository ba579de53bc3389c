"""Guessing the language a comment is written in: a hint while typing, a question on posting."""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_CODES = {Language.ENGLISH: "en", Language.FRENCH: "fr", Language.SPANISH: "es"}
# Below this many letters a guess is noise; say nothing rather than mislead.
MIN_LETTERS = 20


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    # Built on first use: loading the models takes a moment and some memory.
    return (
        LanguageDetectorBuilder.from_languages(*_CODES).with_minimum_relative_distance(0.25).build()
    )


def detect_language(text: str) -> str | None:
    """The code of the language the text is most likely in, or None when unsure."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    language = _detector().detect_language_of(text)
    return _CODES.get(language) if language is not None else None


# How sure the detector must be before a post is held back to ask its author: a text
# mixing languages (a bilingual reply, quotes) stays well below and is stored as chosen.
CONFIDENT = 0.9
# The start of a text says its language well enough, and the detector's time grows with it.
SAMPLE_CHARS = 5000


def confident_language(text: str) -> str | None:
    """The text's language when the detector is nearly sure of it, else None.

    Pure computation, no database: call it before a unit of work takes any lock.
    """
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    values = _detector().compute_language_confidence_values(sample)
    if not values or values[0].value < CONFIDENT:
        return None
    return _CODES.get(values[0].language)


def warm_up() -> None:
    """Load the detector's models now (a second or two, holding the interpreter), at a
    worker's start rather than in the middle of its first post."""
    _detector().compute_language_confidence_values("warming up the language models")
