"""Rate-limit counters shared by every process.

Revision ID: 1965fe775392
Revises: 72432b54dad2
Create Date: 2026-11-26 03:35:00.525577
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1965fe775392"
down_revision: str | None = "72432b54dad2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counters")),
    )


def downgrade() -> None:
    op.drop_table("rate_counters")
