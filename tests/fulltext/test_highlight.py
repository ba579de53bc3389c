"""The passage shown for a result, its matches marked, its text never markup."""

from __future__ import annotations

from app.fulltext.highlight import ELLIPSIS, WINDOW_WORDS, snippet
from app.fulltext.query import parse


def marked(parts: tuple) -> list[str]:
    return [p.text for p in parts if p.mark]


def test_word_forms_and_accents_are_marked_in_the_text_as_written() -> None:
    parts = snippet("Las Migraciones y la migración laboral.", "es", parse("migracion"))
    assert marked(parts) == ["Migraciones", "migración"]
    assert "".join(p.text for p in parts) == "Las Migraciones y la migración laboral."


def test_the_window_with_most_matches_is_shown() -> None:
    filler = " ".join(f"word{i}" for i in range(100))
    text = f"Fees once. {filler} fees and fees and more fees here. {filler}"
    parts = snippet(text, "en", parse("fees"))
    assert parts[0].text == ELLIPSIS
    assert parts[-1].text == ELLIPSIS
    assert len(marked(parts)) == 3  # the three together, not the one alone
    shown = "".join(p.text for p in parts)
    assert len(shown.split()) <= WINDOW_WORDS + 2


def test_no_match_shows_the_beginning() -> None:
    parts = snippet("Short text only.", "en", parse("absent"))
    assert [(p.text, p.mark) for p in parts] == [("Short text only.", False)]


def test_markup_stays_text() -> None:
    parts = snippet('<img src=x onerror="x"> fees', "en", parse("fees"))
    assert parts[0].text.startswith("<img")
    assert not parts[0].mark
    assert marked(parts) == ["fees"]


def test_words_starting_with_capitals_or_accents_are_marked() -> None:
    parts = snippet("Éducation des enfants; l'education et ÉDUCATION.", "fr", parse("éducation"))
    assert marked(parts) == ["Éducation", "education", "ÉDUCATION"]
    parts = snippet("Œuvres and oeuvres.", "fr", parse("oeuvre"))
    assert marked(parts) == ["Œuvres", "oeuvres"]
