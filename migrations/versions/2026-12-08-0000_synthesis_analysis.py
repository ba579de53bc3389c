"""The synthesis workbench: embeddings, their job queue, themes, duplicates, suggestions.

The queue is kept by triggers, as the search index is: whatever writes a comment or a
translation (web, CLI, import, demo, a hand-run fix) queues its text for the worker in
the same transaction, and a rolled-back write queues nothing. A text changed while it
waits bumps its job's `generation` rather than adding a row. A deleted translation takes
its embedding with it; a deleted comment takes everything by cascade.

A later migration that copies `comments` or `comment_translations` (a SQLite batch
operation) drops these triggers with the old table: it must create them again.

Revision ID: 7c2e9a4f1b60
Revises: 4f1c8b2d6e93
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2e9a4f1b60"
down_revision: str | None = "4f1c8b2d6e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPSERT = (
    "INSERT INTO analysis_jobs (comment_id, text_key, generation, attempts, last_error) "
    "VALUES ({comment}, {key}, 1, 0, '') ON CONFLICT (comment_id, text_key) DO UPDATE SET "
    "generation = analysis_jobs.generation + 1, attempts = 0, last_error = ''"
)
_FORGET = (
    "DELETE FROM embeddings WHERE comment_id = OLD.comment_id AND text_key = OLD.lang; "
    "DELETE FROM analysis_jobs WHERE comment_id = OLD.comment_id AND text_key = OLD.lang"
)
_TRIGGERS = (
    "comments_insert_analysis",
    "comments_update_analysis",
    "translations_insert_analysis",
    "translations_update_analysis",
    "translations_delete_analysis",
)


def _sqlite_statements() -> list[str]:
    own = _UPSERT.format(comment="NEW.id", key="''")
    translated = _UPSERT.format(comment="NEW.comment_id", key="NEW.lang")
    changed = "NEW.body_html IS NOT OLD.body_html OR NEW.lang IS NOT OLD.lang"
    return [
        f"CREATE TRIGGER comments_insert_analysis AFTER INSERT ON comments BEGIN {own}; END",
        "CREATE TRIGGER comments_update_analysis AFTER UPDATE OF body_html, lang ON comments "
        f"WHEN {changed} BEGIN {own}; END",
        "CREATE TRIGGER translations_insert_analysis AFTER INSERT ON comment_translations "
        f"BEGIN {translated}; END",
        "CREATE TRIGGER translations_update_analysis AFTER UPDATE OF body_html, lang "
        f"ON comment_translations WHEN {changed} BEGIN {_FORGET}; {translated}; END",
        "CREATE TRIGGER translations_delete_analysis AFTER DELETE ON comment_translations "
        f"BEGIN {_FORGET}; END",
    ]


def _pg_statements() -> list[str]:
    own = _UPSERT.format(comment="NEW.id", key="''")
    translated = _UPSERT.format(comment="NEW.comment_id", key="NEW.lang")
    changed = (
        "WHEN (NEW.body_html IS DISTINCT FROM OLD.body_html OR NEW.lang IS DISTINCT FROM OLD.lang)"
    )
    return [
        f"""
CREATE FUNCTION roundtable_queue_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {own};
  RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION roundtable_queue_translation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {_FORGET};
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {translated};
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER comments_insert_analysis AFTER INSERT ON comments "
        "FOR EACH ROW EXECUTE FUNCTION roundtable_queue_comment()",
        "CREATE TRIGGER comments_update_analysis AFTER UPDATE OF body_html, lang ON comments "
        f"FOR EACH ROW {changed} EXECUTE FUNCTION roundtable_queue_comment()",
        "CREATE TRIGGER translations_insert_analysis AFTER INSERT ON comment_translations "
        "FOR EACH ROW EXECUTE FUNCTION roundtable_queue_translation()",
        "CREATE TRIGGER translations_update_analysis AFTER UPDATE OF body_html, lang "
        f"ON comment_translations FOR EACH ROW {changed} "
        "EXECUTE FUNCTION roundtable_queue_translation()",
        "CREATE TRIGGER translations_delete_analysis AFTER DELETE ON comment_translations "
        "FOR EACH ROW EXECUTE FUNCTION roundtable_queue_translation()",
    ]


def _comment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["comment_id"],
        ["comments.id"],
        name=op.f(f"fk_{table}_comment_id_comments"),
        ondelete="CASCADE",
    )


def _space_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["space_id"], ["spaces.id"], name=op.f(f"fk_{table}_space_id_spaces"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "analysis_jobs",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=8), nullable=False),
        sa.Column("generation", sa.Integer(), server_default="1", nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        _comment_fk("analysis_jobs"),
        sa.PrimaryKeyConstraint("comment_id", "text_key", name=op.f("pk_analysis_jobs")),
    )
    op.create_table(
        "embeddings",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=8), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("comment_version", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.Column("sentence_vectors", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _comment_fk("embeddings"),
        sa.PrimaryKeyConstraint("comment_id", "text_key", name=op.f("pk_embeddings")),
    )
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("question_number", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["themes.id"],
            name=op.f("fk_themes_merged_into_id_themes"),
            ondelete="SET NULL",
        ),
        _space_fk("themes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    )
    op.create_index("ix_themes_space_id", "themes", ["space_id"])
    op.create_table(
        "theme_members",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        _comment_fk("theme_members"),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_members_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_theme_members")),
    )
    op.create_index("ix_theme_members_theme_id", "theme_members", ["theme_id"])
    op.create_table(
        "space_analyses",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        _space_fk("space_analyses"),
        sa.PrimaryKeyConstraint("space_id", name=op.f("pk_space_analyses")),
    )
    op.create_table(
        "near_duplicates",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        _comment_fk("near_duplicates"),
        _space_fk("near_duplicates"),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_near_duplicates")),
    )
    op.create_index("ix_near_duplicates_space_id", "near_duplicates", ["space_id"])
    op.create_table(
        "objective_suggestions",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _comment_fk("objective_suggestions"),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_objective_suggestions_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("comment_id", "code", name=op.f("pk_objective_suggestions")),
    )
    dialect = op.get_bind().dialect.name
    for statement in _sqlite_statements() if dialect == "sqlite" else _pg_statements():
        op.execute(statement)
    # What was written before: queued once, for the worker to catch up on.
    op.execute("INSERT INTO analysis_jobs (comment_id, text_key) SELECT id, '' FROM comments")
    op.execute(
        "INSERT INTO analysis_jobs (comment_id, text_key) "
        "SELECT comment_id, lang FROM comment_translations"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in _TRIGGERS:
            table = "comments" if name.startswith("comments") else "comment_translations"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS roundtable_queue_comment()")
        op.execute("DROP FUNCTION IF EXISTS roundtable_queue_translation()")
    for table in (
        "objective_suggestions",
        "near_duplicates",
        "space_analyses",
        "theme_members",
        "themes",
        "embeddings",
        "analysis_jobs",
    ):
        op.drop_table(table)
