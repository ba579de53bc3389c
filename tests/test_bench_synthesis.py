"""The synthesis bench (bench/synthesis.py) computes its figures right and runs end to end.

Nothing here is timed and the model is not loaded: its metrics are checked on hand-made
groupings, and the whole bench runs on a tiny set with a stand-in embedder whose vectors
follow each comment's subject, so that the app's grouping recovers the labels exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from app.synthesis.embedder import Vectors, unit
from bench import synthesis
from bench.synthesis_set import SetComment, SetQuestion, SynthesisSet

DIM = 384
SUBJECTS = ("fees", "accounts")
WORDS = {  # two comments per subject and language, in words of their own
    ("fees", "en"): (
        "Transfer fees eat a large part of what families receive each month.",
        "Banks and agencies hide their margins on fees behind the exchange rate.",
    ),
    ("fees", "fr"): (
        "Les frais de transfert prennent une grande part de ce que touchent les familles.",
        "Agences et banques cachent leurs frais derrière un taux de change gonflé.",
    ),
    ("fees", "es"): (
        "Las comisiones de envío se llevan buena parte de lo que reciben las familias.",
        "Bancos y agencias esconden sus comisiones tras un tipo de cambio inflado.",
    ),
    ("accounts", "en"): (
        "Opening a bank account without a passport should be possible for all.",
        "My cousin waited months because no branch would take her residence card.",
    ),
    ("accounts", "fr"): (
        "Ouvrir un compte bancaire sans passeport devrait être possible pour tous.",
        "Ma voisine attend depuis des mois : aucune agence n'accepte son récépissé.",
    ),
    ("accounts", "es"): (
        "Abrir una cuenta bancaria sin pasaporte debería ser posible para todos.",
        "Mi hermano lleva meses esperando porque ningún banco acepta su tarjeta.",
    ),
}


class SubjectEmbedder:
    """A vector along the axis of the subject whose sentence the text holds (any other
    text: an axis of its own), plus a little noise fixed by the text's first letters, so
    that a copy with words added at its end has the same vector, as the model puts such
    copies above any threshold; two texts on one subject score about 0.87."""

    name = "bench-test-subjects"

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            letters = re.sub(r"\W+", "", text.casefold())[:40]
            seed = int.from_bytes(hashlib.sha256(letters.encode()).digest()[:4], "big")
            row = np.random.default_rng(seed).normal(size=DIM) * 0.02
            subject = next(
                (s for (s, _lang), said in WORDS.items() if any(x in text for x in said)), None
            )
            row[SUBJECTS.index(subject) if subject else 2 + seed % 100] += 1.0
            rows.append(row)
        return unit(np.array(rows, dtype=np.float32).reshape(len(texts), DIM))


def tiny_set() -> SynthesisSet:
    comments = []
    for subject in SUBJECTS:
        for lang in ("en", "fr", "es"):
            for n in range(2):
                text = WORDS[(subject, lang)][n]
                comments.append(
                    SetComment(f"{subject}-{lang}-{n}", 1, subject, lang, f"a{n}", text, (20,))
                )
    # A copy (one word more), and a remark off the subject.
    copy = comments[0]
    comments.append(
        SetComment("copy", 1, "fees", "en", "a9", copy.text + " Indeed!", copy.objectives)
    )
    comments.append(SetComment("off", 1, None, "en", "a8", "+1", ()))
    question = SetQuestion(1, {"en": "Remittances?"}, {s: {"en": s} for s in SUBJECTS})
    return SynthesisSet((question,), tuple(comments), (("fees-en-0", "copy"),), frozenset({"off"}))


def test_a_perfect_labelling_scores_one_and_set_apart_comments_are_singletons() -> None:
    assert synthesis.agreement(["a", "a", "b", "b"], [1, 1, 0, 0]) == pytest.approx((1.0, 1.0))
    assert synthesis.with_singletons([-1, 0, -1, 0]) == [1, 0, 2, 0]
    # Two labelled comments set apart are two singletons, not one theme: not perfect.
    ari, _nmi = synthesis.agreement(["a", "a", "b", "b"], [-1, -1, 0, 0])
    assert ari < 1.0


def test_duplicate_pairs_are_found_in_one_group_and_false_ones_counted() -> None:
    groups = [["a", "b", "c"], ["x", "y"]]
    pairs = [("a", "b"), ("b", "c"), ("d", "e")]
    found = synthesis.duplicate_scores(groups, pairs, comments=100)
    assert (found.labelled, found.found) == (3, 2)
    assert found.false_pairs == 1  # x-y; a-c is joined by transitivity
    assert found.share_found == pytest.approx(2 / 3)
    assert found.false_per_100 == pytest.approx(1.0)


def test_suggestions_count_precision_recall_and_the_likely_ones() -> None:
    picks = [[(1, 0.90), (2, 0.88)], [(3, 0.95)], []]
    labels = [[1], [], [4]]  # the second is off-topic: its suggestion is wrong
    scored = synthesis.suggestion_scores(picks, labels, strong=0.89)
    assert (scored.made, scored.right) == (3, 1)
    assert scored.precision == pytest.approx(1 / 3)
    assert scored.recall == pytest.approx(1 / 2)
    assert (scored.strong_made, scored.strong_right) == (2, 1)


def test_the_quality_part_recovers_a_clean_set(capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny_set()
    embedder = SubjectEmbedder()
    vectors = embedder.embed([c.text for c in data.comments])

    (question,) = synthesis.question_themes(data, vectors)
    assert question.ari == pytest.approx(1.0)
    assert question.found == 2
    assert (question.off_topic, question.off_topic_apart) == (1, 1)
    assert question.mixed
    assert question.mixed_required
    duplicates = synthesis.near_duplicates(data, vectors)
    assert (duplicates.found, duplicates.false_pairs) == (1, 0)

    assert synthesis.quality(data, embedder, sweep=False)
    out = capsys.readouterr().out
    assert "| 1 | 14 | 2 | 2 | 1.00 | 1.00 | 1 of 1 | yes (labels: yes) | yes |" in out
    assert "| threshold | suggestions | precision | recall |" in out


def test_the_cost_part_builds_embeds_and_times_a_small_space(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tiny_set()
    texts = synthesis.variants(data, 30)
    assert len({c.text for c in texts}) == 30
    assert Counter(c.lang for c in texts) == {"en": 10, "fr": 10, "es": 10}

    assert synthesis.cost(data, SubjectEmbedder(), count=30, posts=3)
    out = capsys.readouterr().out
    assert "31 texts queued" in out  # 30 comments and the question
    assert "| 31 texts in" in out
    assert "Themes after embeddings: 30 comments" in out
    assert "| with |" in out
    assert "| without |" in out
