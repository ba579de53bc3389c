from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.config import get_settings
from app.db import create_db_engine, make_session_factory
from app.models import Comment, Space, User


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_migrate_demo_and_admin(fresh_db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["demo"])
    assert "already loaded" in again.output
    admin = runner.invoke(
        main,
        [
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Site Admin",
            "--password-stdin",
        ],
        input="a sufficiently long secret\n",
    )
    assert admin.exit_code == 0, admin.output
    weak = runner.invoke(
        main,
        ["create-admin", "--email", "b@example.org", "--name", "B B", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code != 0
    engine = create_db_engine(fresh_db)
    with make_session_factory(engine)() as db:
        spaces = db.scalar(select(func.count(Space.id)))
        assert spaces is not None
        assert 2 <= spaces <= 3
        assert db.scalar(select(func.count(Comment.id))) > 30
        admin_user = db.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin_user is not None
        assert admin_user.is_admin
        assert admin_user.email_verified_at is not None
    engine.dispose()
