"""Export → import → export loses nothing, and the imported space is a working space."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.comments import threads
from app.interchange import dump, importer
from app.interchange.importer import schema_check
from app.models import (
    Comment,
    CommentRevision,
    CommentTag,
    CommentTranslation,
    Space,
    SpaceModerator,
    SpaceText,
    Tag,
    User,
)
from tests.factories import Factory
from tests.interchange import build_rich_space, minimal_document, normalised


def test_export_import_export_is_lossless(db: Session, factory: Factory) -> None:
    rich = build_rich_space(db, factory)
    admin = factory.user("Ada Admin", admin=True)
    now = datetime.now(UTC)
    first = dump.export_space(db, rich.space, now=now)

    # The document really carries every feature the round trip is meant to keep.
    by_status = {c["status"] for c in first["comments"]}
    assert by_status == {"published", "hidden", "pending", "rejected"}
    depth = {c["ref"]: 0 for c in first["comments"] if c["parent"] is None}
    for c in first["comments"]:
        if c["parent"] is not None:
            depth[c["ref"]] = depth[c["parent"]] + 1  # parents always come first
    assert max(depth.values()) == 3
    assert any(c["pinned"] for c in first["comments"])
    assert any(c["locked"] for c in first["comments"])
    assert any(c["named_consent"] for c in first["comments"])
    assert any(c["edited_at"] for c in first["comments"])
    assert any(c["translations"] for c in first["comments"] if c["kind"] == "comment")
    assert {len(c["revisions"]) for c in first["comments"]} == {0, 2}
    assert {t["taxonomy"] for t in first["tags"]} == {"", "gcm"}
    assert any(c["tags"] for c in first["comments"])
    # Pinned question leads, then questions by number, then participants' posts.
    roots = [c for c in first["comments"] if c["parent"] is None]
    assert [(c["kind"], c["number"], c["pinned"]) for c in roots] == [
        ("question", 2, True),
        ("question", 1, False),
        ("comment", None, False),
    ]

    # Through the file's text, as an administrator would move it.
    text = dump.dumps(first)
    document = importer.read_json(text.encode("utf-8"))
    assert schema_check.schema_problems(document) == []
    copy = importer.import_space(db, document, slug="copy", tagger_id=admin.id, now=now)
    second = dump.export_space(db, copy, now=now + timedelta(hours=1))

    assert second["space"]["slug"] == "copy"
    assert second["exported_at"] != first["exported_at"]
    assert [c["ref"] for c in second["comments"]] != [c["ref"] for c in first["comments"]]
    assert normalised(second) == normalised(first)


def test_imported_rows_are_threaded_rendered_and_linked(db: Session, factory: Factory) -> None:
    rich = build_rich_space(db, factory)
    now = datetime.now(UTC)
    document = json.loads(dump.dumps(dump.export_space(db, rich.space, now=now)))
    copy = importer.import_space(db, document, slug="copy", now=now)

    rows = list(db.scalars(select(Comment).where(Comment.space_id == copy.id)))
    by_id = {c.id: c for c in rows}
    assert len(rows) == len(document["comments"])
    for c in rows:
        if c.parent_id is None:
            assert c.depth == 0
        else:
            parent = by_id[c.parent_id]
            assert c.path == threads.child_path(parent.path, c.id)
            assert c.depth == parent.depth + 1 == threads.depth_of(c.path)
        assert c.body_html.startswith("<p>")
    pinned = [c for c in rows if c.pinned]
    assert len(pinned) == 1
    assert pinned[0].path == "0" + threads.root_path(is_question=True, number=2, comment_id=0)[1:]
    deepest = max(rows, key=lambda c: c.depth)
    assert deepest.depth == 3
    assert deepest.body_md == rich.deepest.body_md

    # The same people, not copies of them: names are matched case-insensitively.
    assert {c.author_id for c in rows} == {
        c.author_id for c in db.scalars(select(Comment).where(Comment.space_id == rich.space.id))
    }
    moderators = set(
        db.scalars(select(SpaceModerator.user_id).where(SpaceModerator.space_id == copy.id))
    )
    assert moderators == {rich.moderator.id}

    edited = next(c for c in rows if c.edited_at is not None)
    assert "<em>many months</em>" in edited.body_html
    translation = db.get(CommentTranslation, (edited.id, "es"))
    assert translation is not None
    assert translation.body_html == "<p>El reconocimiento tarda meses.</p>\n"
    assert translation.edited_at is not None
    revisions = list(
        db.scalars(select(CommentRevision).where(CommentRevision.comment_id == edited.id))
    )
    assert sorted(r.lang for r in revisions) == ["en", "es"]
    assert edited.version == 2

    tags = {t.id: t for t in db.scalars(select(Tag).where(Tag.space_id == copy.id))}
    assert {(t.taxonomy, t.code) for t in tags.values()} == {
        ("", "housing"),
        ("", "unused"),
        ("gcm", "17"),
    }
    links = db.execute(
        select(CommentTag.comment_id, CommentTag.tag_id, CommentTag.created_by_id).where(
            CommentTag.tag_id.in_(tags)
        )
    ).all()
    assert len(links) == 3
    # Without an importing administrator, tags count as put by the first moderator.
    assert {link.created_by_id for link in links} == {rich.moderator.id}
    texts = {t.lang: t for t in db.scalars(select(SpaceText).where(SpaceText.space_id == copy.id))}
    assert texts["fr"].title == "Mobilité de la main-d'œuvre"
    assert texts["en"].intro_html.startswith("<p>Intro in en")
    assert copy.attribution == "consent"
    assert copy.posting_policy == "pre-moderation"
    assert (copy.max_shown_depth, copy.flag_threshold) == (4, 5)
    assert copy.note_word_target == 1500


def test_unknown_authors_get_accounts_that_cannot_sign_in(db: Session, factory: Factory) -> None:
    existing = factory.user("Host Person")
    document = minimal_document(moderators=["HOST PERSON", "New Moderator"])
    document["comments"][1]["author"] = "  Guest   Person "
    space = importer.import_space(db, document, now=datetime.now(UTC))

    rows = list(
        db.scalars(select(Comment).where(Comment.space_id == space.id).order_by(Comment.path))
    )
    assert rows[0].author_id == existing.id
    guest = db.get(User, rows[1].author_id)
    assert guest is not None
    assert guest.display_name == "Guest Person"
    assert guest.email.startswith("imported-")
    assert guest.email.endswith("@roundtable.invalid")
    assert not guest.is_admin
    assert not passwords.verify_password(guest.password_hash, "")
    assert not passwords.verify_password(guest.password_hash, guest.password_hash)
    moderator_ids = set(
        db.scalars(select(SpaceModerator.user_id).where(SpaceModerator.space_id == space.id))
    )
    assert existing.id in moderator_ids
    assert len(moderator_ids) == 2
    # Defaults for what a hand-written file leaves out.
    assert space.closes_at is None
    assert (space.posting_policy, space.attribution) == ("post-moderation", "named")
    assert rows[1].created_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # +01:00 → UTC


def test_a_second_import_matches_the_accounts_the_first_created(
    db: Session, factory: Factory
) -> None:
    first = importer.import_space(db, minimal_document(), now=datetime.now(UTC))
    second = importer.import_space(db, minimal_document(), slug="again", now=datetime.now(UTC))
    authors = [
        set(db.scalars(select(Comment.author_id).where(Comment.space_id == s.id)))
        for s in (first, second)
    ]
    assert authors[0] == authors[1]
    assert db.scalar(select(Space.slug).where(Space.id == second.id)) == "again"


def test_export_of_an_empty_space(db: Session, factory: Factory) -> None:
    space = factory.space(slug="empty")
    document = dump.export_space(db, space, now=datetime.now(UTC))
    assert document["comments"] == []
    assert document["tags"] == []
    assert schema_check.schema_problems(document) == []
    copy = importer.import_space(db, document, slug="empty-copy", now=datetime.now(UTC))
    again = dump.export_space(db, copy, now=datetime.now(UTC))
    assert normalised(again) == normalised(document)
