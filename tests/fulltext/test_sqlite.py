"""SQLite's relevance measure, computed from the stems an entry holds."""

from __future__ import annotations

from app.fulltext import sqlite
from app.fulltext.query import parse


def _stems(lang: str, text: str) -> tuple[str, str]:
    return sqlite.index_terms(lang, text, 0), sqlite.index_terms(lang, text, 1)


def score(q: str, lang: str, text: str, languages: tuple[str, ...] = ("en", "fr", "es")) -> float:
    exact, plain = _stems(lang, f"<p>{text}</p>")
    return sqlite.score_entry(sqlite.score_spec(parse(q), languages), lang, exact, plain)


def test_more_occurrences_score_higher_and_saturate() -> None:
    once = score("fees", "en", "Recruitment fees are charged to workers in the corridor.")
    twice = score("fees", "en", "Recruitment fees and visa fees are charged to the workers.")
    thrice = score("fees", "en", "Fees, recruitment fees and visa fees charged to workers.")
    assert 0 < once < twice < thrice
    # Saturating: the third occurrence adds less than the second did.
    assert thrice - twice < twice - once


def test_a_longer_text_with_as_many_occurrences_scores_lower() -> None:
    short = score("fees", "en", "Recruitment fees hurt workers.")
    long = score("fees", "en", "Recruitment fees hurt workers. " + "Other words here. " * 20)
    assert short > long > 0


def test_word_forms_accents_and_phrases_count() -> None:
    assert score("travailleur", "fr", "Les travailleurs migrants.") > 0
    assert score("societe", "fr", "La société civile est consultée.") > 0
    assert score('"civil society"', "en", "Civil society groups and civil society.") > score(
        '"civil society"', "en", "Civil groups and society."
    )
    assert score('"civil society"', "en", "Civil groups and society.") == 0


def test_other_languages_and_absent_words_score_nothing() -> None:
    assert score("fees", "en", "Nothing relevant.") == 0
    assert score("fees", "fr", "Les fees.", languages=("en",)) == 0
    assert sqlite.score_entry(sqlite.score_spec(parse("fees"), ("en",)), "en", None, None) == 0


def test_every_term_adds_its_share() -> None:
    both = score("fees workers", "en", "Fees charged to workers.")
    one = score("fees workers", "en", "Fees charged to people.")
    assert both > one > 0


def test_texts_stemmed_alike_both_ways_are_indexed_once() -> None:
    exact, plain = _stems("en", "<p>Recruitment fees hurt workers.</p>")
    assert exact == "en_recruit en_fee en_hurt en_worker"
    assert plain == ""
    exact, plain = _stems("fr", "<p>Les employées</p>")
    assert plain
    assert plain != exact
