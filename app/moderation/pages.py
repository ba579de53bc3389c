"""What the moderation queue hands its template (app/web/templates.py's `PageContext`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from app.moderation.queries import OpenFlag, QueueFilter
from app.moderation.reads import Suspension, Waiting
from app.spaces.service import SpaceView
from app.web.templates import PageContext


@dataclass(frozen=True)
class QueueContext(PageContext):
    """moderation/queue.html: one part of a space's queue, with its reports and bans."""

    space_view: SpaceView
    show: QueueFilter
    items: Sequence[Row[*tuple[Any, ...]]]  # rows of app/moderation/queries.py's `queue`
    flags: dict[int, list[OpenFlag]]  # open reports, by comment
    counts: Waiting
    bans: Sequence[Suspension]
    repeats: dict[int, int]  # how many other comments each item repeats (near-duplicates)
    errors: dict[str, str]
    form: dict[str, Any]  # what a refused decision on several comments sent, to fill in again
    done: int | None  # how many comments the last decision dealt with
