"""Spaces carry a version so two moderators cannot overwrite each other's settings.

Revision ID: 6d1219c94ed1
Revises: 1965fe775392
Create Date: 2026-11-26 03:54:15.977204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d1219c94ed1"
down_revision: str | None = "1965fe775392"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("version")
