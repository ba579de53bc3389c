"""Benchmark: the digest of a 2,000-comment space as Markdown and as DOCX.

Builds the space in a temporary SQLite database (migrated like production), ~150 words per
comment in English, French and Spanish, threads nested up to depth 8, some translations,
tags and editorial states; then times build_digest and each renderer (best of N) and
measures peak Python memory with tracemalloc (pandoc's own peak RSS is reported apart).

    .venv/bin/python bench/digest_export.py [--comments 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

import app.main  # noqa: E402, F401 - installs the route table the exports' links are built from
from app.comments import threads  # noqa: E402
from app.db import create_db_engine, make_session_factory  # noqa: E402
from app.exports import digest as digests  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import (  # noqa: E402
    Comment,
    CommentTag,
    CommentTranslation,
    Curation,
    Space,
    SpaceModerator,
    SpaceText,
    Tag,
    User,
)
from app.models.comments import CommentKind  # noqa: E402
from app.models.curation import EditorialState  # noqa: E402
from app.models.spaces import AttributionRule  # noqa: E402
from app.policy import Person, Viewer  # noqa: E402

TARGETS = {"to_markdown": 0.1, "to_docx": 3.0}
MAX_DEPTH = 8
QUESTIONS = 8
WORDS = {  # vocabularies, split into words below
    "en": (
        "migration labour mobility pathways skills recognition workers employers visas "
        "regular safe orderly rights protection families recruitment fees decent work "
        "the of and to in a is that for on with as by at from this we should could policy"
    ),
    "fr": (
        "migration mobilité main-d'œuvre voies compétences reconnaissance travailleurs "
        "employeurs visas régulière sûre ordonnée droits protection familles recrutement "
        "frais travail décent le la les des et à en un une est que pour sur avec nous"
    ),
    "es": (
        "migración movilidad laboral vías competencias reconocimiento trabajadores "
        "empleadores visados regular segura ordenada derechos protección familias "
        "contratación tasas trabajo decente el la los las de y en un una es que para con"
    ),
}
PUNCTUATION = [",", ",", ".", ";", ":", "?", " (see objective 18)", " —", "!"]


def _text(rng: random.Random, lang: str, words: int) -> str:
    """~`words` words in a few paragraphs, with punctuation and some Markdown-looking bits."""
    vocabulary = WORDS[lang].split()
    paragraphs: list[str] = []
    remaining = words
    while remaining > 0:
        size = min(remaining, rng.randint(30, 70))
        tokens = [rng.choice(vocabulary) for _ in range(size)]
        for i in range(8, size, rng.randint(7, 12)):
            tokens[i] += rng.choice(PUNCTUATION)
        sentence = " ".join(tokens)
        paragraphs.append(sentence[0].upper() + sentence[1:] + ".")
        remaining -= size
    if rng.random() < 0.1:
        paragraphs.append("- first point\n- second point *with emphasis* and [a link](x)")
    return "\n\n".join(paragraphs)


def build_space(db: Session, comments: int, seed: int = 7) -> tuple[Space, Viewer]:
    rng = random.Random(seed)
    # Accounts straight into the table: hashing 60 passwords would be most of the set-up.
    people = [
        User(
            email=f"p{i}@example.org",
            display_name=f"Participant {i:03d}",
            display_name_key=f"participant {i:03d}",
            password_hash="-",  # noqa: S106 - no one signs in
            locale=("en", "fr", "es")[i % 3],
        )
        for i in range(60)
    ]
    db.add_all(people)
    db.flush()
    moderator = people[0]
    start = datetime(2025, 3, 1, tzinfo=UTC)
    space = Space(
        slug="bench",
        original_lang="en",
        languages="en fr es",
        opens_at=start,
        closes_at=start + timedelta(days=60),
        attribution=AttributionRule.CONSENT,
    )
    db.add(space)
    db.flush()
    db.add(SpaceText(space_id=space.id, lang="en", title="Benchmark consultation"))
    db.add(SpaceModerator(space_id=space.id, user_id=moderator.id))
    tags = [
        Tag(space_id=space.id, taxonomy="", code=f"tag{i}", label=f"tag {i}") for i in range(10)
    ] + [
        Tag(space_id=space.id, taxonomy="gcm", code=str(i), label=f"Objective {i}") for i in (5, 18)
    ]
    db.add_all(tags)
    db.flush()

    def add(parent: Comment | None, lang: str, body: str, **extra: Any) -> Comment:
        comment = Comment(
            space_id=space.id,
            author_id=extra.pop("author_id", rng.choice(people).id),
            parent_id=parent.id if parent else None,
            lang=lang,
            body_md=body,
            body_html="<p>(not used by exports)</p>",
            created_at=start + timedelta(minutes=rng.randint(0, 60 * 24 * 50)),
            path="",
            named_consent=rng.random() < 0.5,
            **extra,
        )
        db.add(comment)
        db.flush()
        return comment

    questions: list[Comment] = []
    for number in range(1, QUESTIONS + 1):
        q = add(
            None,
            "en",
            f"Question {number}: how should pathway {number} work in practice?",
            kind=CommentKind.QUESTION,
            number=number,
            author_id=moderator.id,
        )
        q.path = threads.root_path(is_question=True, number=number, comment_id=q.id)
        questions.append(q)
    open_parents: list[Comment] = list(questions)
    for i in range(comments):
        lang = ("en", "fr", "es")[i % 3]
        if i % 50 == 49:  # a participant's own post now and then
            parent = None
        elif rng.random() < 0.3:
            parent = rng.choice(questions)
        else:
            parent = rng.choice(open_parents)
        c = add(parent, lang, _text(rng, lang, rng.randint(130, 170)))
        c.path = (
            threads.child_path(parent.path, c.id)
            if parent
            else threads.root_path(is_question=False, number=None, comment_id=c.id)
        )
        c.depth = threads.depth_of(c.path)
        if c.depth < MAX_DEPTH:
            open_parents.append(c)
        if rng.random() < 0.1:
            other = rng.choice([x for x in ("en", "fr", "es") if x != lang])
            db.add(
                CommentTranslation(
                    comment_id=c.id,
                    lang=other,
                    body_md=_text(rng, other, 150),
                    body_html="<p>(not used)</p>",
                )
            )
        if rng.random() < 0.3:
            for tag in rng.sample(tags, rng.randint(1, 3)):
                db.add(CommentTag(comment_id=c.id, tag_id=tag.id, created_by_id=moderator.id))
        if rng.random() < 0.2:
            state = rng.choice(tuple(EditorialState))
            db.add(
                Curation(
                    comment_id=c.id, space_id=space.id, state=state, updated_by_id=moderator.id
                )
            )
    db.flush()
    viewer = Viewer(user=Person.of(moderator), moderated_space_ids=frozenset({space.id}))
    return space, viewer


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time of `repeat` runs, and the peak Python memory of one traced run."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20, result


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = create_db_engine(url)
        factory = make_session_factory(engine)
        began = time.perf_counter()
        with factory() as db:
            space, viewer = build_space(db, args.comments)
            db.commit()
        built = time.perf_counter() - began
        with factory() as db:
            space = db.get_one(Space, space.id)
            read, read_mem, digest = measure(
                lambda: digests.build_digest(db, viewer, space, "en", base_url="https://x.example"),
                args.repeat,
            )
        engine.dispose()

    words = sum(len(e.body_md.split()) for g in digest.groups for e in g.entries) // max(
        1, digest.comment_count
    )
    depth = max((e.depth for g in digest.groups for e in g.entries), default=0)
    rows = [("build_digest (SQLite)", read, read_mem, None)]
    sizes: dict[str, int] = {}
    for name, fn in (
        ("to_markdown", digests.to_markdown),
        ("to_docx", digests.to_docx),
        ("to_csv", digests.to_csv),
        ("to_json", digests.to_json),
    ):
        seconds, peak, output = measure(lambda fn=fn: fn(digest), args.repeat)
        sizes[name] = len(output.encode() if isinstance(output, str) else output)
        rows.append((name, seconds, peak, TARGETS.get(name)))
    pandoc_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"Machine: {machine()}")
    print(
        f"Space: {digest.comment_count} comments, {len(digest.groups)} groups, "
        f"~{words} words each, depth up to {depth} (built in {built:.1f} s)"
    )
    print(f"Best of {args.repeat}; peak memory = Python allocations (tracemalloc)\n")
    print("| step | seconds | peak MiB | output | target | ok |")
    print("|---|---:|---:|---:|---:|---|")
    failed = False
    for name, seconds, peak, target in rows:
        size = f"{sizes[name] / 2**20:.2f} MiB" if name in sizes else ""
        verdict = "" if target is None else ("yes" if seconds <= target else "NO")
        failed |= verdict == "NO"
        limit = f"≤ {target:g} s" if target else ""
        print(f"| {name} | {seconds:.3f} | {peak:.1f} | {size} | {limit} | {verdict} |")
    print(f"\npandoc peak RSS (child process): {pandoc_rss:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
