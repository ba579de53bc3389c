"""The search benchmark's labelled set holds on the suite's database (SQLite, and PostgreSQL in CI).

bench/search.py measures the recall of bench/search_quality.py's labelled queries on
100,000 generated comments; here the same comments are planted among a few dozen
generated ones through the posting services, so a change that makes search miss one of
them (an accent, a word form, a phrase, a translation) fails the suite, not only a
benchmark run. The benchmark's own pieces are checked too: its bulk generator (rows the
services would store, indexed by the triggers) and its mix of latency queries.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.comments import editing, threads
from app.fulltext.query import parse
from app.fulltext.words import fold, variants
from app.models import Comment, CommentTranslation, SearchEntry, Space, User
from app.models.comments import CommentKind, CommentStatus
from app.moderation import decisions
from app.policy import ANONYMOUS, Purpose, read_as
from bench import search, search_data, search_quality, search_words
from tests.factories import Factory

NOW = datetime.now(UTC)


def _plant_all(db: Session, factory: Factory) -> dict[str, int]:
    """The labelled comments, each between two generated ones, in two spaces, as posted."""
    moderator = factory.user("Moderator Mona")
    authors = [factory.user(f"Author {n}") for n in range(4)]
    spaces = [factory.space(moderators=(moderator,)) for _ in range(2)]
    for space in spaces:
        factory.question(space, moderator, "What would make labour migration safer?")
    rng = random.Random(3)
    ids: dict[str, int] = {}
    plants = list(search_quality.PLANTS)
    for i in range(3 * len(plants)):
        space, author = spaces[i % 2], authors[i % len(authors)]
        if i % 3 == 1 and plants:
            plant = plants.pop(0)
            comment = factory.comment(space, author, plant.body, lang=plant.lang)
            ids[plant.key] = comment.id
            if plant.translation:
                lang, body = plant.translation
                viewer = factory.viewer(author)
                read_as(db, viewer)
                editing.save_translation(
                    db, viewer, comment, space, lang=lang, body=body, now=NOW, max_chars=20_000
                )
            if plant.hidden:
                viewer = factory.viewer(moderator)
                read_as(db, viewer)
                decisions.hide(db, viewer, comment, reason="Insinuation", now=NOW)
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
        else:
            lang = ("en", "fr", "es")[i % 3]
            factory.comment(space, author, search_words.body(rng, lang, 90), lang=lang)
    assert not plants
    return ids


def _failures(outcomes: list[search_quality.Outcome]) -> list[str]:
    return [o.describe() for o in outcomes if not o.ok]


def test_every_labelled_query_finds_its_comments_and_no_other_plant(
    db: Session, factory: Factory
) -> None:
    plants = _plant_all(db, factory)

    outcomes = search_quality.run_all(db, plants)

    assert _failures(outcomes) == []
    found, wanted = search_quality.recall(outcomes)
    assert (found, wanted) == (wanted, sum(len(q.find) for q in search_quality.QUERIES))
    # Each query's results are the plants it names (a few generated comments at most):
    # the labelled set is about what must be found, not about chance matches.
    assert all(o.total <= len(o.query.find) + 3 for o in outcomes)


def test_a_miss_is_reported_as_one(db: Session, factory: Factory) -> None:
    plants = _plant_all(db, factory)
    # The hidden comment, searched as though it had to be found, is missing.
    hidden = search_quality.Labelled("lampedusa boats", ("en-lampedusa-hidden",), what="hidden")
    outcome = search_quality.run(db, hidden, plants)
    assert outcome.missing == ["en-lampedusa-hidden"]
    assert not outcome.ok
    # A found plant named as must-not-find is reported as found.
    wrong = search_quality.Labelled("lampedusa rescue", (), ("en-lampedusa",), what="wrong")
    assert search_quality.run(db, wrong, plants).unwanted == ["en-lampedusa"]


def _stems(lang: str, text: str) -> set[str]:
    return {
        form for term in parse(text).include for word in term.words for form in variants(lang, word)
    }


def test_each_labelled_query_has_a_word_the_generator_never_writes() -> None:
    """So what a query finds in 100,000 generated comments is decided by the plants."""
    generated: dict[str, set[str]] = {}
    for lang in search_data.LANGS:
        vocabulary = [
            *search_words.CONTENT_WORDS[lang],
            *search_words.RARE_WORDS[lang],
            *search_words.FUNCTION_WORDS[lang],
            "question",
        ]
        generated[lang] = set().union(*(_stems(lang, word) for word in vocabulary))
    for query in search_quality.QUERIES:
        # A word counts as the plants' own if no language's generated text holds it.
        own = [
            word
            for term in parse(query.q).include
            for word in term.words
            if all(not (set(variants(lang, word)) & generated[lang]) for lang in generated)
        ]
        assert own, f"{query.q!r} has no word of the plants' own"


def test_bulk_generator_writes_threads_the_services_would_and_indexes_them(
    db: Session,
) -> None:
    first = {
        "users": (db.scalar(select(func.max(User.id))) or 0) + 1,
        "spaces": (db.scalar(select(func.max(Space.id))) or 0) + 1,
        "comments": (db.scalar(select(func.max(Comment.id))) or 0) + 1,
    }
    made = search_data.populate(
        lambda: contextlib.nullcontext(db.connection()),
        300,
        spaces=3,
        people_count=30,
        first_ids=first,
    )

    rows = list(db.scalars(select(Comment).where(Comment.space_id.in_(made.space_ids))))
    kinds = Counter(c.kind for c in rows)
    assert kinds == {CommentKind.COMMENT: 300, CommentKind.QUESTION: 3 * search_data.QUESTIONS}
    assert made.comments == 300
    assert set(made.plants) == {p.key for p in search_quality.PLANTS}
    by_id = {c.id: c for c in rows}
    for c in rows:
        parent = by_id.get(c.parent_id) if c.parent_id else None
        if c.kind == CommentKind.QUESTION:
            assert c.path == threads.root_path(is_question=True, number=c.number, comment_id=0)
        elif parent is None:
            assert c.path == threads.root_path(is_question=False, number=None, comment_id=c.id)
        else:
            assert c.path == threads.child_path(parent.path, c.id)
        assert c.depth == threads.depth_of(c.path) <= search_data.MAX_DEPTH
        assert c.body_html.startswith("<")
    assert max(c.depth for c in rows) == search_data.MAX_DEPTH
    assert Counter(c.lang for c in rows if c.kind == CommentKind.COMMENT).keys() == {
        "en",
        "fr",
        "es",
    }
    hidden = {c.id for c in rows if c.status == CommentStatus.HIDDEN}
    assert made.plants["en-lampedusa-hidden"] in hidden
    # The triggers indexed every text: each comment's own and each translation.
    translations = db.scalar(
        select(func.count())
        .select_from(CommentTranslation)
        .where(CommentTranslation.comment_id.in_(by_id))
    )
    entries = db.scalar(
        select(func.count()).select_from(SearchEntry).where(SearchEntry.comment_id.in_(by_id))
    )
    assert translations == made.translations
    assert entries == len(rows) + translations

    outcomes = search_quality.run_all(db, made.plants)
    assert _failures(outcomes) == []


def test_latency_mix_is_different_two_word_queries_in_the_stated_shares() -> None:
    queries = search.latency_queries(300)

    assert len({q.q for q in queries}) == 300
    assert all(len(q.q.split()) == 2 for q in queries)
    tiers = Counter(q.tier for q in queries)
    assert tiers == {name: round(share * 300) for name, share, *_ in search.TIERS}
    assert Counter(q.lang for q in queries).keys() == set(search_data.LANGS)
    common = {lang: set(search_words.common(lang)) for lang in search_data.LANGS}
    both_common = [q for q in queries if q.tier == "common + common"]
    assert all(
        set(q.q.split()) <= {fold(w) for w in common[q.lang]} | common[q.lang] for q in both_common
    )


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert search.percentile(values, 0.5) == 50.0
    assert search.percentile(values, 0.99) == 99.0
    assert search.percentile([7.0], 0.99) == 7.0
