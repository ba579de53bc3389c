"""Excerpts remember the version number of the comment they were taken from.

Revision ID: 72432b54dad2
Revises: c671fc8b679b
Create Date: 2026-11-26 03:25:32.606194
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "72432b54dad2"
down_revision: str | None = "c671fc8b679b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("excerpts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comment_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("excerpts", schema=None) as batch_op:
        batch_op.drop_column("comment_version")
