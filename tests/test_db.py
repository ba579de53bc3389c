from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from app.db import create_db_engine, make_session_factory, transaction
from app.migrate import upgrade
from app.models import Space, SpaceText


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'nested' / 'rt.db'}"
    upgrade(url)
    return create_db_engine(url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError), sqlite_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO space_texts (space_id, lang, title, intro_md, intro_html) "
                "VALUES (999, 'en', 't', '', '')"
            )
        )


def _space(slug: str) -> Space:
    return Space(slug=slug, original_lang="en", languages="en", opens_at=datetime.now(UTC))


def test_unit_of_work_commits_once_at_the_end(sqlite_engine: Engine) -> None:
    factory = make_session_factory(sqlite_engine)
    with transaction(factory) as db:
        db.add(_space("kept"))
        db.flush()

    def crash() -> None:
        with transaction(factory) as db:
            db.add(_space("crashed"))
            db.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        crash()
    with factory() as db:
        assert list(db.scalars(select(Space.slug))) == ["kept"]
        assert db.scalar(select(SpaceText)) is None
