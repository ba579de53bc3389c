"""Declarative base with stable constraint names, a UTC timestamp type and state columns."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import DateTime, Enum, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Byte-wise ordering for materialised paths on PostgreSQL; SQLite compares bytes already.
PathString = String(1000).with_variant(String(1000, collation="C"), "postgresql")

LANG = String(8)


S = TypeVar("S", bound=StrEnum)


def state_or_none(states: type[S], raw: str | None) -> S | None:
    """The member of `states` that `raw` names, or None (a form sent something else)."""
    if raw is None:
        return None
    try:
        return states(raw)
    except ValueError:
        return None


def _values(states: type[StrEnum]) -> list[str]:
    return [state.value for state in states]


def state_type(states: type[StrEnum], length: int) -> Enum:
    """A column of one StrEnum's members, stored as their values in a VARCHAR(length).

    No database enum type and no CHECK constraint: the schema is the plain string column
    it always was, and adding a member needs no migration. Rows read back as members; a
    value outside the enum fails loudly, on write and on read.
    """
    return Enum(
        states,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=_values,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
