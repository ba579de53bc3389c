"""Every state column round-trips its enum through the database under test (SQLite, or
PostgreSQL with TEST_DATABASE_URL): a member goes in, the same member comes back, and
what is stored is the member's plain value, the string the column always held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from sqlalchemy import Column, Enum, String, select, text, type_coerce
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.models import (
    AccountToken,
    Base,
    Comment,
    Curation,
    DraftRevision,
    Flag,
    ModerationEvent,
    NoteDraft,
    ObjectiveSuggestion,
    Space,
    Theme,
)
from app.models.accounts import TokenPurpose
from app.models.analysis import SuggestionState, ThemeKind
from app.models.comments import CommentKind, CommentStatus
from app.models.curation import DraftState, EditorialState
from app.models.moderation import AuditTarget, FlagReason, FlagResolution, ModerationAction
from app.models.spaces import AttributionRule, PostingPolicy
from tests.factories import Factory

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _comment(db: Session, factory: Factory) -> Comment:
    space = factory.space()
    return factory.comment(space, factory.user())


def _curation(db: Session, factory: Factory) -> Curation:
    comment = _comment(db, factory)
    row = Curation(
        comment_id=comment.id, space_id=comment.space_id, updated_by_id=comment.author_id
    )
    db.add(row)
    return row


def _draft(db: Session, factory: Factory) -> NoteDraft:
    moderator = factory.user()
    space = factory.space(moderators=(moderator,))
    row = NoteDraft(
        space_id=space.id,
        template="background-note",
        lang="en",
        title="A note",
        created_by_id=moderator.id,
        updated_by_id=moderator.id,
    )
    db.add(row)
    return row


def _revision(db: Session, factory: Factory) -> DraftRevision:
    draft = _draft(db, factory)
    db.flush()
    row = DraftRevision(
        draft_id=draft.id,
        version=1,
        title=draft.title,
        state=DraftState.DRAFT,
        author_id=draft.created_by_id,
    )
    db.add(row)
    return row


def _flag(db: Session, factory: Factory) -> Flag:
    comment = _comment(db, factory)
    row = Flag(comment_id=comment.id, user_id=factory.user().id, reason=FlagReason.SPAM)
    db.add(row)
    return row


def _event(db: Session, factory: Factory) -> ModerationEvent:
    row = ModerationEvent(
        space_id=factory.space().id,
        action=ModerationAction.HIDE,
        target_type=AuditTarget.COMMENT,
        target_id=1,
    )
    db.add(row)
    return row


def _theme(db: Session, factory: Factory) -> Theme:
    row = Theme(space_id=factory.space().id, question_number=1, name="", labels={}, passages=[])
    db.add(row)
    return row


def _suggestion(db: Session, factory: Factory) -> ObjectiveSuggestion:
    row = ObjectiveSuggestion(comment_id=_comment(db, factory).id, code=20, confidence=0.9)
    db.add(row)
    return row


def _token(db: Session, factory: Factory) -> AccountToken:
    user = factory.user()
    row = AccountToken(
        token_hash="0" * 64,
        user_id=user.id,
        purpose=TokenPurpose.VERIFY_EMAIL,
        email=user.email,
        expires_at=NOW + timedelta(days=1),
    )
    db.add(row)
    return row


# Each state column, its enum, and how to make a row to write it on.
COLUMNS: list[tuple[Column[object], type[StrEnum], Callable[[Session, Factory], object]]] = [
    (Comment.__table__.c.kind, CommentKind, _comment),
    (Comment.__table__.c.status, CommentStatus, _comment),
    (Space.__table__.c.posting_policy, PostingPolicy, lambda db, f: f.space()),
    (Space.__table__.c.attribution, AttributionRule, lambda db, f: f.space()),
    (Curation.__table__.c.state, EditorialState, _curation),
    (NoteDraft.__table__.c.state, DraftState, _draft),
    (DraftRevision.__table__.c.state, DraftState, _revision),
    (Flag.__table__.c.reason, FlagReason, _flag),
    (Flag.__table__.c.resolution, FlagResolution, _flag),
    (ModerationEvent.__table__.c.action, ModerationAction, _event),
    (ModerationEvent.__table__.c.target_type, AuditTarget, _event),
    (AccountToken.__table__.c.purpose, TokenPurpose, _token),
    (Theme.__table__.c.kind, ThemeKind, _theme),
    (ObjectiveSuggestion.__table__.c.state, SuggestionState, _suggestion),
]
CASES = [
    pytest.param(column, member, make, id=f"{column.table.name}.{column.name}-{member.value}")
    for column, states, make in COLUMNS
    for member in states
]


def test_every_state_column_is_listed_here() -> None:
    """A new state column gets its round trip too: it must be added to COLUMNS."""
    state_columns = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Enum)
    }
    assert state_columns == {(c.table.name, c.name) for c, _, _ in COLUMNS}
    for column, states, _make in COLUMNS:
        assert column.type.enum_class is states
        # Stored as before: a plain VARCHAR as long as the migrations made it.
        assert not column.type.native_enum
        assert column.type.length >= max(len(m.value) for m in states)


@pytest.mark.parametrize(("column", "member", "make"), CASES)
def test_a_member_round_trips_as_its_plain_value(
    db: Session, factory: Factory, column: Column[object], member: StrEnum, make: Callable
) -> None:
    row = make(db, factory)
    setattr(row, column.name, member)
    db.flush()
    mapper = type(row)
    key = [getattr(row, c.name) for c in column.table.primary_key.columns]
    where = [c == v for c, v in zip(column.table.primary_key.columns, key, strict=True)]
    db.expire_all()

    loaded = db.scalars(select(mapper).where(*where)).one()
    assert getattr(loaded, column.name) is member
    stored = db.scalar(select(type_coerce(column, String())).where(*where))
    assert type(stored) is str
    assert stored == member.value


@pytest.mark.parametrize("column", [c for c, _, _ in COLUMNS], ids=lambda c: str(c))
def test_a_value_outside_the_enum_fails_loudly(
    db: Session, factory: Factory, column: Column[object]
) -> None:
    make = next(m for c, _, m in COLUMNS if c is column)
    row = make(db, factory)
    db.flush()
    pk = column.table.primary_key.columns
    key = {c.name: getattr(row, c.name) for c in pk}
    # Written past the ORM (as a hand-edited database would hold it), read back by it.
    where = " AND ".join(f"{name} = :{name}" for name in key)
    db.execute(
        text(f"UPDATE {column.table.name} SET {column.name} = 'bogus' WHERE {where}"),  # noqa: S608
        key,
    )
    db.expire_all()
    with pytest.raises(LookupError, match="not among the defined enum values"):
        db.scalars(select(type(row)).where(*(c == key[c.name] for c in pk))).one()
    # And it refuses to write one.
    setattr(row, column.name, "bogus")
    with pytest.raises(StatementError, match="not among the defined enum values"):
        db.flush()
