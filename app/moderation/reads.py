"""What moderators' pages read: what waits in each of their spaces, a space's queue, the
reports on a comment, the suspensions in force and the transparency figures.

Each in a fixed number of statements, however many spaces or comments there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.models.moderation import FlagReason, FlagResolution, ModerationAction
from app.moderation import audit, queries
from app.moderation.queries import OpenFlag, QueueFilter

Report = Row[FlagReason, str, datetime, datetime | None, FlagResolution | None]
Suspension = Row[int, str, datetime, datetime | None, int | None, str]


@dataclass(frozen=True)
class Waiting:
    """What waits for a space's moderators: comments to approve, comments reported."""

    pending: int = 0
    flagged: int = 0


def waiting_by_space(db: Session, space_ids: Sequence[int]) -> dict[int, Waiting]:
    if not space_ids:
        return {}
    rows = db.execute(queries.counts(space_ids))
    return {row.space_id: Waiting(row.pending, row.flagged) for row in rows}


def waiting_in(db: Session, space_id: int) -> Waiting:
    return waiting_by_space(db, [space_id]).get(space_id, Waiting())


def suspensions(db: Session, space_id: int | None, now: datetime) -> Sequence[Suspension]:
    """Suspensions in force in a space, or the site-wide ones (space_id None)."""
    return db.execute(queries.active_bans(space_id, now)).all()


@dataclass(frozen=True)
class Queue:
    items: Sequence[Row[*tuple[Any, ...]]]
    flags: dict[int, list[OpenFlag]]  # open reports, by comment
    counts: Waiting
    bans: Sequence[Suspension]
    repeats: dict[int, int]  # how many other comments each item repeats (near-duplicates)


def queue(db: Session, space_id: int, show: QueueFilter, now: datetime) -> Queue:
    items = db.execute(queries.queue(space_id, show)).all()
    return Queue(
        items=items,
        flags=queries.open_flags_by_comment(db, [item.id for item in items]),
        counts=waiting_in(db, space_id),
        bans=suspensions(db, space_id, now),
        repeats=queries.repeats_of(db, [item.id for item in items]),
    )


def reports_on(db: Session, comment_id: int) -> Sequence[Report]:
    return db.execute(queries.flags_for(comment_id)).all()


@dataclass(frozen=True)
class Transparency:
    """A space's moderation in counts, for everyone: no names, no texts."""

    actions: Sequence[Row[ModerationAction, int]]
    flag_reasons: Sequence[Row[FlagReason, FlagResolution | None, int]]


def transparency(db: Session, space_id: int) -> Transparency:
    return Transparency(
        actions=db.execute(audit.counts(space_id)).all(),
        flag_reasons=db.execute(queries.flag_reason_counts(space_id)).all(),
    )
