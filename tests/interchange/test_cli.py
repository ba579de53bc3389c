"""`roundtable export-space` and `roundtable import-space`."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.config import get_settings
from app.db import create_db_engine, make_session_factory
from app.models import Comment, Space
from app.policy import ANONYMOUS, Purpose, read_as
from tests import documents
from tests.interchange import add_paper, minimal_document, normalised

DEMO_SLUG = "labour-mobility-roundtable"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo spaces, made once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("interchange-cli")
    url = f"sqlite:///{folder / 'cli.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("ROUNDTABLE_DATA_DIR", str(folder))
        get_settings.cache_clear()
        runner = CliRunner()
        for command in (["migrate"], ["demo"]):
            result = runner.invoke(main, command)
            assert result.exit_code == 0, result.output
    get_settings.cache_clear()
    return folder / "cli.db"


@pytest.fixture
def database(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    copy = tmp_path / "cli.db"
    copy.write_bytes(demo_db.read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _count(url: str, model: type[Space] | type[Comment]) -> int:
    engine = create_db_engine(url)
    try:
        with make_session_factory(engine)() as db:
            return db.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_export_then_import_under_a_new_address(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "space.json"
    exported = runner.invoke(main, ["export-space", DEMO_SLUG, "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["space"]["slug"] == DEMO_SLUG
    assert len(document["comments"]) > 10
    assert f"to {target}" in exported.stderr

    imported = runner.invoke(main, ["import-space", str(target), "--slug", "mobility-copy"])
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.startswith("Imported the space mobility-copy")

    # Standard output is the default, and the copy exports as the original did.
    again = runner.invoke(main, ["export-space", "mobility-copy"])
    assert again.exit_code == 0, again.output
    assert normalised(json.loads(again.stdout)) == normalised(document)


def test_import_reads_standard_input(database: str) -> None:
    result = CliRunner().invoke(main, ["import-space", "-"], input=json.dumps(minimal_document()))
    assert result.exit_code == 0, result.output
    assert "hand-made" in result.stdout


def test_import_lists_every_problem_and_writes_nothing(database: str, tmp_path: Path) -> None:
    document = minimal_document(slug=DEMO_SLUG)
    document["comments"][1]["parent"] = "nowhere"
    document["comments"][1]["author"] = "Nobody Known Yet"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    spaces, comments = _count(database, Space), _count(database, Comment)

    result = CliRunner().invoke(main, ["import-space", str(source)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "space.slug: Another space already uses this address.",
        "comments[1].parent: No comment in this file has this reference.",
        "Error: Nothing was imported: 2 problem(s) listed above.",
    ]
    assert (_count(database, Space), _count(database, Comment)) == (spaces, comments)

    bad_slug = CliRunner().invoke(main, ["import-space", str(source), "--slug", "Bad Slug"])
    assert bad_slug.exit_code == 1
    assert bad_slug.stderr.splitlines()[0] == (
        "slug: Use lower-case letters, digits and hyphens, e.g. skills-2027."
    )


def test_unknown_space_and_unreadable_file(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["export-space", "nowhere"])
    assert missing.exit_code == 1
    assert "No space has the address 'nowhere'." in missing.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"not json")
    result = runner.invoke(main, ["import-space", str(garbage)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "file: The file is not valid JSON (line 1, column 1)."


def test_a_bundle_round_trip_on_the_command_line(database: str, tmp_path: Path) -> None:
    engine = create_db_engine(database)
    try:
        with make_session_factory(engine)() as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            space = db.scalars(select(Space).where(Space.slug == DEMO_SLUG)).one()
            space.note_word_target = 900
            comment = db.scalars(
                select(Comment).where(Comment.space_id == space.id).order_by(Comment.id)
            ).first()
            assert comment is not None
            add_paper(db, comment, documents.PDF, "Paper.pdf", get_settings().upload_dir)
            db.commit()
    finally:
        engine.dispose()
    runner = CliRunner()
    target = tmp_path / "space.zip"
    exported = runner.invoke(main, ["export-space", DEMO_SLUG, "--bundle", "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(target) as archive:
        assert archive.read("files/1.pdf") == documents.PDF

    imported = runner.invoke(main, ["import-space", str(target), "--slug", "mobility-copy"])
    assert imported.exit_code == 0, imported.output
    again = runner.invoke(main, ["export-space", "mobility-copy", "--bundle"])
    assert again.exit_code == 0, again.output
    with zipfile.ZipFile(io.BytesIO(again.stdout_bytes)) as archive:
        document = json.loads(archive.read("space.json"))
        assert archive.read("files/1.pdf") == documents.PDF
    assert document["space"]["note_word_target"] == 900
    assert [a["filename"] for c in document["comments"] for a in c["attachments"]] == ["Paper.pdf"]
