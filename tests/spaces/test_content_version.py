"""The database keeps each space's content version: every write a page shows bumps it.

Run on SQLite and on PostgreSQL (the triggers differ). Writes the pages never show leave
it alone, so the cache is not thrown away for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.markup import render_markdown
from app.models import (
    Attachment,
    Comment,
    CommentTranslation,
    Flag,
    Follow,
    Space,
    SpaceModerator,
    SpaceText,
    User,
    UserSession,
)
from tests.factories import Factory


def _version(db: Session, space: Space) -> int:
    db.flush()
    return db.scalar(select(Space.content_version).where(Space.id == space.id)) or 0


@pytest.fixture
def setting(factory: Factory) -> tuple[Space, Space, User, Comment]:
    author = factory.user("An Author")
    space = factory.space()
    other = factory.space()
    comment = factory.comment(space, author, "Words on the page.")
    return space, other, author, comment


Write = Callable[[Session, Space, User, Comment], None]


def _translation(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.add(CommentTranslation(comment_id=comment.id, lang="fr", body_md="x", body_html="x"))


def _attachment(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.add(
        Attachment(
            comment_id=comment.id,
            uploader_id=author.id,
            stored_name="b" * 64,
            filename="paper.pdf",
            content_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
        )
    )


def _comment_edit(db: Session, space: Space, author: User, comment: Comment) -> None:
    comment.body_html = render_markdown("Other words.")


def _comment_delete(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.delete(comment)


def _space_text(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.scalars(select(SpaceText).where(SpaceText.space_id == space.id)).one().title = "Renamed"


def _space_setting(db: Session, space: Space, author: User, comment: Comment) -> None:
    space.closes_at = datetime.now(UTC) + timedelta(days=3)


def _moderator(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.add(SpaceModerator(space_id=space.id, user_id=author.id))


def _follow(db: Session, space: Space, author: User, comment: Comment) -> None:
    db.add(Follow(user_id=author.id, space_id=space.id))


def _bulk_update(db: Session, space: Space, author: User, comment: Comment) -> None:
    # A Core UPDATE, past the ORM: the triggers see it all the same.
    db.execute(update(Comment).where(Comment.id == comment.id).values(pinned=True))


BUMPS = [
    _translation,
    _attachment,
    _comment_edit,
    _comment_delete,
    _space_text,
    _space_setting,
    _moderator,
    _follow,
    _bulk_update,
]


@pytest.mark.parametrize("write", BUMPS, ids=lambda w: w.__name__.strip("_"))
def test_a_write_the_page_shows_bumps_only_its_space(
    db: Session, setting: tuple[Space, Space, User, Comment], write: Write
) -> None:
    space, other, author, comment = setting
    before, other_before = _version(db, space), _version(db, other)
    write(db, space, author, comment)
    assert _version(db, space) > before
    assert _version(db, other) == other_before


def test_a_new_comment_bumps_its_space(
    db: Session, factory: Factory, setting: tuple[Space, Space, User, Comment]
) -> None:
    space, _other, author, _comment = setting
    before = _version(db, space)
    factory.comment(space, author, "More words.")
    assert _version(db, space) > before


def test_a_new_name_bumps_every_space_and_other_account_changes_none(
    db: Session, setting: tuple[Space, Space, User, Comment]
) -> None:
    space, other, author, comment = setting
    before = (_version(db, space), _version(db, other))
    author.locale = "fr"
    author.email_verified_at = datetime.now(UTC)
    db.add(
        UserSession(
            token_hash="c" * 64,
            user_id=author.id,
            expires_at=datetime.now(UTC) + timedelta(days=1),
            user_agent="test",
        )
    )
    db.add(Flag(comment_id=comment.id, user_id=author.id, reason="spam"))
    assert (_version(db, space), _version(db, other)) == before
    author.display_name = "A New Name"
    assert _version(db, space) > before[0]
    assert _version(db, other) > before[1]
