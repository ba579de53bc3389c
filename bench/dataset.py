"""The runner's data: generated once per database, reused while nothing it depends on changed.

Generating 2,200 comments through the services takes half a minute per database, most
of a benchmark run. A stamp file remembers what was generated (generator and write-path
sources, sizes, seed, schema revision); the database is regenerated when the stamp
differs, when the spaces no longer hold what they should, or on request (--fresh).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from app.accounts import service as accounts
from app.db import create_db_engine, make_session_factory, transaction
from app.migrate import alembic_config
from app.models import Comment, Space, User
from bench import generate

CACHE_DIR = Path(tempfile.gettempdir()) / "roundtable-bench"
_APP = generate.ROOT / "app"
# The generator, and the app code that decides what a post stores (a change there makes
# stored rows stale). Read-path code (views, templates) is left out on purpose: tuning it
# should not cost a regeneration per run. Anything else: --fresh.
SOURCES = [
    Path(generate.__file__),
    Path(generate.__file__).with_name("words.py"),
    _APP / "comments" / "bodies.py",
    _APP / "comments" / "editing.py",
    _APP / "comments" / "posting.py",
    _APP / "markup.py",
    *sorted((_APP / "models").glob("*.py")),
]


@dataclass(frozen=True)
class Dataset:
    url: str
    session_token: str
    generated: bool  # False: reused from an earlier run
    seconds: float


def sqlite_url() -> str:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{CACHE_DIR / 'bench.db'}"


def _key(url: str, sizes: tuple[int, ...], seed: int) -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update(source.read_bytes())
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    digest.update(f"{sizes}|{seed}|{head}".encode())
    return digest.hexdigest()


def _stamp_path(url: str) -> Path:
    return CACHE_DIR / f"stamp-{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"


def _still_there(url: str, sizes: tuple[int, ...]) -> bool:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            for size in sizes:
                count = connection.scalar(
                    select(func.count(Comment.id))
                    .join(Space, Space.id == Comment.space_id)
                    .where(Space.slug == f"bench-{size}", Comment.kind == "comment")
                )
                if count != size:
                    return False
        return True
    except Exception:  # no schema, no tables, no database: generate afresh
        return False
    finally:
        engine.dispose()


def _new_session(url: str) -> str:
    """A fresh sign-in for the reader: an old one may have expired since the last run."""
    engine = create_db_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            reader = db.scalars(select(User).where(User.email == generate.READER_EMAIL)).one()
            return accounts.start_session(
                db, reader, now=datetime.now(UTC), max_age=timedelta(days=1), agent="bench"
            )
    finally:
        engine.dispose()


def ensure(url: str, sizes: tuple[int, ...], *, seed: int = 7, fresh: bool = False) -> Dataset:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = _key(url, sizes, seed)
    stamp = _stamp_path(url)
    known = json.loads(stamp.read_text()) if stamp.exists() else {}
    if not fresh and known.get("key") == key and _still_there(url, sizes):
        return Dataset(url, _new_session(url), generated=False, seconds=0.0)
    stamp.unlink(missing_ok=True)
    generate.reset_database(url)
    made = generate.generate(url, sizes, seed=seed)
    stamp.write_text(json.dumps({"key": key, "url_hash": stamp.stem}))
    return Dataset(url, made.session_token, generated=True, seconds=made.seconds)
