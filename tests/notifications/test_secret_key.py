"""The key that signs unsubscribe links: configured, or made once per data directory."""

from __future__ import annotations

import stat
from pathlib import Path

from app.config import Settings


def test_a_key_is_generated_once_and_shared_through_the_data_directory(
    tmp_path: Path,
) -> None:
    first = Settings(data_dir=tmp_path / "data")
    key = first.resolved_secret_key
    assert len(key) >= 40
    stored = tmp_path / "data" / "secret_key"
    assert stored.read_text(encoding="ascii").strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path / "data").resolved_secret_key == key
    assert [p.name for p in stored.parent.iterdir()] == ["secret_key"]  # no leftovers
    assert Settings(data_dir=tmp_path / "elsewhere").resolved_secret_key != key


def test_a_configured_key_wins_and_is_not_shown(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="configured-secret")
    assert settings.resolved_secret_key == "configured-secret"
    assert not (tmp_path / "secret_key").exists()
    assert "configured-secret" not in repr(settings)
