"""The few sentences that best state a theme, verbatim, from different people.

Candidates are the sentences of the theme's comments (their own texts and their authors'
translations). The first pick is the sentence nearest the theme's centre; each next one
is chosen by maximal marginal relevance, with a penalty for an author already quoted and
a bonus for a language not yet heard, so that a theme raised in three languages is shown
in three voices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.synthesis.embedder import Vectors

PICKS = 3
REDUNDANCY = 0.5  # weight of closeness to a sentence already picked
SAME_AUTHOR = 0.2  # taken off a sentence whose author is already quoted
NEW_LANGUAGE = 0.03  # added to a sentence in a language not yet quoted


@dataclass(frozen=True)
class Candidate:
    comment_id: int
    text_key: str
    lang: str
    author_id: int
    start: int
    end: int
    comment_version: int


def pick(
    centre: Vectors, candidates: Sequence[Candidate], vectors: Vectors, picks: int = PICKS
) -> list[tuple[Candidate, float]]:
    """Up to `picks` candidates with their closeness to the centre, best first."""
    if not candidates:
        return []
    relevance = vectors @ centre
    chosen: list[int] = []
    while len(chosen) < min(picks, len(candidates)):
        authors = {candidates[i].author_id for i in chosen}
        langs = {candidates[i].lang for i in chosen}
        comments = {candidates[i].comment_id for i in chosen}
        best, best_score = -1, -np.inf
        for i, candidate in enumerate(candidates):
            if i in chosen or candidate.comment_id in comments:
                continue
            score = float(relevance[i])
            if chosen:
                score -= REDUNDANCY * float(np.max(vectors[chosen] @ vectors[i]))
            if candidate.author_id in authors:
                score -= SAME_AUTHOR
            if chosen and candidate.lang not in langs:
                score += NEW_LANGUAGE
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        chosen.append(best)
    return [(candidates[i], float(relevance[i])) for i in chosen]
