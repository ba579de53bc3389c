"""A content version per space, kept by triggers, that keys the space's cached pages.

Anything drawn on a space's pages bumps it: the space and its texts and moderators, its
comments, their translations and attachments, who follows it (the follow button), and
the display name of any user (which may stand on any space). What depends on the reader
(their role, bans, queue) is in the cache key beside it. Triggers rather than the
application's own writes, so no write path (web, CLI, import, a hand-run SQL fix) can
leave a cached page stale.

Revision ID: 3c6f1e0a9b27
Revises: bc2101a57089
Create Date: 2026-11-26 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c6f1e0a9b27"
down_revision: str | None = "bc2101a57089"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE spaces SET content_version = content_version + 1"
# Tables whose rows name their space, and tables whose rows name a comment.
BY_SPACE = ("comments", "space_texts", "space_moderators", "follows")
BY_COMMENT = ("comment_translations", "attachments")
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_triggers() -> list[tuple[str, str]]:
    """(name, CREATE statement) pairs; SQLite has no trigger functions, one per event."""
    made = []
    for table in (*BY_SPACE, *BY_COMMENT):
        for event in EVENTS:
            rows = (
                ["OLD"] if event == "DELETE" else ["NEW"] if event == "INSERT" else ["NEW", "OLD"]
            )
            if table in BY_SPACE:
                where = [f"id = {row}.space_id" for row in rows]
            else:
                where = [
                    f"id = (SELECT space_id FROM comments WHERE id = {row}.comment_id)"
                    for row in rows
                ]
            name = f"{table}_{event.lower()}_bumps_space"
            body = f"{BUMP} WHERE {' OR '.join(where)};"
            made.append((name, f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END"))
    # The guard stops the trigger's own update from counting again.
    made.append(
        (
            "spaces_update_bumps_space",
            "CREATE TRIGGER spaces_update_bumps_space AFTER UPDATE ON spaces "
            "WHEN NEW.content_version = OLD.content_version "
            f"BEGIN {BUMP} WHERE id = NEW.id; END",
        )
    )
    made.append(
        (
            "users_rename_bumps_spaces",
            "CREATE TRIGGER users_rename_bumps_spaces AFTER UPDATE OF display_name ON users "
            f"WHEN NEW.display_name IS NOT OLD.display_name BEGIN {BUMP}; END",
        )
    )
    return made


# DDL assembled from this file's constants only (S608 sees an f-string, not input).
_PG_FUNCTIONS = f"""
CREATE FUNCTION bump_space_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    {BUMP} WHERE id = NEW.space_id;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.space_id <> NEW.space_id) THEN
    {BUMP} WHERE id = OLD.space_id;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION bump_space_of_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    {BUMP} WHERE id = (SELECT space_id FROM comments WHERE id = NEW.comment_id);
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.comment_id <> NEW.comment_id) THEN
    {BUMP} WHERE id = (SELECT space_id FROM comments WHERE id = OLD.comment_id);
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION bump_own_space() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.content_version = OLD.content_version THEN
    NEW.content_version := OLD.content_version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION bump_all_spaces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {BUMP};
  RETURN NULL;
END $$;
"""


def _pg_triggers() -> list[tuple[str, str, str]]:
    """(name, table, CREATE statement) triples."""
    made = []
    for table in (*BY_SPACE, *BY_COMMENT):
        function = "bump_space_of_row" if table in BY_SPACE else "bump_space_of_comment"
        name = f"{table}_bumps_space"
        made.append(
            (
                name,
                table,
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            )
        )
    made.append(
        (
            "spaces_update_bumps_space",
            "spaces",
            "CREATE TRIGGER spaces_update_bumps_space BEFORE UPDATE ON spaces "
            "FOR EACH ROW EXECUTE FUNCTION bump_own_space()",
        )
    )
    made.append(
        (
            "users_rename_bumps_spaces",
            "users",
            "CREATE TRIGGER users_rename_bumps_spaces AFTER UPDATE OF display_name ON users "
            "FOR EACH ROW WHEN (NEW.display_name IS DISTINCT FROM OLD.display_name) "
            "EXECUTE FUNCTION bump_all_spaces()",
        )
    )
    return made


def upgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.add_column(
            sa.Column("content_version", sa.Integer(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS)
        for _name, _table, create in _pg_triggers():
            op.execute(create)
    else:
        for _name, create in _sqlite_triggers():
            op.execute(create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _create in _pg_triggers():
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in (
            "bump_space_of_row",
            "bump_space_of_comment",
            "bump_own_space",
            "bump_all_spaces",
        ):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name, _create in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("spaces") as batch:
        batch.drop_column("content_version")
