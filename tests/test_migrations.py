from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from app.db import create_db_engine
from app.migrate import alembic_config
from app.models import Base
from app.models.search import compared
from tests import own_db


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        options = {"compare_type": True, "include_name": compared}
        context = MigrationContext.configure(conn, opts=options)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_database_is_at_the_single_head(engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == heads[0]


def test_the_note_word_target_migration_goes_down_and_up(tmp_path: Path) -> None:
    url = own_db.create(tmp_path, "word_target_migration")
    engine = create_engine(url)
    try:

        def columns() -> set[str]:
            return {c["name"] for c in inspect(engine).get_columns("spaces")}

        def triggers() -> int:
            # SQLite copies a table to drop a column in batch mode, losing its triggers.
            if engine.dialect.name != "sqlite":
                return 0
            with engine.connect() as conn:
                found = conn.execute(
                    text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
                )
                return int(found.scalar_one())

        assert "note_word_target" in columns()
        command.downgrade(alembic_config(url), "4f1c8b2d6e93")  # the later ones first
        before = triggers()
        command.downgrade(alembic_config(url), "9e4d7a1c2b58")
        assert "note_word_target" not in columns()
        assert "texts_version" in columns()  # only its own column went
        assert triggers() == before
        command.upgrade(alembic_config(url), "head")
        assert "note_word_target" in columns()
    finally:
        engine.dispose()
        own_db.drop(url)


def test_the_analysis_migration_goes_down_and_up(tmp_path: Path) -> None:
    url = own_db.create(tmp_path, "analysis_migration")
    engine = create_db_engine(url)  # with the search index's SQL function
    try:

        def tables() -> set[str]:
            return set(inspect(engine).get_table_names())

        assert {"analysis_jobs", "embeddings", "themes"} <= tables()
        command.downgrade(alembic_config(url), "4f1c8b2d6e93")
        assert not {"analysis_jobs", "embeddings", "themes"} & tables()
        with engine.begin() as conn:  # the triggers went with them: writing still works
            conn.execute(text("UPDATE comments SET body_html = body_html || ' '"))
        command.upgrade(alembic_config(url), "head")
        assert {"analysis_jobs", "embeddings", "themes"} <= tables()
    finally:
        engine.dispose()
        own_db.drop(url)
