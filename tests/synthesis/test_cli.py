"""`roundtable themes` and `roundtable near-duplicates`, as a script would call them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.config import get_settings
from app.db import create_db_engine, make_session_factory, transaction
from app.policy import ANONYMOUS, Purpose, read_as
from bench.synthesis_set import load
from tests.factories import Factory


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """A SQLite site with one question's comments from the labelled set, one posted twice."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert CliRunner().invoke(main, ["migrate"]).exit_code == 0
    engine = create_db_engine(url)
    data = load()
    ids: dict[str, int] = {}
    with transaction(make_session_factory(engine)) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        people = Factory(db)
        moderator = people.user("Leila Haddad")
        space = people.space(slug="remittances", moderators=(moderator,))
        question = people.question(space, moderator, data.questions[0].title["en"])
        chosen = [c for c in data.comments if c.question == 1][:16]
        for item in chosen:
            author = people.user()
            ids[item.id] = people.comment(
                space, author, item.text, parent=question, lang=item.lang
            ).id
        copy = people.comment(
            space, people.user(), chosen[0].text, parent=question, lang=chosen[0].lang
        )
        ids["copy"] = copy.id
        ids["original"] = ids[chosen[0].id]
    engine.dispose()
    yield ids
    get_settings.cache_clear()


def test_themes_and_near_duplicates_as_json(site: dict[str, int]) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["themes", "remittances", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["analysed"] == report["comments"] == len(site) - 1
    assert report["computed_at"]
    assert not report["stale"]
    listed = [i for theme in report["themes"] for i in theme["comment_ids"]]
    assert sorted(listed) == sorted(set(site.values()))  # every comment once
    themes = [t for t in report["themes"] if t["kind"] == "theme"]
    assert themes
    for theme in themes:
        assert theme["label"]
        assert theme["question"] == 1
        for passage in theme["passages"]:
            assert passage["comment_id"] in theme["comment_ids"]
            assert passage["end"] - passage["start"] == len(passage["text"])
    duplicates = runner.invoke(main, ["near-duplicates", "remittances", "--json", "--no-refresh"])
    assert duplicates.exit_code == 0, duplicates.output
    groups = [{m["comment_id"] for m in g} for g in json.loads(duplicates.output)["groups"]]
    assert any({site["original"], site["copy"]} <= g for g in groups)


def test_one_question_and_plain_text(site: dict[str, int]) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(main, ["themes", "remittances", "--question", "2", "--json"]).exit_code == 0
    )
    none = json.loads(
        runner.invoke(main, ["themes", "remittances", "--question", "2", "--json"]).output
    )
    assert none["themes"] == []
    text = runner.invoke(main, ["themes", "remittances", "--lang", "fr"])
    assert text.exit_code == 0
    assert "question 1" in text.output


def test_an_unknown_space_is_an_error(site: dict[str, int]) -> None:
    result = CliRunner().invoke(main, ["themes", "nowhere", "--json"])
    assert result.exit_code != 0
    assert "nowhere" in result.output
