"""What participants are told: automatic hides and the reason a space closed early.

A comment hidden because enough participants reported it is marked as such, so its
placeholder can say it awaits a moderator rather than that one removed it; existing
hides are sorted by their latest audit event. A space closed early by a moderator keeps
the reason given and when, so its page can say why.

Revision ID: 7d2a9c4e1f03
Revises: 3c6f1e0a9b27
Create Date: 2026-12-07 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2a9c4e1f03"
down_revision: str | None = "3c6f1e0a9b27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a copied table would lose the
    # triggers that keep the spaces' content versions.
    op.add_column(
        "comments",
        sa.Column("hidden_by_flags", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "spaces", sa.Column("closed_early_reason", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("spaces", sa.Column("closed_early_at", sa.DateTime(timezone=True), nullable=True))
    # Hidden comments whose latest hide-or-restore event is the automatic one.
    op.execute(
        """
        UPDATE comments SET hidden_by_flags = true
        WHERE status = 'hidden' AND (
          SELECT e.action FROM moderation_events e
          WHERE e.target_type = 'comment' AND e.target_id = comments.id
            AND e.action IN ('hide', 'auto-hide', 'restore')
          ORDER BY e.id DESC LIMIT 1
        ) = 'auto-hide'
        """
    )
    # Spaces whose closing date is the moment a moderator closed them.
    op.execute(
        """
        UPDATE spaces SET
          closed_early_reason = (
            SELECT e.reason FROM moderation_events e
            WHERE e.target_type = 'space' AND e.target_id = spaces.id
              AND e.action = 'close-space'
            ORDER BY e.id DESC LIMIT 1
          ),
          closed_early_at = closes_at
        WHERE EXISTS (
          SELECT 1 FROM moderation_events e
          WHERE e.target_type = 'space' AND e.target_id = spaces.id
            AND e.action = 'close-space' AND e.created_at = spaces.closes_at
        )
        """
    )


def downgrade() -> None:
    op.drop_column("spaces", "closed_early_at")
    op.drop_column("spaces", "closed_early_reason")
    op.drop_column("comments", "hidden_by_flags")
