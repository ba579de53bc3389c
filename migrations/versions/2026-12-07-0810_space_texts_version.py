"""A version for a space's texts, so two administrators' saves cannot overwrite each other.

The texts form names the version it was opened at; a save is a conditional UPDATE on it
(app/db.py claim_version), and a stale one is answered 409 with the typed texts kept.
Separate from the settings' version: a settings save must not make an open texts form
stale, nor the other way round.

Revision ID: 5b8e2f4a7c19
Revises: 7d2a9c4e1f03
Create Date: 2026-12-07 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2f4a7c19"
down_revision: str | None = "7d2a9c4e1f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a copied table would lose the
    # triggers that keep the spaces' content versions.
    op.add_column(
        "spaces", sa.Column("texts_version", sa.Integer(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    op.drop_column("spaces", "texts_version")
