"""Grouping comments by meaning: themes, near-duplicates, and matching a new grouping to
the themes a moderator already knows. Pure functions over unit vectors (numpy, sklearn).

The algorithm and its thresholds were chosen on bench/synthesis_set.json (bench/
synthesis.py measures them; the figures are in bench/RESULTS.md). The model places two
comments in one language closer than two comments on one subject in two languages, so
before grouping each language's mean direction in the question is taken out (shrunk
towards nothing for a language with few comments, whose mean is mostly its subject);
then average-linkage agglomerative clustering under a cosine-distance threshold, which
needs no number of themes given in advance and leaves a point made by one comment alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import CountVectorizer

from app.synthesis.embedder import Vectors, unit

# Cosine distance (after the language means are taken out) under which two groups of
# comments are one theme (average linkage). On the bench set's three questions 0.96 gives
# ARI 0.74 / 0.45 / 0.47, the best lowest of the three; 0.95 gives 0.67 / 0.45 / 0.42 and
# 0.97 gives 0.74 / 0.36 / 0.45 (bench/RESULTS.md has the sweep with SHRINK and MIN_THEME).
THEME_DISTANCE = 0.96
# A language's mean is taken out in full with many comments, by n / (n + SHRINK) with n.
SHRINK = 5
MIN_THEME = 3  # fewer comments than this: set apart, not a theme
MIN_WORDS = 6  # shorter comments ("+1", "Thank you for this") are set apart
# A new grouping keeps an old theme's identity when they share comments, or when their
# centres are this close.
SAME_THEME = 0.93
# Near-duplicates: the same text give or take a few words (any pair above NEAR), or a
# translation, which e5 puts very close but rarely as close as a copy. On the bench set
# translations score 0.881-0.941, and two short, different remarks in two languages
# ("thank you…", "when will…?") up to 0.888: from 0.89 to 0.895 18 of 19 labelled pairs
# are found and no such remark is joined; 0.878 finds all 19 but joins both remarks.
NEAR_SAME_LANGUAGE = 0.96
NEAR_ACROSS_LANGUAGES = 0.89
SHINGLES_SAME = 0.5  # character 5-gram overlap that makes two same-language texts one
# Below this similarity two texts are not compared word by word at all. Every labelled
# same-language pair of the bench set scores 0.969 or more (joined by similarity alone);
# word-by-word comparison catches copies edited more heavily, which stay above 0.92. Each
# 0.02 lower doubles the pairs compared (2,000 comments: 14,137 at 0.92, 25,121 at 0.90).
SHINGLES_FLOOR = 0.92


def without_languages(vectors: Vectors, langs: Sequence[str]) -> Vectors:
    """The vectors with each language's mean direction taken out (shrunk for few)."""
    if len(vectors) == 0:
        return vectors
    overall = vectors.mean(axis=0)
    out = vectors.astype(np.float32).copy()
    codes = np.array(langs)
    for lang in sorted(set(langs)):
        rows = codes == lang
        n = int(rows.sum())
        out[rows] -= (vectors[rows].mean(axis=0) - overall) * (n / (n + SHRINK)) + overall
    return unit(out)


def themes(vectors: Vectors, words: Sequence[int], langs: Sequence[str]) -> list[int]:
    """A theme number per comment, or -1 for comments set apart."""
    n = len(vectors)
    labels = [-1] * n
    kept = [i for i in range(n) if words[i] >= MIN_WORDS]
    if len(kept) < MIN_THEME:
        return labels
    found = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=THEME_DISTANCE,
    ).fit_predict(without_languages(vectors[kept], [langs[i] for i in kept]))
    sizes = np.bincount(found)
    number: dict[int, int] = {}
    for index, cluster in zip(kept, found, strict=True):
        if sizes[cluster] >= MIN_THEME:
            labels[index] = number.setdefault(int(cluster), len(number))
    return labels


def centroid(vectors: Vectors) -> Vectors:
    centre: Vectors = unit(vectors.mean(axis=0, keepdims=True))[0]
    return centre


@dataclass(frozen=True)
class Known:
    """A theme as it stands: its id, its comments (those a moderator placed apart), its
    centre, and the theme it was merged into (if any)."""

    id: int
    members: frozenset[int]
    pinned: frozenset[int]
    centre: Vectors | None
    merged_into: int | None = None


def match(
    groups: Sequence[frozenset[int]], centres: Sequence[Vectors], known: Sequence[Known]
) -> list[int | None]:
    """For each new group, the id of the known theme it continues (or None: a new one).

    Greedy on shared comments first (the most shared wins, each theme continued once),
    then on closeness of centres for groups sharing none; a theme merged away is followed
    to the theme it was merged into.
    """
    live = {k.id: k for k in known}
    chosen: list[int | None] = [None] * len(groups)
    taken: set[int] = set()
    pairs = sorted(
        (
            (len(group & (k.members - k.pinned)), gi, k.id)
            for gi, group in enumerate(groups)
            for k in known
            if k.merged_into is None
        ),
        reverse=True,
    )
    for shared, gi, kid in pairs:
        if shared == 0:
            break
        if chosen[gi] is None and kid not in taken:
            chosen[gi] = kid
            taken.add(kid)
    for gi, centre in enumerate(centres):
        if chosen[gi] is not None:
            continue
        best, best_id = SAME_THEME, None
        for k in known:
            if k.centre is None:
                continue
            target = _follow(k, live)
            if target in taken:
                continue
            score = float(centre @ k.centre)
            if score >= best:
                best, best_id = score, target
        if best_id is not None:
            chosen[gi] = best_id
            taken.add(best_id)
    return chosen


def _follow(theme: Known, live: dict[int, Known]) -> int:
    seen = {theme.id}
    while theme.merged_into is not None and theme.merged_into in live:
        theme = live[theme.merged_into]
        if theme.id in seen:
            break
        seen.add(theme.id)
    return theme.id


def overlaps(
    texts: Sequence[str], rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """How much of their character 5-grams (case folded) texts[rows[k]] and texts[cols[k]]
    share (Jaccard), for every k at once: the sets as rows of a sparse 0/1 matrix, their
    intersections as products of rows."""
    folded = [" ".join(t.casefold().split()) for t in texts]
    grams = CountVectorizer(analyzer="char", ngram_range=(5, 5), binary=True, lowercase=False)
    try:
        matrix = grams.fit_transform(folded).tocsr()
    except ValueError:  # no text of five characters: nothing shared
        return np.zeros(len(rows))
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()
    union = sizes[rows] + sizes[cols] - shared
    found: npt.NDArray[np.float64] = np.divide(
        shared, union, out=np.zeros(len(rows)), where=union > 0
    )
    return found


def near_duplicates(
    vectors: Vectors, langs: Sequence[str], texts: Sequence[str]
) -> list[list[tuple[int, float]]]:
    """Groups (two or more) of rows making the same point: each row with its highest
    similarity to another of its group. Pairs join by transitivity."""
    n = len(vectors)
    if n < 2:
        return []
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1.0)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    best = [0.0] * n
    codes = np.array(langs)
    same_lang = codes[:, None] == codes[None, :]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    # Chosen in numpy: joined outright, or close enough that shared words decide.
    joined = upper & np.where(same_lang, sims >= NEAR_SAME_LANGUAGE, sims >= NEAR_ACROSS_LANGUAGES)
    wording = upper & same_lang & ~joined & (sims >= SHINGLES_FLOOR)
    pairs = list(zip(*np.nonzero(joined), strict=True))
    rows, cols = np.nonzero(wording)
    if len(rows):
        close = overlaps(texts, rows, cols) >= SHINGLES_SAME
        pairs += list(zip(rows[close], cols[close], strict=True))
    for i, j in pairs:
        a, b, score = int(i), int(j), float(sims[i, j])
        parent[root(a)] = root(b)
        best[a], best[b] = max(best[a], score), max(best[b], score)
    groups: dict[int, list[tuple[int, float]]] = {}
    for i in range(n):
        if best[i] > 0:
            groups.setdefault(root(i), []).append((i, best[i]))
    return [g for g in groups.values() if len(g) > 1]
