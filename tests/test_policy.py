"""The read gate (app/policy.py): what each reader's unit of work can read, and for what.

The suite-wide half lives in tests/read_gate.py: every statement any test makes the
application run must carry the gate's verdict. Here: the rule itself, on every shape of
statement SQLAlchemy can build. The defect that called for it (issue 11, defect 1) is
tests/spaces/test_hidden_questions.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import policy
from app.models import (
    Attachment,
    Comment,
    CommentRevision,
    CommentTranslation,
    Excerpt,
    Space,
)
from app.models.comments import CommentStatus
from app.policy import ANONYMOUS, Purpose, Viewer
from tests.factories import Factory
from tests.read_gate import WITNESS

SECRET = "Zanzibar-7 quota schedule"
SECRET_FR = "Calendrier des quotas Zanzibar-7"


@pytest.fixture
def world(factory: Factory, db: Session) -> dict:
    mod = factory.user("Moderator Mona")
    other_mod = factory.user("Moderator Omar")
    alice = factory.user("Alice Achieng")
    bob = factory.user("Bob Baptiste")
    admin = factory.user("Ada Admin", admin=True)
    space = factory.space(slug="pathways", moderators=(mod,), titles={"en": "Pathways"})
    factory.space(slug="elsewhere", moderators=(other_mod,))
    shown = factory.question(space, mod, "How can pathways be widened?")
    secret = factory.question(space, mod, SECRET, translations={"fr": SECRET_FR})
    published = factory.comment(space, alice, "Recognise skills earned abroad.", parent=shown)
    pending = factory.comment(space, alice, "Pending words.", parent=shown)
    hidden = factory.comment(space, alice, "Hidden words.", parent=shown)
    rejected = factory.comment(space, alice, "Rejected words.", parent=shown)
    pending.status = CommentStatus.PENDING
    hidden.status = CommentStatus.HIDDEN
    rejected.status = CommentStatus.REJECTED
    now = datetime.now(UTC)
    for comment in (published, hidden):
        db.add(
            CommentTranslation(
                comment_id=comment.id, lang="fr", body_md="fr", body_html="<p>fr</p>"
            )
        )
        db.add(
            CommentRevision(
                comment_id=comment.id,
                lang="en",
                body_md="old",
                body_html="<p>old</p>",
                written_at=now,
                editor_id=alice.id,
            )
        )
        db.add(
            Attachment(
                comment_id=comment.id,
                uploader_id=alice.id,
                stored_name=f"stored-{comment.id}",
                filename=f"paper-{comment.id}.pdf",
                content_type="application/pdf",
                size_bytes=10,
                sha256="0" * 64,
            )
        )
        db.add(
            Excerpt(
                space_id=space.id,
                comment_id=comment.id,
                lang="en",
                text="words",
                start=0,
                end=5,
                source_hash="0" * 64,
                created_by_id=mod.id,
            )
        )
    db.flush()
    return {
        "mod": mod,
        "other_mod": other_mod,
        "alice": alice,
        "bob": bob,
        "admin": admin,
        "space": space,
        "shown": shown,
        "secret": secret,
        "published": published,
        "pending": pending,
        "hidden": hidden,
        "rejected": rejected,
    }


@contextmanager
def reading_as(
    session_factory: sessionmaker[Session], viewer: Viewer, purpose: Purpose = Purpose.READ
) -> Iterator[Session]:
    with session_factory() as session:
        policy.read_as(session, viewer, purpose)
        yield session


def _ids(world: dict, *names: str) -> set[int]:
    return {world[name].id for name in names}


COMMENTS = ("shown", "secret", "published", "pending", "hidden", "rejected")
PUBLIC = {"shown", "secret", "published"}


# --- The suite-wide witness ----------------------------------------------------------


def test_the_witness_catches_a_read_that_skipped_the_gate(db: Session, world: dict) -> None:
    WITNESS.take()
    connection = db.connection()
    connection.execute(select(Comment.body_md)).all()
    connection.execute(text("SELECT a.filename FROM attachments AS a")).all()
    connection.execute(
        select(Space.id).join(CommentTranslation, CommentTranslation.comment_id == Space.id)
    ).all()
    assert len(WITNESS.take()) == 3
    # Through a session, or through `gate` on a Connection, the verdict is there.
    db.execute(select(Comment.body_md)).all()
    connection.execute(policy.gate(db, select(CommentRevision.body_md))).all()
    connection.execute(select(Space.id)).all()  # reads nothing participants wrote
    assert WITNESS.take() == []


# --- The rule, per reader ------------------------------------------------------------

READERS = {
    "anonymous": (None, PUBLIC),
    "participant": ("bob", PUBLIC),
    "author": ("alice", {*PUBLIC, "pending", "hidden", "rejected"}),
    "moderator elsewhere": ("other_mod", PUBLIC),
    "moderator": ("mod", set(COMMENTS)),
    "administrator": ("admin", set(COMMENTS)),
}


def _viewer(factory: Factory, world: dict, who: str | None) -> Viewer:
    return ANONYMOUS if who is None else factory.viewer(world[who])


@pytest.mark.parametrize("reader", list(READERS))
def test_each_reader_sees_what_the_policy_allows_in_every_shape_of_statement(
    factory: Factory, session_factory: sessionmaker[Session], world: dict, reader: str
) -> None:
    who, allowed = READERS[reader]
    expected = _ids(world, *allowed)
    everything = _ids(world, *COMMENTS)
    viewer = _viewer(factory, world, who)
    parent = aliased(Comment)
    with reading_as(session_factory, viewer) as s:
        # Whole entities, columns only, an alias, a join from another table, a subquery.
        assert set(s.scalars(select(Comment))) == {s.get(Comment, i) for i in expected}
        assert set(s.scalars(select(Comment.id))) == expected
        assert set(s.scalars(select(parent.id))) == expected
        joined = select(Comment.id).select_from(Space).join(Comment, Comment.space_id == Space.id)
        assert set(s.scalars(joined)) == expected
        of_hidden = select(Comment.space_id).where(Comment.id == world["hidden"].id)
        through = set(s.scalars(select(Space.id).where(Space.id.in_(of_hidden))))
        assert through == ({world["space"].id} if "hidden" in allowed else set())
        words = select(Comment.body_md).where(Comment.id == world["hidden"].id).scalar_subquery()
        assert s.scalar(
            select(Space.slug, words).where(Space.id == world["space"].id).with_only_columns(words)
        ) == ("Hidden words." if "hidden" in allowed else None)
        assert s.scalar(select(func.count(Comment.id))) == len(expected)
        # `get`, fresh and from the unit of work's identity map after a wider read.
        for i in everything:
            assert (s.get(Comment, i) is not None) == (i in expected)
        list(s.scalars(policy.for_purpose(select(Comment), Purpose.SYSTEM)))
        for i in everything:
            assert (s.get(Comment, i) is not None) == (i in expected)


@pytest.mark.parametrize("reader", list(READERS))
def test_what_belongs_to_a_comment_follows_the_comment(
    factory: Factory, session_factory: sessionmaker[Session], world: dict, reader: str
) -> None:
    who, allowed = READERS[reader]
    owners = _ids(world, *(allowed & {"published", "hidden"}))
    candidates = _ids(world, "published", "hidden")  # each has one of every kind
    viewer = _viewer(factory, world, who)
    with reading_as(session_factory, viewer) as s:
        for model in (CommentTranslation, Attachment, Excerpt):
            query = select(model.comment_id).where(model.comment_id.in_(candidates))
            assert set(s.scalars(query)) == owners, model
            alias = aliased(model)
            query = select(alias.comment_id).where(alias.comment_id.in_(candidates))
            assert set(s.scalars(query)) == owners, model
        # Superseded texts: their author and the moderators only, even of published words.
        history = owners if reader in ("author", "moderator", "administrator") else set()
        assert set(s.scalars(select(CommentRevision.comment_id))) == history
        # Joined from comments, read from both.
        joined = select(Comment.id).join(
            CommentTranslation, CommentTranslation.comment_id == Comment.id
        )
        assert set(s.scalars(joined.where(Comment.id.in_(candidates)))) == owners


def test_a_listing_keeps_hidden_comments_as_rows_but_not_their_words(
    factory: Factory, session_factory: sessionmaker[Session], world: dict
) -> None:
    with reading_as(session_factory, factory.viewer(world["bob"])) as s:
        listed = policy.for_purpose(select(Comment.id), Purpose.LISTING)
        assert set(s.scalars(listed)) == _ids(world, *PUBLIC, "hidden")
        of_listing = policy.for_purpose(select(CommentTranslation.comment_id), Purpose.LISTING)
        assert set(s.scalars(of_listing)) == _ids(world, "secret", "published")


def test_what_leaves_the_site_is_published_only_even_for_its_moderators(
    factory: Factory, session_factory: sessionmaker[Session], world: dict
) -> None:
    with reading_as(session_factory, factory.viewer(world["mod"])) as s:
        published = policy.for_purpose(select(Comment.id), Purpose.PUBLISHED)
        assert set(s.scalars(published)) == _ids(world, *PUBLIC)
        files = policy.for_purpose(select(Attachment.comment_id), Purpose.PUBLISHED)
        assert set(s.scalars(files)) == _ids(world, "published")
        old = policy.for_purpose(select(CommentRevision.id), Purpose.PUBLISHED)
        assert list(s.scalars(old)) == []


def test_a_hidden_locked_thread_still_locks_its_replies(
    factory: Factory, session_factory: sessionmaker[Session], db: Session, world: dict
) -> None:
    from app.comments.reads import thread_is_locked

    world["hidden"].locked = True
    reply = factory.comment(world["space"], world["bob"], "Below.", parent=world["published"])
    reply.parent_id, reply.path = world["hidden"].id, world["hidden"].path + ".9999999999"
    db.flush()
    with reading_as(session_factory, factory.viewer(world["bob"])) as s:
        assert s.get(Comment, world["hidden"].id) is None
        assert thread_is_locked(s, s.get_one(Comment, reply.id))


def test_a_unit_of_work_that_names_no_reader_reads_as_nobody(
    session_factory: sessionmaker[Session], world: dict
) -> None:
    with session_factory() as s:
        assert set(s.scalars(select(Comment.id))) == _ids(world, *PUBLIC)


@pytest.mark.parametrize("purpose", [Purpose.THREAD_SHAPE, Purpose.QUEUE])
def test_the_purposes_that_see_every_row_read_no_words(
    session_factory: sessionmaker[Session], world: dict, purpose: Purpose
) -> None:
    with reading_as(session_factory, ANONYMOUS) as s:
        shape = policy.for_purpose(select(Comment.id, Comment.path, Comment.locked), purpose)
        assert set(s.scalars(shape)) == _ids(world, *COMMENTS)
        for words in (
            select(Comment),
            select(aliased(Comment).body_html),
            select(func.lower(Comment.body_md).label("quiet")),
            select(Attachment.filename),
        ):
            with pytest.raises(ValueError, match="reads no words"):
                s.execute(policy.for_purpose(words, purpose))
            with pytest.raises(ValueError, match="reads no words"):
                policy.gate(s, words, purpose)
