"""The search benchmark's data: 100,000 comments in 20 spaces, written fast, indexed for real.

Comments go in by Core bulk inserts (rows as `submit_comment` would store them: Markdown
rendered by `app.markup.render_markdown`, materialised paths from `app.comments.threads`),
a thousand to a transaction; the database's own triggers build the search index as they
would for posts one by one, so the index is the one production would have. Posting
100,000 comments through the services would take most of an hour.

Each of the 20 spaces gets 4 numbered questions (English, with French and Spanish
translations) and comments in English, French and Spanish (a third each, drawn at
random) of 80-150 words from bench/search_words.py, threaded under the questions up to
depth 8 (and now and then a participant's own post), about one in ten with the author's
translation into another language and one in two hundred hidden by a moderator. The
labelled set of bench/search_quality.py is planted at fixed places among them. The same
seed makes the same data on SQLite and PostgreSQL.

The database is kept between runs, like bench/dataset.py's: a stamp names the sources
that decide what is stored, and `ensure` regenerates when they change (or on --fresh).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from app.accounts import names, passwords
from app.comments import threads
from app.db import create_db_engine
from app.markup import render_markdown
from app.migrate import alembic_config, upgrade
from app.models import Comment, CommentTranslation, Space, SpaceModerator, SpaceText, User
from app.models.comments import CommentKind, CommentStatus
from bench import dataset, generate, search_quality, search_words

LANGS = ("en", "fr", "es")
COMMENTS = 100_000
SPACES = 20
QUESTIONS = 4
PEOPLE = 400
MAX_DEPTH = 8
WORDS = (80, 150)
TRANSLATED = 0.1
HIDDEN = 0.005
CHUNK = 1000  # rows a transaction
SEED = 11
SLUG = "search-{:02d}"
EMAIL = "search-{}@bench.example"
OPENS = datetime(2025, 1, 1, tzinfo=UTC)
CLOSES = datetime(2099, 12, 31, tzinfo=UTC)
FIRST_POST = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_search"
# The index's own triggers (the search-index migration): dropped in the copy that
# measures posting without the index.
INDEX_TRIGGERS = {
    "comments": ("comments_insert_indexes", "comments_update_indexes", "comments_delete_indexes"),
    "comment_translations": (
        "translations_insert_indexes",
        "translations_update_indexes",
        "translations_delete_indexes",
    ),
}

_APP = generate.ROOT / "app"
# What decides the rows and index entries stored: this generator, its words and plants,
# the write-path code it mirrors, and the stems SQLite's triggers compute in Python.
SOURCES = [
    Path(__file__),
    Path(search_words.__file__),
    Path(search_quality.__file__),
    Path(generate.__file__).with_name("words.py"),
    _APP / "markup.py",
    _APP / "comments" / "threads.py",
    *sorted((_APP / "fulltext").glob("*.py")),
    *sorted((_APP / "models").glob("*.py")),
]

Begin = Callable[[], AbstractContextManager[Connection]]


@dataclass
class Made:
    """What was written; enough for the report and for the tests."""

    comments: int = 0
    questions: int = 0
    translations: int = 0
    hidden: int = 0
    words: int = 0
    max_depth: int = 0
    langs: Counter[str] = field(default_factory=Counter)
    plants: dict[str, int] = field(default_factory=dict)  # labelled key -> comment id
    space_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "comments": self.comments,
            "questions": self.questions,
            "translations": self.translations,
            "hidden": self.hidden,
            "words": self.words,
            "max_depth": self.max_depth,
            "langs": dict(self.langs),
            "plants": self.plants,
            "space_ids": self.space_ids,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Made:
        return cls(**{**data, "langs": Counter(data["langs"])})


@dataclass
class _Node:
    id: int
    path: str
    depth: int


@dataclass
class _Space:
    id: int
    questions: list[_Node] = field(default_factory=list)
    recent: list[_Node] = field(default_factory=list)  # replies cluster on fresh comments
    count: int = 0


def _next_ids(connection: Connection) -> dict[str, int]:
    return {
        table.name: int(connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
        for table in (User.__table__, Space.__table__, Comment.__table__)
    }


def _people(connection: Connection, first_id: int, count: int) -> list[int]:
    """Participants sharing one password hash (hashing is slow on purpose)."""
    hashed = passwords.hash_password(generate.PASSWORD)
    rows = []
    for i in range(count):
        first = generate.FIRST_NAMES[i % len(generate.FIRST_NAMES)]
        family = generate.FAMILY_NAMES[
            (i // len(generate.FIRST_NAMES)) % len(generate.FAMILY_NAMES)
        ]
        round_ = i // (len(generate.FIRST_NAMES) * len(generate.FAMILY_NAMES))
        name = f"{first} {chr(ord('A') + round_)}. {family}" if round_ else f"{first} {family}"
        rows.append(
            {
                "id": first_id + i,
                "email": EMAIL.format(first_id + i),
                "display_name": name,
                "display_name_key": names.display_name_key(name),
                "password_hash": hashed,
                "locale": LANGS[i % 3],
                "is_admin": False,
                "created_at": FIRST_POST - timedelta(days=30),
                "email_verified_at": FIRST_POST - timedelta(days=30),
            }
        )
    connection.execute(insert(User), rows)
    return [row["id"] for row in rows]


def _spaces(
    connection: Connection, first_id: int, count: int, moderators: list[int], rng: random.Random
) -> list[int]:
    ids = list(range(first_id, first_id + count))
    connection.execute(
        insert(Space),
        [
            {
                "id": space_id,
                "slug": SLUG.format(n + 1),
                "original_lang": "en",
                "languages": "en fr es",
                "opens_at": OPENS,
                "closes_at": CLOSES,
                "created_at": OPENS,
            }
            for n, space_id in enumerate(ids)
        ],
    )
    titles = {
        "en": "Consultation {n}: labour mobility and families",
        "fr": "Consultation {n} : mobilité de la main-d'œuvre et familles",
        "es": "Consulta {n}: movilidad laboral y familias",
    }
    texts = []
    for n, space_id in enumerate(ids):
        for lang in LANGS:
            intro = search_words.body(rng, lang, 60)
            texts.append(
                {
                    "space_id": space_id,
                    "lang": lang,
                    "title": titles[lang].format(n=n + 1),
                    "intro_md": intro,
                    "intro_html": render_markdown(intro),
                }
            )
    connection.execute(insert(SpaceText), texts)
    connection.execute(
        insert(SpaceModerator),
        [{"space_id": s, "user_id": moderators[n]} for n, s in enumerate(ids)],
    )
    return ids


def _comment_row(
    node: _Node,
    *,
    space_id: int,
    author_id: int,
    parent_id: int | None,
    kind: CommentKind,
    number: int | None,
    lang: str,
    body: str,
    at: datetime,
    hidden: bool,
    consent: bool,
) -> dict[str, Any]:
    return {
        "id": node.id,
        "space_id": space_id,
        "author_id": author_id,
        "parent_id": parent_id,
        "path": node.path,
        "depth": node.depth,
        "kind": kind,
        "number": number,
        "lang": lang,
        "body_md": body,
        "body_html": render_markdown(body),
        "created_at": at,
        "status": CommentStatus.HIDDEN if hidden else CommentStatus.PUBLISHED,
        "moderated_at": at + timedelta(hours=2) if hidden else None,
        "moderation_reason": "bench" if hidden else "",
        "named_consent": consent,
    }


def _translation_row(comment_id: int, lang: str, body: str, at: datetime) -> dict[str, Any]:
    return {
        "comment_id": comment_id,
        "lang": lang,
        "body_md": body,
        "body_html": render_markdown(body),
        "created_at": at,
    }


def _flush(
    connection: Connection, comments: list[dict[str, Any]], translations: list[dict[str, Any]]
) -> None:
    if comments:
        connection.execute(insert(Comment), comments)
    if translations:
        connection.execute(insert(CommentTranslation), translations)
    comments.clear()
    translations.clear()


def populate(
    begin: Begin,
    comments: int = COMMENTS,
    *,
    spaces: int = SPACES,
    people_count: int = PEOPLE,
    seed: int = SEED,
    first_ids: dict[str, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Made:
    """Write the accounts, spaces, questions and comments, CHUNK rows a transaction.

    Ids are given, not drawn, so a reply's path can name its parent before either is
    written: they start at `first_ids` (by table name: users, spaces, comments), or past
    the largest in the database.
    """
    began = time.perf_counter()
    rng = random.Random(seed)
    made = Made()
    with begin() as connection:
        ids = first_ids or _next_ids(connection)
        people = _people(connection, ids["users"], people_count)
        made.space_ids = _spaces(connection, ids["spaces"], spaces, people, rng)
    next_id = ids["comments"]
    states = [_Space(space_id) for space_id in made.space_ids]
    rows: list[dict[str, Any]] = []
    translations: list[dict[str, Any]] = []
    clock = FIRST_POST
    for state in states:
        moderator = people[made.space_ids.index(state.id)]
        for number in range(1, QUESTIONS + 1):
            node = _Node(
                next_id, threads.root_path(is_question=True, number=number, comment_id=0), 0
            )
            next_id += 1
            clock += timedelta(minutes=3)
            question = f"Question {number}: " + search_words.body(rng, "en", 18)
            rows.append(
                _comment_row(
                    node,
                    space_id=state.id,
                    author_id=moderator,
                    parent_id=None,
                    kind=CommentKind.QUESTION,
                    number=number,
                    lang="en",
                    body=question,
                    at=clock,
                    hidden=False,
                    consent=True,
                )
            )
            for other in ("fr", "es"):
                translations.append(
                    _translation_row(node.id, other, search_words.body(rng, other, 18), clock)
                )
                made.translations += 1
            state.questions.append(node)
            made.questions += 1
    with begin() as connection:
        _flush(connection, rows, translations)
    # The plants, spread evenly through the stream of comments.
    planted = {
        (k + 1) * comments // (len(search_quality.PLANTS) + 1): plant
        for k, plant in enumerate(search_quality.PLANTS)
    }
    for i in range(comments):
        state = rng.choice(states)
        plant = planted.get(i)
        lang = plant.lang if plant else rng.choice(LANGS)
        parent: _Node | None
        if state.count % 40 == 39:
            parent = None  # a participant's own post, not under a question
        elif rng.random() < 0.3 or not state.recent:
            parent = rng.choice(state.questions)
        else:
            parent = rng.choice(state.recent[-25:])
        comment_id = next_id
        next_id += 1
        path = (
            threads.child_path(parent.path, comment_id)
            if parent
            else threads.root_path(is_question=False, number=None, comment_id=comment_id)
        )
        node = _Node(comment_id, path, threads.depth_of(path))
        clock += timedelta(seconds=rng.randint(30, 270))
        body = plant.body if plant else search_words.body(rng, lang, rng.randint(*WORDS))
        hidden = plant.hidden if plant else rng.random() < HIDDEN
        rows.append(
            _comment_row(
                node,
                space_id=state.id,
                author_id=rng.choice(people),
                parent_id=parent.id if parent else None,
                kind=CommentKind.COMMENT,
                number=None,
                lang=lang,
                body=body,
                at=clock,
                hidden=hidden,
                consent=rng.random() < 0.5,
            )
        )
        state.count += 1
        made.comments += 1
        made.hidden += hidden
        made.words += len(body.split())
        made.langs[lang] += 1
        made.max_depth = max(made.max_depth, node.depth)
        if plant:
            made.plants[plant.key] = comment_id
        if node.depth < MAX_DEPTH and not hidden:
            state.recent.append(node)
            del state.recent[:-50]
        translation = plant.translation if plant else None
        if translation is None and not plant and rng.random() < TRANSLATED:
            other = rng.choice([x for x in LANGS if x != lang])
            translation = (other, search_words.body(rng, other, rng.randint(*WORDS)))
        if translation:
            translations.append(_translation_row(comment_id, *translation, clock))
            made.translations += 1
        if len(rows) >= CHUNK:
            with begin() as connection:
                _flush(connection, rows, translations)
            if progress:
                progress(made.comments)
    with begin() as connection:
        _flush(connection, rows, translations)
        if connection.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind: posts after this must not collide.
            last = {
                "users": people[-1],
                "spaces": made.space_ids[-1],
                "comments": next_id - 1,
            }
            for table, value in last.items():
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"),
                    {"table": table, "value": value},
                )
    made.seconds = time.perf_counter() - began
    return made


# --- The cached database -------------------------------------------------------------


def sqlite_url() -> str:
    dataset.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{dataset.CACHE_DIR / 'search.db'}"


def _key(url: str, comments: int, spaces: int, seed: int) -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update(source.read_bytes())
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    digest.update(f"{comments}|{spaces}|{seed}|{head}".encode())
    return digest.hexdigest()


def _stamp_path(url: str) -> Path:
    return dataset.CACHE_DIR / f"search-stamp-{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"


def _count(url: str) -> int | None:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count()).select_from(Comment).where(Comment.kind == "comment")
                )
                or 0
            )
    except Exception:  # no database, no schema: generate afresh
        return None
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Dataset:
    url: str
    made: Made
    generated: bool  # False: reused from an earlier run


def ensure(
    url: str,
    comments: int = COMMENTS,
    *,
    spaces: int = SPACES,
    seed: int = SEED,
    fresh: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Dataset:
    """The data in `url`: reused when its stamp matches, else generated from nothing."""
    dataset.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = _key(url, comments, spaces, seed)
    stamp = _stamp_path(url)
    known = json.loads(stamp.read_text()) if stamp.exists() else {}
    if not fresh and known.get("key") == key and _count(url) == comments:
        return Dataset(url, Made.from_json(known["made"]), generated=False)
    stamp.unlink(missing_ok=True)
    generate.reset_database(url)
    upgrade(url)
    engine = create_db_engine(url)
    try:
        made = populate(engine.begin, comments, spaces=spaces, seed=seed, progress=progress)
        if engine.dialect.name == "postgresql":
            # What autovacuum would soon do: the planner sees the tables as they are.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    stamp.write_text(json.dumps({"key": key, "made": made.to_json()}))
    return Dataset(url, made, generated=True)


def sizes(url: str) -> dict[str, int]:
    """Rows and bytes of what was made: comments, translations, index entries, the database."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            counts = {
                # Table names of our own, not input.
                name: int(connection.scalar(text(f"SELECT count(*) FROM {name}")) or 0)  # noqa: S608
                for name in ("comments", "comment_translations", "search_entries")
            }
            if engine.dialect.name == "postgresql":
                counts["database_bytes"] = int(
                    connection.scalar(text("SELECT pg_database_size(current_database())")) or 0
                )
                counts["index_bytes"] = int(
                    connection.scalar(text("SELECT pg_total_relation_size('search_entries')")) or 0
                )
            else:
                path = Path(make_url(url).database or "")
                counts["database_bytes"] = path.stat().st_size if path.exists() else 0
                with contextlib.suppress(Exception):
                    counts["index_bytes"] = int(
                        connection.scalar(
                            text(
                                "SELECT sum(pgsize) FROM dbstat "
                                "WHERE name LIKE 'search_%' OR name LIKE 'ix_search_%'"
                            )
                        )
                        or 0
                    )
            return counts
    finally:
        engine.dispose()


# --- Copies for the cost of writing --------------------------------------------------


@contextlib.contextmanager
def copies(url: str) -> Iterator[tuple[str, str]]:
    """Two copies of the database, one with the index's triggers and one without.

    The posts of the writing benchmark go to the copies, so the cached data stays as
    generated; both copies are removed afterwards.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "")
        made = [source.with_name(f"{source.stem}-{kind}.db") for kind in ("indexed", "plain")]
        try:
            for target in made:
                _sqlite_copy(source, target)
            urls = tuple(f"sqlite:///{target}" for target in made)
            _drop_index_triggers(urls[1])
            yield urls[0], urls[1]
        finally:
            for target in made:
                for suffix in ("", "-wal", "-shm", "-writer"):
                    Path(str(target) + suffix).unlink(missing_ok=True)
        return
    names_ = [f"{parsed.database}_{kind}" for kind in ("indexed", "plain")]
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names_:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                # A file copy: faster than logging every page of a gigabyte to the WAL.
                connection.execute(
                    text(
                        f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}" STRATEGY FILE_COPY'
                    )
                )
        urls = tuple(
            parsed.set(database=name).render_as_string(hide_password=False) for name in names_
        )
        _drop_index_triggers(urls[1])
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names_:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    if not target.exists():  # pragma: no cover - backup always makes the file
        shutil.copyfile(source, target)


def _drop_index_triggers(url: str) -> None:
    engine: Engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            for table, triggers in INDEX_TRIGGERS.items():
                for name in triggers:
                    on = "" if engine.dialect.name == "sqlite" else f" ON {table}"
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
    finally:
        engine.dispose()
