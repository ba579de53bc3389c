"""The pure parts of grouping: identities across recomputations, near-duplicates, sets apart."""

from __future__ import annotations

import numpy as np

from app.synthesis import grouping
from app.synthesis.embedder import unit
from app.synthesis.vectors import pack, unpack


def _axis(i: int, dim: int = 8, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    if noise:
        v += np.random.default_rng(seed).normal(0, noise, dim).astype(np.float32)
    return unit(v[None, :])[0]


def test_vectors_survive_the_database_bytes() -> None:
    rows = unit(np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32))
    assert np.array_equal(unpack(pack(rows), 384), rows)
    assert np.array_equal(unpack(pack(rows[0])), rows[0])


def test_a_new_grouping_keeps_the_identity_of_the_theme_it_continues() -> None:
    known = [
        grouping.Known(10, frozenset({1, 2, 3}), frozenset(), _axis(0)),
        grouping.Known(11, frozenset({4, 5, 6}), frozenset(), _axis(1)),
    ]
    groups = [frozenset({4, 5, 6, 7}), frozenset({1, 2, 8}), frozenset({20, 21, 22})]
    centres = [_axis(1), _axis(0), _axis(2)]
    assert grouping.match(groups, centres, known) == [11, 10, None]


def test_shared_comments_win_and_each_theme_is_continued_once() -> None:
    known = [grouping.Known(10, frozenset({1, 2, 3, 4}), frozenset(), _axis(0))]
    # Both groups share comments with theme 10: the one sharing most continues it.
    groups = [frozenset({1, 9}), frozenset({2, 3, 4})]
    assert grouping.match(groups, [_axis(0), _axis(0)], known) == [None, 10]


def test_comments_a_moderator_placed_do_not_carry_the_identity() -> None:
    known = [grouping.Known(10, frozenset({1, 2, 3}), frozenset({1, 2, 3}), None)]
    assert grouping.match([frozenset({1, 2, 3})], [_axis(3)], known) == [None]


def test_a_group_like_a_merged_theme_goes_to_the_theme_it_was_merged_into() -> None:
    known = [
        grouping.Known(10, frozenset(), frozenset(), _axis(0), merged_into=12),
        grouping.Known(12, frozenset({7, 8}), frozenset({7, 8}), _axis(5)),
    ]
    assert grouping.match([frozenset({30, 31, 32})], [_axis(0)], known) == [12]


def test_short_comments_and_lone_points_are_set_apart() -> None:
    vectors = np.vstack(
        [_axis(0, noise=0.01, seed=i) for i in range(4)]
        + [_axis(1, noise=0.01, seed=9), _axis(0, noise=0.01, seed=10)]
    )
    words = [20, 20, 20, 20, 20, 2]  # the last is "+1": set apart whatever it says
    langs = ["en", "fr", "es", "en", "fr", "es"]
    found = grouping.themes(vectors, words, langs)
    assert found[:4] == [0, 0, 0, 0]
    assert found[4] == -1  # alone on its subject
    assert found[5] == -1


def test_near_duplicates_join_copies_and_translations_but_not_neighbours() -> None:
    base = _axis(0)
    copy = unit((base + 0.05 * _axis(1))[None, :])[0]  # cosine ≈ 0.999
    translation = unit((base + 0.45 * _axis(2))[None, :])[0]  # cosine ≈ 0.91
    neighbour = unit((base + 0.6 * _axis(3))[None, :])[0]  # cosine ≈ 0.86
    vectors = np.vstack([base, copy, translation, neighbour])
    langs = ["en", "en", "fr", "fr"]
    texts = ["Same words here", "Same words here!", "Autres mots", "Encore autre chose"]
    groups = grouping.near_duplicates(vectors, langs, texts)
    assert [sorted(i for i, _s in g) for g in groups] == [[0, 1, 2]]


def test_two_same_language_texts_sharing_most_words_are_one_point() -> None:
    a = _axis(0)
    b = unit((a + 0.4 * _axis(1))[None, :])[0]  # cosine ≈ 0.93: below the same-language bar
    text = "We call on the ministry to cap remittance fees at three percent."
    groups = grouping.near_duplicates(
        np.vstack([a, b]), ["en", "en"], [text, text + " Signed: Union A."]
    )
    assert len(groups) == 1


def test_language_means_are_taken_out() -> None:
    # Two subjects, two languages: raw vectors group by language, centred ones by subject.
    lang_axis = {"en": _axis(6), "fr": _axis(7)}
    rows, langs = [], []
    for subject in (0, 1):
        for lang in ("en", "fr"):
            for seed in range(6):
                v = 0.6 * lang_axis[lang] + 0.4 * _axis(
                    subject, noise=0.05, seed=seed + 10 * subject
                )
                rows.append(v)
                langs.append(lang)
    centred = grouping.without_languages(unit(np.vstack(rows)), langs)
    same_subject = centred[0] @ centred[6]  # subject 0, en vs fr
    other_subject = centred[0] @ centred[12]  # en, subject 0 vs 1
    assert same_subject > other_subject
