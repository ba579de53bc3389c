"""Deterministic benchmark data: consultation spaces of a given size, made by the app's services.

For each size N a space `bench-N` gets 8 numbered questions (in English, French and
Spanish) and N comments of ~150 words in turn in English, French and Spanish, threaded
up to depth 8, with about one author translation in ten. Comments go through
`submit_comment` / `save_translation` like a real post, so whatever the app keeps at write
time (rendered HTML, caches, notifications) is there as in production. The same seed
gives the same spaces, comments, authors and dates on SQLite and PostgreSQL.

    .venv/bin/python bench/generate.py --url sqlite:////tmp/bench.db --reset
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        --reset --sizes 200,2000

It prints one line per space and a session cookie for the signed-in reader.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.accounts import names, passwords  # noqa: E402
from app.accounts import service as accounts  # noqa: E402
from app.admin import service as admin  # noqa: E402
from app.comments import editing, posting  # noqa: E402
from app.db import create_db_engine, make_session_factory, transaction  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Comment, Space, User  # noqa: E402
from app.policy import Person, Viewer  # noqa: E402
from bench import words  # noqa: E402

LANGS = ("en", "fr", "es")
SIZES = (200, 2000)
QUESTIONS = 8
MAX_DEPTH = 8
PEOPLE = 60
MAX_CHARS = 20_000
PASSWORD = "bench-correct-horse-battery"  # noqa: S105 - a throwaway benchmark account
READER_EMAIL = "reader@bench.example"
# Fixed dates keep the output identical between runs; the space stays open for decades
# so the compose form and reply links are drawn as on a live consultation.
OPENS_ON = "2025-01-01"
CLOSES_ON = "2099-12-31"
FIRST_POST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FIRST_NAMES = (
    *("Amina", "Jean", "Lucía", "Kofi", "Marie", "Diego", "Aisha", "Pierre", "Sofía", "Tariq"),
    *("Claire", "Mateo", "Fatou", "Hugo", "Valentina", "Omar", "Élodie", "Javier", "Nadia", "Luc"),
)
FAMILY_NAMES = ("Diallo", "Martin", "García", "Mensah", "Dubois", "López", "Haddad", "Rossi")


@dataclass
class SpaceStats:
    """What was made in one space: enough for the runner's report and the tests."""

    slug: str
    comments: int = 0
    questions: int = 0
    translations: int = 0
    max_depth: int = 0
    words: int = 0
    langs: Counter[str] = field(default_factory=Counter)

    @property
    def words_per_comment(self) -> float:
        return self.words / self.comments if self.comments else 0.0


@dataclass
class Generated:
    spaces: dict[int, SpaceStats]  # by size
    session_token: str  # signed-in reader (a participant who wrote some comments)
    seconds: float


def _create_if_missing(url: str) -> None:
    """A fresh PostgreSQL server has no `bench` database: make it (as `createdb` would)."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def reset_database(url: str) -> None:
    """Start from nothing: delete the SQLite file, or empty PostgreSQL's public schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    _create_if_missing(url)
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _people(db: Session) -> tuple[User, list[User], User]:
    """An administrator, participants and the reader, all sharing one password hash.

    Hashing is deliberately slow, so it is done once; every account can still sign in.
    """
    hashed = passwords.hash_password(PASSWORD)

    def person(index: int, email: str, name: str, *, admin_flag: bool = False) -> User:
        return User(
            email=email,
            display_name=name,
            display_name_key=names.display_name_key(name),
            password_hash=hashed,
            locale=LANGS[index % 3],
            is_admin=admin_flag,
        )

    admin_user = person(0, "admin@bench.example", "Bench Administrator", admin_flag=True)
    participants = [
        person(
            i,
            f"p{i}@bench.example",
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {FAMILY_NAMES[i // len(FIRST_NAMES)]}",
        )
        for i in range(PEOPLE)
    ]
    reader = person(1, READER_EMAIL, "Bench Reader")
    db.add_all([admin_user, *participants, reader])
    db.flush()
    return admin_user, participants, reader


def _viewer(user: User, moderated: frozenset[int] = frozenset()) -> Viewer:
    return Viewer(user=Person.of(user), moderated_space_ids=moderated)


def _make_space(
    db: Session,
    rng: random.Random,
    size: int,
    admin_user: User,
    authors: list[User],
) -> SpaceStats:
    admin_viewer = _viewer(admin_user)
    title = {
        "en": f"Labour mobility pathways ({size} comments)",
        "fr": f"Voies de mobilité de la main-d'œuvre ({size} commentaires)",
        "es": f"Vías de movilidad laboral ({size} comentarios)",
    }
    intro = {lang: words.paragraphs(rng, lang, 90) for lang in LANGS}
    space = admin.create_space(
        db,
        admin_viewer,
        admin.NewSpace(
            slug=f"bench-{size}",
            original_lang="en",
            opens_on=OPENS_ON,
            closes_on=CLOSES_ON,
            texts=admin.SpaceTexts(title=title, intro=intro),
        ),
        now=FIRST_POST,
    )
    moderator = authors[0]
    admin.add_moderator(db, admin_viewer, space, moderator.email)
    stats = SpaceStats(slug=space.slug)
    moderator_viewer = _viewer(moderator, frozenset({space.id}))
    clock = FIRST_POST
    questions: list[Comment] = []
    for number in range(1, QUESTIONS + 1):
        clock += timedelta(minutes=7)
        question = posting.ask_question(
            db,
            moderator_viewer,
            space,
            text=f"Question {number}: " + words.sentence(rng, "en", 14),
            lang="en",
            translations={lang: words.sentence(rng, lang, 14) for lang in ("fr", "es")},
            now=clock,
            max_chars=MAX_CHARS,
        )
        questions.append(question)
        stats.questions += 1
    _post_comments(db, rng, space, size, authors, questions, clock, stats)
    return stats


def _post_comments(
    db: Session,
    rng: random.Random,
    space: Space,
    size: int,
    authors: list[User],
    questions: list[Comment],
    clock: datetime,
    stats: SpaceStats,
) -> None:
    viewers = {user.id: _viewer(user) for user in authors}
    recent: list[Comment] = []  # replies cluster on fresh comments, as in live threads
    previous: Comment | None = None
    for i in range(size):
        lang = LANGS[i % 3]
        if i < MAX_DEPTH:  # one chain reaches the deepest level even in small spaces
            parent: Comment | None = previous or questions[0]
        elif i % 40 == 39:  # a participant's own post now and then
            parent = None
        elif rng.random() < 0.3:
            parent = rng.choice(questions)
        else:
            parent = rng.choice(recent[-25:]) if recent else rng.choice(questions)
        author = rng.choice(authors)
        clock += timedelta(minutes=rng.randint(1, 30))
        body = words.paragraphs(rng, lang, rng.randint(130, 170))
        comment = posting.submit_comment(
            db,
            viewers[author.id],
            space,
            body=body,
            lang=lang,
            parent_id=parent.id if parent else None,
            now=clock,
            max_chars=MAX_CHARS,
            named_consent=rng.random() < 0.5,
        ).comment
        stats.comments += 1
        stats.words += len(body.split())
        stats.langs[lang] += 1
        stats.max_depth = max(stats.max_depth, comment.depth)
        if comment.depth < MAX_DEPTH:
            recent.append(comment)
        previous = comment
        if rng.random() < 0.1:
            other = rng.choice([x for x in LANGS if x != lang])
            editing.save_translation(
                db,
                viewers[author.id],
                comment,
                space,
                lang=other,
                body=words.paragraphs(rng, other, rng.randint(130, 170)),
                now=clock,
                max_chars=MAX_CHARS,
            )
            stats.translations += 1


def populate(
    db: Session, sizes: tuple[int, ...] = SIZES, *, seed: int = 7
) -> tuple[dict[int, SpaceStats], User]:
    """Add the accounts and one space per size; returns what was made and the reader."""
    admin_user, participants, reader = _people(db)
    authors = [*participants, reader]  # the reader wrote a few: edit links show
    made: dict[int, SpaceStats] = {}
    for size in sizes:
        # One generator per space: a space's content does not depend on the other sizes.
        rng = random.Random(seed * 10_007 + size)
        made[size] = _make_space(db, rng, size, admin_user, authors)
    return made, reader


def generate(url: str, sizes: tuple[int, ...] = SIZES, *, seed: int = 7) -> Generated:
    """Migrate `url` (as `roundtable migrate` does), populate it, sign the reader in."""
    began = time.perf_counter()
    upgrade(url)
    engine: Engine = create_db_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            made, reader = populate(db, sizes, seed=seed)
            token = accounts.start_session(
                db, reader, now=datetime.now(UTC), max_age=timedelta(days=1), agent="bench"
            )
        if engine.dialect.name == "postgresql":
            # What autovacuum would do soon anyway: done now, it cannot run during the
            # measurements, and the planner sees the tables as they are.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    return Generated(spaces=made, session_token=token, seconds=time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy database URL")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comments per space")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reset", action="store_true", help="delete the SQLite file / empty the PostgreSQL schema"
    )
    args = parser.parse_args()
    if args.reset:
        reset_database(args.url)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    made = generate(args.url, sizes, seed=args.seed)
    for stats in made.spaces.values():
        print(
            f"{stats.slug}: {stats.comments} comments + {stats.questions} questions, "
            f"{stats.translations} translations, depth ≤ {stats.max_depth}, "
            f"~{stats.words_per_comment:.0f} words each, {dict(stats.langs)}"
        )
    print(f"made in {made.seconds:.1f} s; reader's cookie: rt_session={made.session_token}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
