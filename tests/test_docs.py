"""The README, the settings and CI must agree."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _env_name(field: str) -> str:
    return "DATABASE_URL" if field == "database_url" else f"ROUNDTABLE_{field.upper()}"


def test_every_setting_is_documented_with_its_default() -> None:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `([A-Z_]+)`[^|]*\| ([^|]+) \|", section, re.M))
    expected = {_env_name(name) for name in Settings.model_fields}
    assert set(documented) == expected
    for name, info in Settings.model_fields.items():
        if isinstance(info.default, bool | int):
            cell = documented[_env_name(name)]
            assert f"`{str(info.default).lower()}`" in cell, name


def test_ci_runs_the_readme_test_command() -> None:
    assert "`make test`" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line
        for line in ci.splitlines()
        if line and not line.startswith(("#", "set ", "cd ", "export "))
    ]
    assert commands == ["make test"]
