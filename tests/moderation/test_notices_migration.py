"""The migration that tells automatic hides and early closings apart sorts existing rows.

Hides made before it by the flag threshold keep saying so; a space closed early keeps
the reason its moderator gave.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, MetaData, Table, create_engine, insert, select

from app.migrate import alembic_config
from tests import own_db

BEFORE = "3c6f1e0a9b27"


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    made = own_db.create(tmp_path, "notices_migration")
    yield made
    own_db.drop(made)


def _table(conn: Connection, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=conn)


def _add(conn: Connection, name: str, **values: Any) -> int:
    row = conn.execute(
        insert(_table(conn, name)).values(**values).returning(_table(conn, name).c.id)
    )
    return int(row.scalar_one())


def test_existing_hides_and_closings_are_sorted(url: str) -> None:
    cfg = alembic_config(url)
    command.downgrade(cfg, BEFORE)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            user = _add(
                conn,
                "users",
                email="a@example.org",
                display_name="A",
                display_name_key="a",
                password_hash="x",
                locale="en",
                is_admin=False,
                created_at=now,
            )

            def space(slug: str, closes: datetime) -> int:
                return _add(
                    conn,
                    "spaces",
                    slug=slug,
                    original_lang="en",
                    languages="en",
                    opens_at=now - timedelta(days=9),
                    closes_at=closes,
                    created_at=now,
                    posting_policy="post-moderation",
                    attribution="named",
                    max_shown_depth=6,
                    flag_threshold=3,
                    version=1,
                )

            early = space("early", now - timedelta(days=1))
            on_time = space("on-time", now - timedelta(days=2))

            def comment(n: int, status: str) -> int:
                return _add(
                    conn,
                    "comments",
                    space_id=early,
                    author_id=user,
                    path=f"9{n:011d}",
                    depth=0,
                    kind="comment",
                    lang="en",
                    body_md="x",
                    body_html="<p>x</p>",
                    created_at=now,
                    version=1,
                    status=status,
                    moderation_reason="",
                    pinned=False,
                    locked=False,
                    named_consent=False,
                )

            auto, by_hand, rehidden = (
                comment(1, "hidden"),
                comment(2, "hidden"),
                comment(3, "hidden"),
            )
            restored = comment(4, "published")

            def event(
                action: str, target_type: str, target: int, at: datetime, **more: Any
            ) -> None:
                _add(
                    conn,
                    "moderation_events",
                    space_id=early,
                    action=action,
                    target_type=target_type,
                    target_id=target,
                    reason=more.get("reason", ""),
                    created_at=at,
                    actor_id=more.get("actor"),
                )

            event("auto-hide", "comment", auto, now)
            event("hide", "comment", by_hand, now, actor=user)
            event("auto-hide", "comment", rehidden, now - timedelta(hours=2))
            event("restore", "comment", rehidden, now - timedelta(hours=1), actor=user)
            event("hide", "comment", rehidden, now, actor=user)
            event("auto-hide", "comment", restored, now - timedelta(hours=1))
            event("restore", "comment", restored, now, actor=user)
            event(
                "close-space", "space", early, now - timedelta(days=1), reason="Moved", actor=user
            )
            # Closed early once, then given a later date that has passed too.
            event(
                "close-space", "space", on_time, now - timedelta(days=5), reason="Old", actor=user
            )
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            comments = _table(conn, "comments")
            flagged = dict(conn.execute(select(comments.c.id, comments.c.hidden_by_flags)).all())
            spaces = _table(conn, "spaces")
            reasons = dict(conn.execute(select(spaces.c.slug, spaces.c.closed_early_reason)).all())
    finally:
        engine.dispose()
    assert flagged == {auto: True, by_hand: False, rehidden: False, restored: False}
    assert reasons == {"early": "Moved", "on-time": ""}
