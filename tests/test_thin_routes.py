"""Routes call services, services call queries: no route module reads the database itself."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# What reading the database looks like from a handler: a Session method, or a statement built.
SESSION_READS = {"execute", "scalar", "scalars", "get", "get_one", "query"}
BUILDERS = {"select", "update", "delete", "insert"}


def _route_modules() -> list[Path]:
    return sorted({*APP.rglob("routes.py"), *APP.rglob("*_routes.py")})


def reads_in(source: str) -> list[str]:
    """Each place in `source` where a route would read the database itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            found += [f"imports {a.name}" for a in node.names if a.name in BUILDERS]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "db"
            and node.func.attr in SESSION_READS
        ):
            found.append(f"line {node.lineno}: db.{node.func.attr}()")
    return found


def test_the_check_sees_a_route_reading_the_database() -> None:
    source = "from sqlalchemy import select\ndef page(db):\n    return db.scalars(select(X))\n"
    assert reads_in(source) == ["imports select", "line 3: db.scalars()"]
    assert reads_in("def page(db):\n    return service.load(db)\n") == []


def test_no_route_module_reads_the_database_itself() -> None:
    modules = _route_modules()
    assert len(modules) > 10  # the walk found the features' routes
    offenders = {
        str(path.relative_to(APP)): reads
        for path in modules
        if (reads := reads_in(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
