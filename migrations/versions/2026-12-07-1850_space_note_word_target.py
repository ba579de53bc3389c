"""A space's note word target: the length its background note should have, in words.

Nullable: a space without one leaves each note template's own target to new drafts.

Revision ID: 4f1c8b2d6e93
Revises: 9e4d7a1c2b58
Create Date: 2026-12-07 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f1c8b2d6e93"
down_revision: str | None = "9e4d7a1c2b58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a copied table would lose the
    # triggers that keep the spaces' content versions.
    op.add_column("spaces", sa.Column("note_word_target", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (no table copy, so the triggers stay).
    op.drop_column("spaces", "note_word_target")
