"""The digest: what it holds (visibility, attribution, threads, coverage) in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.exports import digest as digests
from app.models.spaces import AttributionRule
from tests.exports.conftest import SECRET_HIDDEN, SECRET_PENDING, World
from tests.exports.readers import docx_ast, libreoffice, markdown_ast, plain, walk
from tests.factories import Factory

NOW = datetime(2022, 2, 1, 12, tzinfo=UTC)
BASE = "https://roundtable.example"
PARTICIPANTS = ("Kate Barth", "Omar Said", "Ana Ruiz")


def _digest(
    db: Session, factory: Factory, world: World, lang: str = "en", **kwargs: Any
) -> digests.Digest:
    viewer = factory.viewer(world.moderator)
    return digests.build_digest(db, viewer, world.space, lang, base_url=BASE, now=NOW, **kwargs)


def _all_formats(digest: digests.Digest) -> dict[str, str]:
    return {
        "md": digests.to_markdown(digest),
        "csv": digests.to_csv(digest),
        "json": digests.to_json(digest),
    }


def _json_entries(digest: digests.Digest) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}

    def visit(node: dict[str, Any]) -> None:
        found[node["id"]] = node
        for reply in node.get("replies", []):
            visit(reply)

    for group in json.loads(digests.to_json(digest))["groups"]:
        if group["question"]:
            visit(group["question"])
        for thread in group["threads"]:
            visit(thread)
    return found


def test_only_published_comments_leave_the_site(
    db: Session, factory: Factory, world: World
) -> None:
    digest = _digest(db, factory, world)
    assert world.hidden.id not in digest.entry_ids
    assert world.pending.id not in digest.entry_ids
    assert world.orphan.id in digest.entry_ids  # a published reply stays
    for fmt, text in _all_formats(digest).items():
        assert SECRET_HIDDEN not in text, fmt
        assert SECRET_PENDING not in text, fmt


def test_even_an_admin_exports_published_comments_only(
    db: Session, factory: Factory, world: World
) -> None:
    viewer = factory.viewer(world.admin)
    digest = digests.build_digest(db, viewer, world.space, "en", now=NOW)
    assert world.hidden.id not in digest.entry_ids
    assert world.pending.id not in digest.entry_ids


def test_groups_threads_and_coverage(db: Session, factory: Factory, world: World) -> None:
    digest = _digest(db, factory, world)
    q1, q2, posts = digest.groups
    assert q1.question is not None
    assert q1.question.id == world.q1.id
    assert [e.id for e in q1.entries] == [
        world.c1.id,
        world.c2.id,
        world.mod_reply.id,
        world.c3.id,
        world.orphan.id,
        world.formula.id,
    ]
    assert [e.depth for e in q1.entries] == [1, 2, 3, 1, 2, 1]
    assert q1.coverage == digests.Coverage(
        comments=6,
        contributors=4,  # Kate, Omar, the moderator, Ana
        languages=("en", "es", "fr"),
        first=datetime(2022, 1, 27, 9, tzinfo=UTC),
        last=datetime(2022, 1, 31, 9, tzinfo=UTC),
    )
    assert q2.question is not None
    assert q2.entries == []
    assert q2.coverage.comments == 0
    assert q2.coverage.first is None
    assert posts.is_posts
    assert [e.id for e in posts.entries] == [world.post.id, world.post_reply.id]
    assert digest.coverage.comments == 8
    assert digest.coverage.contributors == 4
    c1 = q1.entries[0]
    assert [t.text for t in c1.tags] == ["skills", "GCM 18: Skills development"]
    assert c1.editorial_state == "used"
    assert c1.translations == (digests.Translation("fr", "Les partenariats fonctionnent."),)
    assert c1.url == f"{BASE}/en/comments/{world.c1.id}"


def test_one_question(db: Session, factory: Factory, world: World) -> None:
    digest = _digest(db, factory, world, question_id=world.q1.id)
    assert [g.number for g in digest.groups] == [1]
    assert digest.filename("docx") == "pathways-digest-q1-en-20220201.docx"
    assert _digest(db, factory, world, question_id=world.q2.id).groups[0].entries == []
    for not_a_question in (world.c1.id, world.post.id, 999_999):
        with pytest.raises(NotFound):
            _digest(db, factory, world, question_id=not_a_question)


def test_a_question_of_another_space_is_not_found(
    db: Session, factory: Factory, world: World
) -> None:
    elsewhere = factory.space(slug="third", moderators=(world.moderator,))
    foreign = factory.question(elsewhere, world.moderator, "Elsewhere?")
    with pytest.raises(NotFound):
        _digest(db, factory, world, question_id=foreign.id)


def test_named_space_names_everyone(db: Session, factory: Factory, world: World) -> None:
    entries = _json_entries(_digest(db, factory, world))
    assert entries[world.c2.id]["author"] == "Omar Said"
    assert entries[world.post.id]["author"] == "Kate Barth"


def test_chatham_house_names_nobody_but_moderators(
    db: Session, factory: Factory, world: World
) -> None:
    world.space.attribution = AttributionRule.CHATHAM_HOUSE
    db.flush()
    digest = _digest(db, factory, world)
    for fmt, text in _all_formats(digest).items():
        for name in PARTICIPANTS:
            assert name not in text, (fmt, name)
        assert "Leila Haddad" in text, fmt  # questions and moderators' replies are signed
        if fmt != "json":  # where JSON says "author": null
            assert "a participant" in text, fmt
    entries = _json_entries(digest)
    assert entries[world.q1.id]["author"] == "Leila Haddad"
    assert entries[world.mod_reply.id]["author"] == "Leila Haddad"
    assert entries[world.c1.id]["author"] is None
    assert entries[world.c1.id]["named"] is False


def test_consent_names_only_who_agreed(db: Session, factory: Factory, world: World) -> None:
    world.space.attribution = AttributionRule.CONSENT
    db.flush()
    digest = _digest(db, factory, world)
    entries = _json_entries(digest)
    assert entries[world.c1.id]["author"] == "Kate Barth"  # consented on this comment
    assert entries[world.post.id]["author"] is None  # but not on this one
    assert entries[world.c2.id]["author"] is None
    assert entries[world.mod_reply.id]["author"] == "Leila Haddad"
    texts = _all_formats(digest)
    for fmt, text in texts.items():
        assert "Omar Said" not in text, fmt
        assert "Ana Ruiz" not in text, fmt
    rows = list(csv.DictReader(io.StringIO(texts["csv"].removeprefix("\ufeff"))))
    authors = {int(r["id"]): r["author"] for r in rows}
    assert authors[world.c1.id] == "Kate Barth"
    assert authors[world.post.id] == "a participant"


def test_unnamed_authors_are_a_participant_in_the_digest_language(
    db: Session, factory: Factory, world: World
) -> None:
    world.space.attribution = AttributionRule.CHATHAM_HOUSE
    db.flush()
    markdown = digests.to_markdown(_digest(db, factory, world, lang="fr"))
    assert "un participant" in markdown
    assert "a participant" not in markdown


def test_markdown_structure(db: Session, factory: Factory, world: World) -> None:
    digest = _digest(db, factory, world)
    ast = markdown_ast(digests.to_markdown(digest))
    blocks = ast["blocks"]
    headers = [plain(b["c"][2]) for b in blocks if b["t"] == "Header"]
    assert headers == [
        "Coverage",
        "Question 1: How can pathways be widened?",
        "Question 2: What else should the note cover?",
        "Participants' own posts",
    ]
    table = next(b for b in blocks if b["t"] == "Table")
    cells = [plain(e) for e in walk(table) if e["t"] == "Plain"]
    assert cells[5:10] == [
        "Question 1: How can pathways be widened?",
        "6",
        "4",
        "English, Spanish, French",
        "27 January 2022 – 31 January 2022",
    ]
    items = [item for b in blocks if b["t"] == "OrderedList" for item in b["c"][1]]
    assert len(items) == 8  # every published comment, numbered through the document
    captions = [plain(item[0], notes=False) for item in items]
    assert captions[0].startswith("Kate Barth · 27 January 2022 · English")
    assert "Tags: skills, GCM 18: Skills development" in captions[0]
    assert "Editorial state: used" in captions[0]
    assert "in reply to (1)" in captions[1]  # c2 answers c1
    assert "in reply to (2)" in captions[2]  # the moderator answers c2
    assert "in reply to a comment not in this digest" in captions[4]
    assert "in reply to (7)" in captions[7]  # a reply to a participant's own post
    assert plain(items[0][1]) == "Skills partnerships work."
    assert plain(items[0][2]) == "Second thought."
    assert plain(items[0][3]) == "The author’s French version:"
    assert items[0][4]["t"] == "BlockQuote"
    assert plain(items[0][4]) == "Les partenariats fonctionnent."
    notes = [plain(e["c"]) for e in walk(blocks) if e["t"] == "Note"]
    assert f"Comment by Kate Barth, 27 January 2022 — {BASE}/en/comments/{world.c1.id}" in notes
    assert f"Question by Leila Haddad, 20 January 2022 — {BASE}/en/comments/{world.q1.id}" in notes
    assert plain(ast["meta"]["title"]) == "Digest: Labour mobility pathways"
    assert plain(ast["meta"]["lang"]) == "en"
    assert plain(ast["meta"]["date"]) == "1 February 2022"


def test_docx_reads_back(db: Session, factory: Factory, world: World) -> None:
    document = digests.to_docx(_digest(db, factory, world))
    blocks = docx_ast(document)["blocks"]
    headers = [plain(b["c"][2]) for b in blocks if b["t"] == "Header"]
    assert headers[1] == "Question 1: How can pathways be widened?"
    starts = [b["c"][0][0] for b in blocks if b["t"] == "OrderedList"]
    assert starts == sorted(starts)
    assert starts[0] == 1
    assert starts[-1] == 8
    notes = [plain(e["c"]) for e in walk(blocks) if e["t"] == "Note"]
    assert f"Comment by Kate Barth, 27 January 2022 — {BASE}/en/comments/{world.c1.id}" in notes


def test_csv_rows_and_cells(db: Session, factory: Factory, world: World) -> None:
    text = digests.to_csv(_digest(db, factory, world))
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert tuple(reader.fieldnames or ()) == digests.CSV_COLUMNS
    rows = {int(r["id"]): r for r in reader}
    assert world.hidden.id not in rows
    assert len(rows) == 10  # two questions and eight comments
    c1 = rows[world.c1.id]
    assert c1["parent_id"] == str(world.q1.id)
    assert c1["question"] == "1"
    assert c1["depth"] == "1"
    assert c1["author"] == "Kate Barth"
    assert c1["created_at"] == "2022-01-27T09:00:00+00:00"
    assert c1["editorial_state"] == "used"
    assert c1["tags"] == "skills; GCM 18: Skills development"
    assert c1["body"] == "Skills partnerships work.\n\nSecond thought."
    assert json.loads(c1["translations"]) == {"fr": "Les partenariats fonctionnent."}
    assert rows[world.formula.id]["body"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[world.post.id]["question"] == ""


def test_json_nests_threads(db: Session, factory: Factory, world: World) -> None:
    document = json.loads(digests.to_json(_digest(db, factory, world)))
    assert document["coverage"]["comments"] == 8
    q1 = document["groups"][0]
    assert q1["question"]["translations"] == [
        {"lang": "es", "body_md": "¿Cómo ampliar las vías?"},
        {"lang": "fr", "body_md": "Comment élargir les voies ?"},
    ]
    c1 = q1["threads"][0]
    assert c1["id"] == world.c1.id
    assert [r["id"] for r in c1["replies"]] == [world.c2.id]
    assert [r["id"] for r in c1["replies"][0]["replies"]] == [world.mod_reply.id]
    # The reply to a hidden comment starts a thread of its own.
    assert world.orphan.id in [t["id"] for t in q1["threads"]]
    assert document["groups"][2]["kind"] == "posts"
    assert document["groups"][2]["number"] is None


def test_an_empty_space(db: Session, factory: Factory) -> None:
    moderator = factory.user("Solo Moderator")
    space = factory.space(moderators=(moderator,))
    digest = digests.build_digest(db, factory.viewer(moderator), space, "en", now=NOW)
    assert digest.groups == []
    blocks = markdown_ast(digests.to_markdown(digest))["blocks"]
    assert "Nothing has been published here yet." in [plain(b) for b in blocks]
    assert digests.to_docx(digest)[:2] == b"PK"


def test_libreoffice_opens_the_digest(
    db: Session, factory: Factory, world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    office = libreoffice(tmp_path_factory)
    world.space.attribution = AttributionRule.CONSENT
    db.flush()
    text = office.text(digests.to_docx(_digest(db, factory, world)))
    for expected in (
        "Question 1: How can pathways be widened?",
        "1. Kate Barth · 27 January 2022 · English",
        "2. a participant · 28 January 2022 · French · in reply to (1)",
        "Les partenariats fonctionnent.",
        f"Comment by Kate Barth, 27 January 2022 — {BASE}/en/comments/{world.c1.id}",
        "Participants' own posts",
    ):
        assert expected in text, expected
    assert "Omar Said" not in text
    assert SECRET_HIDDEN not in text
