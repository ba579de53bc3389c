"""Global Compact objectives suggested from what a comment says, in any of the three
languages, by closeness to descriptions of each objective written for this purpose
(objective_texts.json: what participants raise under it, in English, French and Spanish).

An objective is suggested when a comment is close enough to it and clearly closer to it
than to the others; the thresholds were chosen on bench/synthesis_set.json for a
precision of at least 0.7 (bench/synthesis.py, bench/RESULTS.md).
"""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path

import numpy as np

from app.curation.service import LIKELY
from app.synthesis.embedder import Embedder, Vectors, unit

TEXTS = Path(__file__).with_name("objective_texts.json")
# Closeness to an objective's description for a suggestion at all. Precision on the bench
# set rises steeply here: 0.63 at 0.865, 0.73 at 0.87, 0.82 at 0.875 (recall 0.31), 0.79 at
# 0.88; 0.875 keeps above 0.7 with room for a set of 140 comments.
THRESHOLD = 0.875
MARGIN = 0.01  # a second objective must come this close to the first to be suggested too
STRONG = LIKELY  # shown as likely from here on (app/curation/service.py says why)
MOST = 2

_lock = threading.Lock()
_made: dict[str, tuple[list[int], Vectors]] = {}


@cache
def descriptions() -> dict[int, dict[str, str]]:
    raw = json.loads(TEXTS.read_text(encoding="utf-8"))
    return {int(code): dict(texts) for code, texts in raw.items()}


def objective_vectors(embedder: Embedder) -> tuple[list[int], Vectors]:
    """One vector per objective (the mean of its descriptions), made once per model."""
    with _lock:
        if embedder.name not in _made:
            found = descriptions()
            codes = sorted(found)
            rows = []
            for code in codes:
                rows.append(
                    unit(embedder.embed(list(found[code].values())).mean(axis=0, keepdims=True))[0]
                )
            _made[embedder.name] = (codes, np.vstack(rows))
        return _made[embedder.name]


def suggest(embedder: Embedder, vectors: Vectors) -> list[list[tuple[int, float]]]:
    """For each comment vector, up to MOST (objective, closeness) pairs, best first."""
    codes, targets = objective_vectors(embedder)
    scores = vectors @ targets.T
    out = []
    for row in scores:
        order = np.argsort(-row)
        best = float(row[order[0]])
        picks = []
        if best >= THRESHOLD:
            for index in order[:MOST]:
                score = float(row[index])
                if score >= THRESHOLD and best - score <= MARGIN:
                    picks.append((codes[int(index)], round(score, 4)))
        out.append(picks)
    return out
