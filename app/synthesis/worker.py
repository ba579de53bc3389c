"""The background side of the workbench: embed what is queued, then recompute the themes
of spaces whose comments changed. Run by `roundtable worker` beside the e-mail outbox.

A space is recomputed by one worker at a time (a lease on its `space_analyses` row, as
jobs are leased), once its queued texts are embedded, and at most once a minute on its
own: a busy consultation does not keep a core clustering all day.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import rows_updated, transaction
from app.models import AnalysisJob, Comment, Space, SpaceAnalysis
from app.synthesis import compute, queue
from app.synthesis.embedder import Embedder

log = logging.getLogger(__name__)

SPACE_LEASE = timedelta(minutes=5)
AUTO_EVERY = timedelta(minutes=1)
NICENESS = 10


def claim_space(
    session_factory: sessionmaker[Session],
    now: datetime,
    auto_every: timedelta = AUTO_EVERY,
    space_id: int | None = None,
) -> tuple[int, datetime] | None:
    """Lease one space whose themes are due (this one, if given), with the lease's end."""
    waiting = exists().where(
        AnalysisJob.comment_id == Comment.id,
        Comment.space_id == SpaceAnalysis.space_id,
        AnalysisJob.attempts < queue.MAX_ATTEMPTS,
    )
    due = (
        select(SpaceAnalysis.space_id)
        .join(Space, Space.id == SpaceAnalysis.space_id)
        .where(
            or_(SpaceAnalysis.lease_until.is_(None), SpaceAnalysis.lease_until <= now),
            or_(SpaceAnalysis.wanted, SpaceAnalysis.content_version != Space.content_version),
            or_(
                SpaceAnalysis.content_version < 0,
                SpaceAnalysis.computed_at <= now - auto_every,
            ),
            ~waiting,
        )
        .order_by(SpaceAnalysis.computed_at)
        .limit(1)
        .with_for_update(skip_locked=True, of=SpaceAnalysis)
    )
    if space_id is not None:
        due = due.where(SpaceAnalysis.space_id == space_id)
    until = now + SPACE_LEASE
    with transaction(session_factory) as db:
        chosen = db.scalar(due)
        if chosen is None:
            return None
        won = rows_updated(
            db,
            update(SpaceAnalysis)
            .where(
                SpaceAnalysis.space_id == chosen,
                or_(SpaceAnalysis.lease_until.is_(None), SpaceAnalysis.lease_until <= now),
            )
            .values(lease_until=until),
        )
    return (chosen, until) if won == 1 else None


def recompute(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    space_id: int,
    lease_until: datetime,
    now: datetime,
) -> bool:
    """Read, compute and write one leased space; False when the lease was lost meanwhile."""
    with transaction(session_factory, writes=False) as db:
        snapshot = compute.read(db, space_id, embedder.name)
    outcome = compute.compute(snapshot, embedder)
    with transaction(session_factory) as db:
        held = db.scalar(
            select(SpaceAnalysis.lease_until)
            .where(SpaceAnalysis.space_id == space_id)
            .with_for_update()
        )
        if held != lease_until:
            log.warning("space %s: its themes' lease ran out before they were written", space_id)
            return False
        compute.write(db, outcome, embedder.name, now)
    return True


def _yield_the_cpu() -> None:
    """Lower this thread's priority (Linux: a thread is a task of its own; the model's
    threads inherit it): sending e-mail and serving pages come before analysis."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: analyse at full priority
        log.debug("the synthesis worker keeps its priority")


def run(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    *,
    stop: threading.Event | None = None,
    once: bool = False,
    interval: float = 5.0,
    auto_every: timedelta = AUTO_EVERY,
    space_id: int | None = None,
    background: bool = False,
) -> int:
    """Embed and recompute until `stop` is set (or once; only one space's, if given);
    returns how many texts were embedded. `background`: the calling thread does nothing
    else (`roundtable worker`'s), and lowers its priority for good."""
    stop = stop or threading.Event()
    total = 0
    if background:
        _yield_the_cpu()
    if queued := queue.requeue_other_models(session_factory, embedder.name):
        log.info("queued %d text(s) embedded by another model", queued)
    while not stop.is_set():
        try:
            while not stop.is_set():
                made = queue.run_once(
                    session_factory, embedder, datetime.now(UTC), space_id=space_id
                )
                total += made
                if not made:
                    break
            while not stop.is_set():
                now = datetime.now(UTC)
                leased = claim_space(session_factory, now, auto_every, space_id)
                if leased is None:
                    break
                recompute(session_factory, embedder, leased[0], leased[1], now)
        except Exception:
            if once:
                raise
            log.exception("the synthesis worker hit an error; retrying")
        if once:
            break
        stop.wait(interval)
    return total
