"""What a search box's text becomes: words, phrases, exclusions, or a reason it cannot run."""

from __future__ import annotations

import pytest

from app.fulltext.query import MAX_LENGTH, MAX_WORDS, QueryProblem, Term, parse


def test_words_phrases_and_exclusions() -> None:
    q = parse('Remittances "leaving no one behind" -agency -"low cost"')
    assert q.include == (Term(("remittances",)), Term(("leaving", "no", "one", "behind")))
    assert q.exclude == (Term(("agency",)), Term(("low", "cost")))
    assert q.words == ("remittances", "leaving", "no", "one", "behind")


def test_joined_words_must_follow_each_other() -> None:
    assert parse("low-income l'éducation").include == (
        Term(("low", "income")),
        Term(("l", "éducation")),
    )


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("NEAR(a b) OR c*", ("near", "a", "b", "or", "c")),
        ('"unclosed phrase', ("unclosed", "phrase")),
        ("col:value ^start", ("col", "value", "start")),
        ("a\x00b\x07c", ("a", "b", "c")),
        ("\u202eevil\u202c text", ("evil", "text")),
        ("שלום עולם", ("שלום", "עולם")),
        ("Migración", ("migración",)),
    ],
)
def test_syntax_characters_are_only_characters(typed: str, words: tuple[str, ...]) -> None:
    assert parse(typed).words == words


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", QueryProblem.EMPTY),
        ('" " - ( ) : ^ *', QueryProblem.EMPTY),
        ("\ufffd\ufffd", QueryProblem.EMPTY),
        ("-agency", QueryProblem.ONLY_EXCLUDED),
        ("x" * (MAX_LENGTH + 1), QueryProblem.TOO_LONG),
        (" ".join(["word"] * (MAX_WORDS + 1)), QueryProblem.TOO_MANY_WORDS),
    ],
)
def test_what_cannot_be_searched_says_why(typed: str, problem: QueryProblem) -> None:
    assert parse(typed).problem is problem


def test_repeats_count_once_and_a_word_both_wanted_and_excluded_is_wanted() -> None:
    q = parse("fees fees -fees")
    assert q.include == (Term(("fees",)),)
    assert q.exclude == ()
