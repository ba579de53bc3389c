"""The synthesis bench's labelled set (bench/synthesis_set.json) keeps the rules it was written to.

Shape, label coverage, authors, objective labels, near-duplicate pairs and the promise that
comments which are not near-duplicates do not share their wording.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter, defaultdict

import pytest

from app.curation import gcm
from bench import synthesis_set
from bench.synthesis_set import SetComment, SynthesisSet

LANGS = ("en", "fr", "es")
# Short function words that occur in one of the three languages and not the other two.
MARKERS = {
    "en": {"the", "and", "is", "are", "of", "to", "for", "with", "we", "that", "it", "my"},
    "fr": {"les", "des", "est", "une", "pour", "dans", "nous", "pas", "sont", "aux", "du", "qui"},
    "es": {"los", "las", "una", "para", "por", "del", "con", "es", "son", "el", "muy", "y"},
}


@pytest.fixture(scope="module")
def data() -> SynthesisSet:
    return synthesis_set.load()


@pytest.fixture(scope="module")
def by_id(data: SynthesisSet) -> dict[str, SetComment]:
    return {c.id: c for c in data.comments}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _bigram_jaccard(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    sa, sb = set(itertools.pairwise(wa)), set(itertools.pairwise(wb))
    return len(sa & sb) / max(1, len(sa | sb))


def _content_jaccard(a: str, b: str) -> float:
    """Overlap of the longer words (five letters or more), which carry the content."""
    sa = {w for w in _words(a) if len(w) >= 5}
    sb = {w for w in _words(b) if len(w) >= 5}
    return len(sa & sb) / max(1, len(sa | sb))


def _groups(pairs: tuple[tuple[str, str], ...]) -> list[set[str]]:
    """Connected components of the near-duplicate pairs."""
    groups: list[set[str]] = []
    for a, b in pairs:
        touching = [g for g in groups if a in g or b in g]
        merged = {a, b}.union(*touching)
        groups = [g for g in groups if g not in touching] + [merged]
    return groups


def test_loader_types(data: SynthesisSet) -> None:
    comment = data.comments[0]
    assert isinstance(comment.objectives, tuple)
    assert isinstance(data.off_topic, frozenset)
    assert all(isinstance(p, tuple) and len(p) == 2 for p in data.near_duplicates)
    with pytest.raises(dataclasses.FrozenInstanceError):
        comment.text = "changed"  # type: ignore[misc]


def test_questions_and_themes(data: SynthesisSet) -> None:
    assert [q.number for q in data.questions] == [1, 2, 3]
    for q in data.questions:
        assert set(q.title) == set(LANGS)
        assert all(q.title.values())
        assert 4 <= len(q.themes) <= 5
        for key, labels in q.themes.items():
            assert re.fullmatch(r"[a-z_]+", key)
            assert set(labels) == set(LANGS)
            assert all(labels.values())
        english = [labels["en"] for labels in q.themes.values()]
        assert len(set(english)) == len(english)


def test_ids_questions_and_counts(data: SynthesisSet) -> None:
    ids = [c.id for c in data.comments]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 120
    for c in data.comments:
        assert re.fullmatch(rf"q{c.question}-\d{{3}}", c.id), c.id
    per_question = Counter(c.question for c in data.comments)
    assert set(per_question) == {1, 2, 3}
    assert all(n >= 40 for n in per_question.values())


def test_themes_belong_to_their_question_and_are_covered(data: SynthesisSet) -> None:
    themes = {q.number: q.themes for q in data.questions}
    for c in data.comments:
        assert c.theme is None or c.theme in themes[c.question], c.id
    for q in data.questions:
        mine = [c for c in data.comments if c.question == q.number and c.theme]
        counts = Counter(c.theme for c in mine)
        assert set(counts) == set(q.themes)
        assert min(counts.values()) >= 6, counts
        langs: dict[str, set[str]] = defaultdict(set)
        for c in mine:
            langs[c.theme or ""].add(c.lang)
        assert sum(1 for seen in langs.values() if seen == set(LANGS)) >= 3


def test_languages_balanced_and_plausible(data: SynthesisSet) -> None:
    counts = Counter(c.lang for c in data.comments)
    assert set(counts) == set(LANGS)
    for lang in LANGS:
        assert 0.25 <= counts[lang] / len(data.comments) <= 0.42, counts
    for c in data.comments:
        if c.theme is None:
            continue
        words = _words(c.text)
        score = {lang: sum(w in MARKERS[lang] for w in words) for lang in LANGS}
        assert max(score, key=score.__getitem__) == c.lang, (c.id, score)


def test_off_topic(data: SynthesisSet) -> None:
    assert data.off_topic == {c.id for c in data.comments if c.theme is None}
    per_question = Counter(c.question for c in data.comments if c.theme is None)
    assert all(3 <= per_question[q.number] <= 5 for q in data.questions)
    for c in data.comments:
        if c.theme is None:
            assert c.objectives == ()
            assert len(_words(c.text)) <= 15, c.id


def test_texts(data: SynthesisSet) -> None:
    for c in data.comments:
        assert c.text == c.text.strip()
        assert c.text
        assert not re.search(r"objecti|objetivo|\bgcm\b|\bpmm\b", c.text, re.IGNORECASE), c.id
        assert gcm.suggest(c.text) == [], c.id
        if c.theme is None:
            continue
        assert 15 <= len(c.text.split()) <= 90, c.id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", c.text) if s]
        assert 1 <= len(sentences) <= 4, c.id
    themed = [c for c in data.comments if c.theme]
    several = sum(1 for c in themed if len(re.split(r"(?<=[.!?])\s+", c.text)) >= 2)
    assert several >= len(themed) // 2


def test_objectives(data: SynthesisSet) -> None:
    for c in data.comments:
        if c.theme is None:
            continue
        assert 1 <= len(c.objectives) <= 2, c.id
        assert len(set(c.objectives)) == len(c.objectives)
        assert all(isinstance(n, int) and n in gcm.OBJECTIVES for n in c.objectives), c.id
    # Each theme has a main objective that most of its comments share.
    by_theme: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)
    sizes: Counter[tuple[int, str]] = Counter()
    for c in data.comments:
        if c.theme:
            by_theme[(c.question, c.theme)].update(c.objectives)
            sizes[(c.question, c.theme)] += 1
    for key, counts in by_theme.items():
        assert counts.most_common(1)[0][1] >= 0.7 * sizes[key], key


def test_authors(data: SynthesisSet) -> None:
    authors = Counter(c.author for c in data.comments)
    assert 50 <= len(authors) <= 70
    assert all(re.fullmatch(r"a\d{2}", a) for a in authors)
    assert sum(1 for n in authors.values() if n >= 2) >= 15
    langs: dict[str, set[str]] = defaultdict(set)
    for c in data.comments:
        langs[c.author].add(c.lang)
    assert sum(1 for seen in langs.values() if len(seen) >= 2) >= 5


def test_near_duplicate_pairs(data: SynthesisSet, by_id: dict[str, SetComment]) -> None:
    pairs = data.near_duplicates
    assert len(pairs) >= 15
    assert len({frozenset(p) for p in pairs}) == len(pairs)
    for a, b in pairs:
        assert a != b
        assert a in by_id
        assert b in by_id
        ca, cb = by_id[a], by_id[b]
        assert ca.theme is not None
        assert (ca.question, ca.theme) == (cb.question, cb.theme), (a, b)
    sizes = sorted(len(g) for g in _groups(pairs))
    assert all(n in (2, 3) for n in sizes)
    assert sizes.count(3) <= 2
    assert sum(n - 1 for n in sizes) == len(pairs)  # a group of 3 is listed as 2 pairs


def test_near_duplicate_kinds(data: SynthesisSet, by_id: dict[str, SetComment]) -> None:
    copies = rewordings = translations = 0
    for a, b in data.near_duplicates:
        ta, tb = by_id[a].text, by_id[b].text
        if by_id[a].lang != by_id[b].lang:
            translations += 1
            assert 0.7 <= len(ta) / len(tb) <= 1.4, (a, b)
        elif _bigram_jaccard(ta, tb) >= 0.6:
            copies += 1
        else:
            rewordings += 1
            assert _content_jaccard(ta, tb) >= 0.3, (a, b)
    quarter = len(data.near_duplicates) // 4  # about a third of each kind
    assert min(copies, rewordings, translations) >= quarter, (copies, rewordings, translations)


def test_other_comments_do_not_share_wording(data: SynthesisSet) -> None:
    grouped = {c: g for g in _groups(data.near_duplicates) for c in g}
    themed = [c for c in data.comments if c.theme]
    for a, b in itertools.combinations(themed, 2):
        if b.id in grouped.get(a.id, set()):
            continue
        assert _bigram_jaccard(a.text, b.text) < 0.2, (a.id, b.id)
        assert _content_jaccard(a.text, b.text) < 0.25, (a.id, b.id)
