"""The index follows every write by itself, is built for existing data, and rebuilds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from app.cli import main
from app.comments import editing
from app.config import get_settings
from app.db import create_db_engine, make_session_factory
from app.fulltext import sqlite as fulltext_sqlite
from app.fulltext.query import parse
from app.migrate import alembic_config
from app.models import Comment, CommentTranslation, SearchEntry
from app.policy import ANONYMOUS, Purpose, read_as
from app.search import backends
from app.search.service import LANGUAGES
from tests import own_db
from tests.factories import Factory

NOW = datetime.now(UTC)
BEFORE_SEARCH = "5b8e2f4a7c19"  # the revision before the search index


def matches(db: Session, words: str) -> list[tuple[int, str]]:
    """(comment id, language) of each matching entry, whoever may see it."""
    found = backends.candidates(db.get_bind().dialect.name, parse(words), LANGUAGES, [])
    statement = select(found.c.comment_id, found.c.lang)
    rows = db.execute(statement, execution_options={"roundtable_purpose": Purpose.SYSTEM})
    return sorted((row.comment_id, row.lang) for row in rows)


def entries(db: Session, comment_id: int) -> list[tuple[str, bool]]:
    rows = db.execute(
        select(SearchEntry.lang, SearchEntry.translated).where(SearchEntry.comment_id == comment_id)
    )
    return sorted((row.lang, row.translated) for row in rows)


def test_translations_are_indexed_changed_and_removed(db: Session, factory: Factory) -> None:
    ana = factory.user()
    space = factory.space()
    c = factory.comment(space, ana, "Los derechos laborales.", lang="es")
    read_as(db, factory.viewer(ana))
    editing.save_translation(
        db,
        factory.viewer(ana),
        c,
        space,
        lang="fr",
        body="Les droits du travail.",
        now=NOW,
        max_chars=5000,
    )
    assert entries(db, c.id) == [("es", False), ("fr", True)]
    assert matches(db, "droit") == [(c.id, "fr")]
    editing.save_translation(
        db,
        factory.viewer(ana),
        c,
        space,
        lang="fr",
        body="Les salaires.",
        now=NOW,
        max_chars=5000,
    )
    read_as(db, ANONYMOUS, Purpose.SYSTEM)
    assert matches(db, "droit") == []
    assert matches(db, "salaire") == [(c.id, "fr")]
    db.execute(delete(CommentTranslation).where(CommentTranslation.comment_id == c.id))
    assert entries(db, c.id) == [("es", False)]
    assert matches(db, "salaire") == []


def test_a_removed_comment_leaves_the_index(db: Session, factory: Factory) -> None:
    c = factory.comment(factory.space(), factory.user(), "Ephemeral wording here.")
    assert matches(db, "ephemeral") == [(c.id, "en")]
    db.execute(delete(Comment).where(Comment.id == c.id))
    assert matches(db, "ephemeral") == []
    assert entries(db, c.id) == []


def test_a_language_correction_restems(db: Session, factory: Factory) -> None:
    c = factory.comment(factory.space(), factory.user(), "Las trabajadoras migrantes.")
    # Stemmed as English, "trabajadoras" and "trabajo" have nothing in common.
    assert matches(db, "trabajo") == []
    c.lang = "es"
    db.flush()
    assert matches(db, "trabajo") == [(c.id, "es")]


def test_a_stemming_failure_never_loses_the_comment(
    db: Session, factory: Factory, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the stems are the application's own on SQLite only")

    def broken(lang: str, html: str) -> tuple[str, str]:
        raise RuntimeError("stemmer gone")

    monkeypatch.setattr(fulltext_sqlite, "_terms", broken)
    c = factory.comment(factory.space(), factory.user(), "Saved whatever happens.")
    assert db.get(Comment, c.id) is not None
    assert matches(db, "saved") == []


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[str]:
    """A database migrated up to the revision before search, holding comments already."""
    url = own_db.create(tmp_path, "before_search", revision=BEFORE_SEARCH)
    yield url
    own_db.drop(url)


def test_the_migration_indexes_what_was_written_before(old_database: str) -> None:
    engine = create_db_engine(old_database)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (email, display_name, display_name_key, password_hash, "
                    "locale, is_admin, created_at) VALUES ('a@example.org', 'Ana', 'ana', 'x', "
                    "'en', false, :now)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO spaces (slug, original_lang, languages, opens_at, created_at, "
                    "posting_policy, attribution, max_shown_depth, flag_threshold, version) "
                    "VALUES ('old', 'fr', 'en fr es', :now, :now, 'post-moderation', 'named', "
                    "6, 3, 1)"
                ),
                {"now": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO comments (space_id, author_id, path, depth, kind, lang, body_md, "
                    "body_html, created_at, version, status, moderation_reason, pinned, locked, "
                    "named_consent) SELECT s.id, u.id, '20000000001.', 0, 'comment', 'fr', "
                    "'Des travailleurs', '<p>Des travailleurs</p>', :now, 1, 'published', '', "
                    "false, false, false FROM spaces s, users u"
                ),
                {"now": NOW},
            )
        command.upgrade(alembic_config(old_database), "head")
        with make_session_factory(engine)() as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            assert [lang for _, lang in matches(db, "travailleur")] == ["fr"]
    finally:
        engine.dispose()


def test_reindex_rebuilds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = own_db.create(tmp_path, "reindex")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    engine = create_db_engine(url)
    try:
        runner = CliRunner()
        assert runner.invoke(main, ["demo"]).exit_code == 0
        with engine.begin() as conn:
            before = conn.scalar(select(func.count()).select_from(SearchEntry))
            conn.execute(delete(SearchEntry))  # the triggers follow, so the index is empty
        with make_session_factory(engine)() as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            assert matches(db, "migrant") == []
        result = runner.invoke(main, ["reindex"])
        assert result.exit_code == 0, result.output
        assert f"{before} texts indexed" in result.output
        with make_session_factory(engine)() as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            assert matches(db, "migrant")
            assert db.scalar(select(func.count()).select_from(SearchEntry)) == before
    finally:
        engine.dispose()
        get_settings.cache_clear()
        own_db.drop(url)
