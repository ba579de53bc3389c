"""Sentences, labels and representative passages: what a moderator reads of a theme."""

from __future__ import annotations

import numpy as np

from app.synthesis import labels, passages, sentences
from app.synthesis.embedder import unit


def test_sentences_are_offsets_of_whole_sentences() -> None:
    text = (
        "Fees too high. Les frais, p. ej. la commission, sont élevés. "
        "¿Por qué no hay cuentas digitales? Thanks! A last one without a full stop"
    )
    found = [text[a:b] for a, b in sentences.spans(text)]
    assert found == [
        "Les frais, p. ej. la commission, sont élevés.",
        "¿Por qué no hay cuentas digitales?",
        "A last one without a full stop",
    ]  # "Fees too high." and "Thanks!" are too short to stand alone


def test_a_very_long_sentence_is_cut_where_it_pauses() -> None:
    text = ("word " * 80).strip() + ", and " + ("more " * 80).strip() + "."
    parts = sentences.spans(text)
    assert len(parts) >= 2
    assert all(b - a <= sentences.MAX_CHARS for a, b in parts)
    assert text[parts[0][0] : parts[-1][1]].startswith("word")


def test_labels_are_lemmas_in_the_texts_own_language() -> None:
    texts = [
        "Les frais de transfert restent trop élevés pour les travailleurs.",
        "Les travailleurs paient des frais énormes à chaque transfert.",
    ]
    background = [*texts, "Les enfants doivent aller à l'école.", "L'école est loin."]
    vocabulary = labels.vocabulary(labels.lemmas(t, "fr") for t in background)
    found = labels.label([labels.lemmas(t, "fr") for t in texts], vocabulary)
    assert found is not None
    words = found.split(labels.SEPARATOR)
    assert "frais" in words
    assert "travailleur" in words or "transfert" in words
    assert not {"les", "de", "des", "pour"} & set(words)


def _candidate(comment: int, author: int, lang: str) -> passages.Candidate:
    return passages.Candidate(comment, "", lang, author, 0, 10, 1)


def test_passages_come_from_different_people_and_languages() -> None:
    centre = unit(np.array([[1.0, 0.0, 0.0]], dtype=np.float32))[0]
    near = unit(np.array([[1.0, 0.05, 0.0]], dtype=np.float32))[0]
    also = unit(np.array([[1.0, 0.0, 0.08]], dtype=np.float32))[0]
    candidates = [
        _candidate(1, 100, "en"),  # the best
        _candidate(2, 100, "en"),  # as good, same author: passed over
        _candidate(3, 200, "es"),  # a little further, another person and language
        _candidate(1, 100, "en"),  # another sentence of comment 1: never twice
    ]
    vectors = np.vstack([centre, near, also, near])
    picked = passages.pick(centre, candidates, vectors, picks=2)
    assert [c.comment_id for c, _score in picked] == [1, 3]
    assert picked[0][1] > 0.99
