"""The search statement as each database plans it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.fulltext.query import parse
from app.models import Comment
from app.policy import ANONYMOUS, read_as
from app.search import backends, service


def _postgresql(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner; runs when the suite runs on PostgreSQL")


def test_the_tsqueries_are_folded_once_at_planning(db: Session) -> None:
    """Built per row, they cost a hundred times the search (a stable regconfig cast)."""
    _postgresql(db)
    read_as(db, ANONYMOUS)
    hits = backends.candidates(
        "postgresql", parse('migrant "recruitment fees"'), service.LANGUAGES, []
    )
    compiled = select(hits.c.comment_id).compile(
        db.get_bind(), compile_kwargs={"literal_binds": True}
    )
    plan = "\n".join(row[0] for row in db.execute(text(f"EXPLAIN (VERBOSE) {compiled}")))
    assert "::tsquery" in plan
    assert "plainto_tsquery" not in plan
    assert "phraseto_tsquery" not in plan


def test_a_search_starts_no_parallel_workers(db: Session) -> None:
    _postgresql(db)
    assert db.scalar(text("SHOW max_parallel_workers_per_gather")) != "0"
    backends.without_parallel_workers(db)
    assert db.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
    db.rollback()  # SET LOCAL: this transaction only
    assert db.scalar(select(Comment.id).limit(0)) is None
    assert db.scalar(text("SHOW max_parallel_workers_per_gather")) != "0"
