"""`roundtable backup` makes a consistent copy while the database is in use; restore works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.config import get_settings


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(data))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    assert runner.invoke(main, ["demo"]).exit_code == 0
    paper = data / "uploads" / "ab" / "abcdef"
    paper.parent.mkdir(parents=True)
    paper.write_bytes(b"%PDF-1.7 a position paper")
    yield data
    get_settings.cache_clear()


def _count(database: Path) -> int:
    db = sqlite3.connect(database)
    try:
        return int(db.execute("SELECT count(*) FROM comments").fetchone()[0])
    finally:
        db.close()


def test_online_backup_is_consistent_and_restores(deployment: Path, tmp_path: Path) -> None:
    database = deployment / "roundtable.db"
    committed = _count(database)
    # A committed row that still lives only in the write-ahead log (the connection stays
    # open, so nothing checkpoints it): copying the file alone would lose it.
    keeper = sqlite3.connect(database)
    keeper.execute("PRAGMA wal_autocheckpoint=0")
    keeper.execute(
        "INSERT INTO rate_counters (key, window_start, count) VALUES ('marker', '2026-11-26', 1)"
    )
    keeper.commit()
    # A writer is busy mid-transaction while the backup runs: its rows must not appear.
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN")
    writer.execute("DELETE FROM comments")
    runner = CliRunner()
    made = runner.invoke(main, ["backup", str(tmp_path / "backups")])
    writer.execute("ROLLBACK")
    writer.close()
    keeper.close()
    assert made.exit_code == 0, made.output
    [folder] = (tmp_path / "backups").iterdir()
    assert _count(folder / "roundtable.db") == committed
    saved = sqlite3.connect(folder / "roundtable.db")
    assert saved.execute("SELECT count FROM rate_counters WHERE key = 'marker'").fetchone() == (1,)
    saved.close()
    assert (folder / "uploads" / "ab" / "abcdef").read_bytes().startswith(b"%PDF")
    copy = sqlite3.connect(folder / "roundtable.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()

    # Disaster: the data is gone. Restore refuses to overwrite without --force.
    live = sqlite3.connect(database)
    live.execute("DELETE FROM comments")
    live.commit()
    live.close()
    (deployment / "uploads" / "ab" / "abcdef").unlink()
    refused = runner.invoke(main, ["restore", str(folder)])
    assert refused.exit_code != 0
    assert "--force" in refused.output
    restored = runner.invoke(main, ["restore", str(folder), "--force"])
    assert restored.exit_code == 0, restored.output
    assert _count(database) == committed
    assert (deployment / "uploads" / "ab" / "abcdef").exists()


def test_postgresql_deployments_are_told_to_use_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["backup", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "pg_dump" in result.output
