"""Indexes for the space page: the published-comment count and the locked threads.

Both were read from every row of the space, bodies included, on every page view.

Revision ID: bc2101a57089
Revises: f849e0862a80
Create Date: 2026-11-26 05:42:00.346493
"""

from collections.abc import Sequence

from alembic import op

revision: str = "bc2101a57089"
down_revision: str | None = "f849e0862a80"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_comments_space_id_kind_status", "comments", ["space_id", "kind", "status"])
    op.create_index("ix_comments_space_id_locked", "comments", ["space_id", "locked"])


def downgrade() -> None:
    op.drop_index("ix_comments_space_id_locked", table_name="comments")
    op.drop_index("ix_comments_space_id_kind_status", table_name="comments")
