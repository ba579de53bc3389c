"""Every problem of a document is reported with its path, and none is imported."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.interchange import importer, schema
from app.interchange.importer import rules, schema_check, validation, writing
from app.interchange.importer.problems import format_path
from app.models import Comment, CommentTag, CommentTranslation, Space, SpaceText, Tag, User
from tests.factories import Factory
from tests.interchange import minimal_document

ROOT = Path(__file__).resolve().parent.parent.parent


def _paths(problems: list[importer.Problem]) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        assert problem.path not in found, f"two problems at {problem.path}"
        found[problem.path] = problem.message
    return found


def _counts(db: Session) -> tuple[int, ...]:
    models = (Space, SpaceText, Comment, CommentTranslation, Tag, CommentTag, User)
    return tuple(db.scalar(select(func.count()).select_from(m)) or 0 for m in models)


def test_the_schema_is_valid_and_documents_every_field() -> None:
    Draft202012Validator.check_schema(schema())
    undocumented: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if not isinstance(sub, dict) or not sub.get("description"):
                    undocumented.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(schema(), "#")
    assert undocumented == []


def test_schema_defaults_are_the_importers() -> None:
    defs = schema()["$defs"]
    for name, defaults in (
        ("space", writing.SPACE_DEFAULTS),
        ("comment", writing.COMMENT_DEFAULTS),
        ("spaceText", writing.TEXT_DEFAULTS),
    ):
        properties = defs[name]["properties"]
        stated = {key: p["default"] for key, p in properties.items() if "default" in p}
        assert stated == defaults, name
        assert not set(stated) & set(defs[name]["required"])


def test_the_guides_example_is_a_valid_document() -> None:
    guide = (ROOT / "docs" / "interchange.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", guide, re.S)
    assert blocks
    document = json.loads(blocks[0])
    assert schema_check.schema_problems(document) == []
    assert rules.semantic_problems(document) == []


def test_a_valid_hand_written_document_has_no_problem(db: Session) -> None:
    assert importer.check(db, minimal_document()).count == 0


def test_schema_problems_are_all_reported_with_their_paths(db: Session) -> None:
    document = minimal_document()
    document["version"] = 3
    del document["space"]["opens_at"]
    document["space"]["texts"]["EN"] = {"title": "Shouting"}
    document["space"]["texts"]["en"]["title"] = ""
    document["space"]["max_shown_depth"] = 9
    document["space"]["slug"] = "Not A Slug"
    document["tags"][0]["label"] = 5
    first, second = document["comments"]
    first["colour"] = "blue"
    first["created_at"] = "yesterday"
    first["kind"] = "poll"
    second["lang"] = 7
    second["tags"] = ["jobs", {"taxonomy": ""}]
    del second["body_md"]
    second["closes_at"] = None

    before = _counts(db)
    with pytest.raises(importer.ImportProblems) as caught:
        importer.import_space(db, document, now=datetime.now(UTC))
    assert _counts(db) == before
    assert caught.value.fields == {}
    found = _paths(caught.value.problems)
    assert found == {
        "version": "Expected one of: 1, 2.",
        "space.opens_at": "This field is missing.",
        "space.slug": "Use lower-case letters, digits and hyphens, e.g. skills-2027.",
        "space.max_shown_depth": "Expected a whole number from 1 to 6.",
        "space.texts.EN": "Expected a language code such as en.",
        "space.texts.en.title": "This text must not be empty.",
        "tags[0].label": "Expected a value of JSON type string.",
        "comments[0].colour": "This field is not part of the format.",
        "comments[0].created_at": (
            "Expected a date and time with its offset, such as 2026-03-01T09:30:00+00:00."
        ),
        "comments[0].kind": 'Expected one of: "question", "comment".',
        "comments[1].lang": "Expected a value of JSON type string.",
        "comments[1].body_md": "This field is missing.",
        "comments[1].closes_at": "This field is not part of the format.",
        "comments[1].tags[0]": "Expected a value of JSON type integer/object.",
        "comments[1].tags[1].code": "This field is missing.",
    }
    # In document order.
    paths = [p.path for p in caught.value.problems]
    assert paths.index("version") < paths.index("space.opens_at") < paths.index("comments[0].kind")
    assert paths.index("comments[0].kind") < paths.index("comments[1].lang")


def test_whole_numbers_must_be_written_as_integers() -> None:
    document = minimal_document(max_shown_depth=True)
    document["comments"][0]["number"] = 1.0
    document["comments"][1]["tags"] = [0.0]
    assert _paths(schema_check.schema_problems(document)) == {
        "space.max_shown_depth": "Expected a value of JSON type integer.",
        "comments[0].number": "Expected a value of JSON type integer/null.",
        "comments[1].tags[0]": "Expected a value of JSON type integer/object.",
    }


def test_a_document_that_is_not_an_object() -> None:
    assert _paths(schema_check.schema_problems([1, 2])) == {
        "": "Expected a value of JSON type object."
    }
    assert set(_paths(schema_check.schema_problems({}))) == {
        "format",
        "version",
        "exported_at",
        "space",
        "tags",
        "comments",
    }


def _comment(ref: str, parent: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "parent": parent,
        "kind": "comment",
        "author": "Some Body",
        "lang": "en",
        "body_md": f"Comment {ref}.",
        "created_at": "2026-03-02T10:00:00+00:00",
        "status": "published",
        **fields,
    }


def test_semantic_problems_are_all_reported_with_their_paths(db: Session) -> None:
    document = minimal_document(
        languages=["en", "fr", "de"],
        closes_at="2026-02-01T00:00:00+00:00",
        moderators=["\u202e\u202c"],
    )
    document["space"]["texts"]["es"] = {"title": "Consulta"}
    document["tags"].append({"taxonomy": "", "code": "jobs", "label": "Jobs again"})
    document["comments"] += [
        _comment("a"),  # 2: the ref "a" is already used
        _comment("b", parent="later"),  # 3: its parent comes after it
        _comment("c", parent="nowhere"),  # 4
        _comment("later"),  # 5
        _comment("q2", kind="question"),  # 6: no number
        _comment("q3", kind="question", number=1),  # 7: number taken
        _comment("d", lang="es"),  # 8
        _comment("e", translations={"en": "Same language.", "es": "Otro idioma."}),  # 9
        _comment("f", tags=[1, 0, {"taxonomy": "", "code": "jobs"}, 7]),  # 10
        _comment("g", pinned=True, number=3),  # 11
        _comment("h", parent="q", kind="question", number=4),  # 12
        _comment("i", created_at="2026-02-30T10:00:00+00:00", body_md="Nul\x00"),  # 13
        _comment("j", author="   "),  # 14
    ]
    before = _counts(db)
    with pytest.raises(importer.ImportProblems) as caught:
        importer.import_space(db, document, now=datetime.now(UTC))
    assert _counts(db) == before
    assert schema_check.schema_problems(document) == []
    found = _paths(caught.value.problems)
    not_space_language = "This language is not one of the space's languages (en, fr, de)."
    assert found == {
        "space.languages[2]": "This site does not support the language de.",
        "space.closes_at": "The closing date must come after the opening date.",
        "space.texts.es": not_space_language,
        "space.moderators[0]": (
            "This name is empty, too long or contains characters that are not allowed."
        ),
        "tags[1]": "Another tag in the list has the same taxonomy and code.",
        "comments[2].ref": "Another comment in this file already uses this reference.",
        "comments[3].parent": "The comment answered must come before its replies in the file.",
        "comments[4].parent": "No comment in this file has this reference.",
        "comments[6].number": "A question needs a number.",
        "comments[7].number": "Another question already has this number.",
        "comments[8].lang": not_space_language,
        "comments[9].translations.en": (
            "A translation must be in another language than the comment's."
        ),
        "comments[9].translations.es": not_space_language,
        "comments[10].tags[2]": "This tag is given twice.",
        "comments[10].tags[3]": "This tag is not in the file's list of tags.",
        "comments[11].number": "Only questions have a number.",
        "comments[11].pinned": "Only questions can be pinned.",
        "comments[12].parent": "A question cannot be a reply.",
        "comments[13].created_at": "This date does not exist.",
        "comments[13].body_md": "This text contains characters that are not allowed.",
        "comments[14].author": (
            "This name is empty, too long or contains characters that are not allowed."
        ),
    }
    # In document order: the space's fields as the file has them, then tags, then comments.
    assert [p.path for p in caught.value.problems][:6] == [
        "space.languages[2]",
        "space.texts.es",
        "space.closes_at",
        "space.moderators[0]",
        "tags[1]",
        "comments[2].ref",
    ]


def test_the_original_language_needs_a_title_and_to_be_a_space_language() -> None:
    document = minimal_document(original_lang="fr", languages=["en"])
    document["comments"][1]["lang"] = "en"
    assert _paths(rules.semantic_problems(document)) == {
        "space.original_lang": "The original language must be one of the space's languages.",
        "space.texts": "Give the space a title in its original language.",
    }


def test_text_and_dates_the_database_cannot_store(db: Session) -> None:
    document = importer.read_json(
        json.dumps(minimal_document()).replace("Une r\\u00e9ponse", "Half \\ud800").encode()
    )
    document["exported_at"] = "9999-12-31T23:00:00-05:00"
    document["space"]["texts"]["en"]["title"] = "Hand\x00made"
    assert _paths(importer.check(db, document).problems) == {
        "exported_at": "This date does not exist.",
        "space.texts.en.title": "This text contains characters that are not allowed.",
        "comments[1].body_md": "This text contains characters that are not allowed.",
    }


def test_threads_deeper_than_the_site_allows_are_refused() -> None:
    document = minimal_document()
    document["comments"] = document["comments"][:1]
    parent = "q"
    for depth in range(1, 62):
        document["comments"].append(_comment(f"r{depth}", parent=parent))
        parent = f"r{depth}"
    assert _paths(rules.semantic_problems(document)) == {
        "comments[61].parent": "This thread is too deep to reply further here."
    }


def test_the_address_must_be_free(db: Session, factory: Factory) -> None:
    factory.space(slug="hand-made")
    problems = importer.check(db, minimal_document())
    assert _paths(problems.problems) == {"space.slug": "Another space already uses this address."}
    assert problems.fields == {}

    taken = importer.check(db, minimal_document(), slug="hand-made")
    assert taken.fields == {"slug": "Another space already uses this address."}
    assert taken.problems == []
    bad = importer.check(db, minimal_document(), slug="Not a slug!")
    assert bad.fields == {"slug": "Use lower-case letters, digits and hyphens, e.g. skills-2027."}
    assert importer.check(db, minimal_document(), slug=" Elsewhere ").count == 0
    space = importer.import_space(db, minimal_document(), slug=" Elsewhere ", now=datetime.now(UTC))
    assert space.slug == "elsewhere"


def test_an_address_problem_and_document_problems_are_reported_together(
    db: Session, factory: Factory
) -> None:
    factory.space(slug="taken")
    document = minimal_document()
    document["comments"][1]["parent"] = "missing"
    problems = importer.check(db, document, slug="taken")
    assert problems.fields == {"slug": "Another space already uses this address."}
    assert [p.path for p in problems.problems] == ["comments[1].parent"]
    assert problems.lines() == [
        "slug: Another space already uses this address.",
        "comments[1].parent: No comment in this file has this reference.",
    ]


def test_problem_lists_are_capped(db: Session) -> None:
    document = minimal_document()
    document["comments"] = [_comment(f"c{i}", lang=1) for i in range(validation.MAX_PROBLEMS + 10)]
    assert len(schema_check.schema_problems(document)) == validation.MAX_PROBLEMS + 10
    problems = importer.check(db, document).problems
    assert len(problems) == validation.MAX_PROBLEMS + 1
    assert problems[-1] == importer.Problem(
        "", "There are more problems; only the first 1000 are listed."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a file to import."),
        (None, "Choose a file to import."),
        (b"\xff\xfe{}", "The file is not UTF-8 text."),
        (b'{\n  "format": roundtable\n}', "The file is not valid JSON (line 2, column 13)."),
        (b"[" * 100_000, "The file is not valid JSON (nested too deeply)."),
    ],
)
def test_files_that_are_not_json(data: bytes | None, message: str) -> None:
    with pytest.raises(importer.ImportProblems) as caught:
        importer.read_json(data)
    assert caught.value.fields == {"file": message}
    assert caught.value.problems == []


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    text = json.dumps(minimal_document(), ensure_ascii=False)
    assert importer.read_json(b"\xef\xbb\xbf" + text.encode("utf-8")) == minimal_document()


def test_paths_quote_keys_that_are_not_names() -> None:
    assert format_path(["comments", 3, "translations", "fr"]) == ("comments[3].translations.fr")
    assert format_path(["space", "texts", "e n"]) == 'space.texts["e n"]'
    assert format_path([]) == ""


@pytest.mark.parametrize(
    "reserved", ["admin", "Modérateur", "Participant", "ＡＤＭＩＮ", "Ｐarticipante"]
)
def test_reserved_names_are_refused_as_authors_as_at_registration(
    db: Session, reserved: str
) -> None:
    document = minimal_document(moderators=[reserved])
    document["comments"][1]["author"] = reserved
    document["comments"][1]["revisions"] = [
        {
            "lang": "en",
            "body_md": "Before.",
            "written_at": "2026-03-01T10:00:00+00:00",
            "replaced_at": "2026-03-01T10:30:00+00:00",
            "editor": f" {reserved} ",
        }
    ]
    before = _counts(db)
    found = _paths(rules.semantic_problems(document))
    refused = "This name is reserved; please choose another."
    assert found == {
        "space.moderators[0]": refused,
        "comments[1].author": refused,
        "comments[1].revisions[0].editor": refused,
    }
    with pytest.raises(importer.ImportProblems):
        importer.import_space(db, document, now=datetime.now(UTC))
    assert _counts(db) == before


def test_an_author_matches_an_account_by_the_accounts_own_name_key(
    db: Session, factory: Factory
) -> None:
    """Full case folding, as registration's "name already taken": STRASSE is straße's."""
    from app.accounts import service as accounts
    from app.errors import FormErrors

    existing = factory.user("straße")
    with pytest.raises(FormErrors) as taken:
        accounts.register(
            db,
            display_name="STRASSE",
            email="s@example.org",
            password="velvet quarry lantern orbit",
            locale="en",
        )
    assert "display_name" in taken.value.errors
    document = minimal_document()
    document["comments"][1]["author"] = "STRASSE"
    space = importer.import_space(db, document, now=datetime.now(UTC))
    authors = set(db.scalars(select(Comment.author_id).where(Comment.space_id == space.id)))
    assert existing.id in authors
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.display_name == "STRASSE")) == 0
    )
