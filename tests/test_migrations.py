from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.migrate import alembic_config
from app.models import Base
from app.models.search import compared


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
