"""Guessing the language a comment is written in, as a hint to its author."""

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
