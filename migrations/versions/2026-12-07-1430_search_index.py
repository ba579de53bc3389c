"""The search index: an entry per comment text, kept by triggers, built for existing data.

One entry for each comment's own text and one for each of its author's translations,
each in its own language. Triggers rather than the application's writes, as for the
content versions: no write path (web, CLI, import, demo, a hand-run fix) can leave the
index behind. Whether a comment may be found (its status, its space) is read from the
comment at search time, so hiding or restoring changes no entry.

SQLite: the stems come from the function app/fulltext/sqlite.py registers on every
connection (`roundtable_search_terms`), into `exact` and `plain`, each with its language
(`fr_travailleur`); an FTS5 table
(external content: it stores no text of its own) indexes them, following the entries
by triggers. PostgreSQL: a `tsvector` per entry from two configurations per language
(Snowball stems without stop words, with and without `unaccent`), under a GIN index.

A later migration that copies `comments` or `comment_translations` (a SQLite batch
operation) drops these triggers with the old table: it must create them again.

Revision ID: 9e4d7a1c2b58
Revises: 5b8e2f4a7c19
Create Date: 2026-12-07 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4d7a1c2b58"
down_revision: str | None = "5b8e2f4a7c19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = {"en": "english", "fr": "french", "es": "spanish"}
TERMS = "roundtable_search_terms"
# The words PostgreSQL's parser gives (compound words' parts, not the compounds: SQLite
# sees only the parts, and both databases must find the same).
WORD_TOKENS = "asciiword, word, hword_asciipart, hword_part"
COMPOUND_TOKENS = "asciihword, hword, numhword"


def _sqlite_statements() -> list[str]:
    exact, plain = (f"{TERMS}(NEW.lang, NEW.body_html, {i})" for i in (0, 1))
    changed = "NEW.body_html IS NOT OLD.body_html OR NEW.lang IS NOT OLD.lang"
    fts_insert = (
        "INSERT INTO search_fts (rowid, exact, plain) VALUES (NEW.id, NEW.exact, NEW.plain);"
    )
    fts_delete = (
        "INSERT INTO search_fts (search_fts, rowid, exact, plain) "
        "VALUES ('delete', OLD.id, OLD.exact, OLD.plain);"
    )
    return [
        "ALTER TABLE search_entries ADD COLUMN exact TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE search_entries ADD COLUMN plain TEXT NOT NULL DEFAULT ''",
        # Stems carry their language ("fr_travailleur"): `_` is part of a token.
        "CREATE VIRTUAL TABLE search_fts USING fts5(exact, plain, "
        "content='search_entries', content_rowid='id', "
        "tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
        f"CREATE TRIGGER search_entries_insert AFTER INSERT ON search_entries BEGIN {fts_insert} END",
        f"CREATE TRIGGER search_entries_delete AFTER DELETE ON search_entries BEGIN {fts_delete} END",
        "CREATE TRIGGER search_entries_update AFTER UPDATE ON search_entries "
        f"BEGIN {fts_delete} {fts_insert} END",
        "CREATE TRIGGER comments_insert_indexes AFTER INSERT ON comments BEGIN "
        "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "
        f"VALUES (NEW.id, NEW.lang, 0, {exact}, {plain}); END",
        f"CREATE TRIGGER comments_update_indexes AFTER UPDATE OF body_html, lang ON comments "
        f"WHEN {changed} BEGIN "
        f"UPDATE search_entries SET lang = NEW.lang, exact = {exact}, plain = {plain} "
        "WHERE comment_id = NEW.id AND translated = 0; END",
        "CREATE TRIGGER comments_delete_indexes AFTER DELETE ON comments BEGIN "
        "DELETE FROM search_entries WHERE comment_id = OLD.id; END",
        "CREATE TRIGGER translations_insert_indexes AFTER INSERT ON comment_translations BEGIN "
        "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "
        f"VALUES (NEW.comment_id, NEW.lang, 1, {exact}, {plain}); END",
        "CREATE TRIGGER translations_update_indexes AFTER UPDATE OF body_html, lang "
        f"ON comment_translations WHEN {changed} BEGIN "
        f"UPDATE search_entries SET lang = NEW.lang, exact = {exact}, plain = {plain} "
        "WHERE comment_id = OLD.comment_id AND lang = OLD.lang AND translated = 1; END",
        "CREATE TRIGGER translations_delete_indexes AFTER DELETE ON comment_translations BEGIN "
        "DELETE FROM search_entries "
        "WHERE comment_id = OLD.comment_id AND lang = OLD.lang AND translated = 1; END",
        # The texts already written.
        "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "
        f"SELECT id, lang, 0, {TERMS}(lang, body_html, 0), {TERMS}(lang, body_html, 1) "
        "FROM comments",
        "INSERT INTO search_entries (comment_id, lang, translated, exact, plain) "
        f"SELECT comment_id, lang, 1, {TERMS}(lang, body_html, 0), {TERMS}(lang, body_html, 1) "
        "FROM comment_translations",
    ]


def _pg_statements() -> list[str]:
    made = ["CREATE EXTENSION IF NOT EXISTS unaccent"]
    cases = []
    for lang, algorithm in LANGUAGES.items():
        stem = f"roundtable_{lang}_stem"
        made += [
            # Snowball without its stop-word list: every word counts, as on SQLite.
            f"CREATE TEXT SEARCH DICTIONARY {stem} (TEMPLATE = snowball, LANGUAGE = {algorithm})",
            f"CREATE TEXT SEARCH CONFIGURATION roundtable_{lang} (COPY = {algorithm})",
            f"ALTER TEXT SEARCH CONFIGURATION roundtable_{lang} "
            f"ALTER MAPPING FOR {WORD_TOKENS} WITH {stem}",
            f"ALTER TEXT SEARCH CONFIGURATION roundtable_{lang} DROP MAPPING FOR {COMPOUND_TOKENS}",
            f"CREATE TEXT SEARCH CONFIGURATION roundtable_{lang}_unaccent (COPY = roundtable_{lang})",
            f"ALTER TEXT SEARCH CONFIGURATION roundtable_{lang}_unaccent "
            f"ALTER MAPPING FOR {WORD_TOKENS} WITH unaccent, {stem}",
        ]
        cases.append(
            f"WHEN '{lang}' THEN to_tsvector('roundtable_{lang}', html) "
            f"|| to_tsvector('roundtable_{lang}_unaccent', html)"
        )
    made += [
        "ALTER TABLE search_entries ADD COLUMN document tsvector NOT NULL DEFAULT ''",
        "CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)",
        "CREATE FUNCTION roundtable_search_document(lang text, html text) RETURNS tsvector "
        f"LANGUAGE sql STABLE AS $$ SELECT CASE lang {' '.join(cases)} "
        "ELSE to_tsvector('simple', html) END $$",
        """
CREATE FUNCTION roundtable_index_comment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO search_entries (comment_id, lang, translated, document)
    VALUES (NEW.id, NEW.lang, false, roundtable_search_document(NEW.lang, NEW.body_html));
  ELSE
    UPDATE search_entries
    SET lang = NEW.lang, document = roundtable_search_document(NEW.lang, NEW.body_html)
    WHERE comment_id = NEW.id AND NOT translated;
  END IF;
  RETURN NULL;
END $$""",
        """
CREATE FUNCTION roundtable_index_translation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO search_entries (comment_id, lang, translated, document)
    VALUES (NEW.comment_id, NEW.lang, true,
            roundtable_search_document(NEW.lang, NEW.body_html));
  ELSIF TG_OP = 'UPDATE' THEN
    UPDATE search_entries
    SET lang = NEW.lang, document = roundtable_search_document(NEW.lang, NEW.body_html)
    WHERE comment_id = OLD.comment_id AND lang = OLD.lang AND translated;
  ELSE
    DELETE FROM search_entries
    WHERE comment_id = OLD.comment_id AND lang = OLD.lang AND translated;
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER comments_insert_indexes AFTER INSERT ON comments "
        "FOR EACH ROW EXECUTE FUNCTION roundtable_index_comment()",
        "CREATE TRIGGER comments_update_indexes AFTER UPDATE OF body_html, lang ON comments "
        "FOR EACH ROW WHEN (NEW.body_html IS DISTINCT FROM OLD.body_html "
        "OR NEW.lang IS DISTINCT FROM OLD.lang) EXECUTE FUNCTION roundtable_index_comment()",
        "CREATE TRIGGER translations_insert_indexes AFTER INSERT OR DELETE "
        "ON comment_translations FOR EACH ROW EXECUTE FUNCTION roundtable_index_translation()",
        "CREATE TRIGGER translations_update_indexes AFTER UPDATE OF body_html, lang "
        "ON comment_translations FOR EACH ROW WHEN (NEW.body_html IS DISTINCT FROM "
        "OLD.body_html OR NEW.lang IS DISTINCT FROM OLD.lang) "
        "EXECUTE FUNCTION roundtable_index_translation()",
        "INSERT INTO search_entries (comment_id, lang, translated, document) "
        "SELECT id, lang, false, roundtable_search_document(lang, body_html) FROM comments",
        "INSERT INTO search_entries (comment_id, lang, translated, document) "
        "SELECT comment_id, lang, true, roundtable_search_document(lang, body_html) "
        "FROM comment_translations",
    ]
    return made


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("translated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_search_entries_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
    )
    op.create_index("ix_search_entries_comment_id", "search_entries", ["comment_id"])
    dialect = op.get_bind().dialect.name
    for statement in _sqlite_statements() if dialect == "sqlite" else _pg_statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "comments_insert_indexes",
            "comments_update_indexes",
            "comments_delete_indexes",
            "translations_insert_indexes",
            "translations_update_indexes",
            "translations_delete_indexes",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS comments_insert_indexes ON comments")
        op.execute("DROP TRIGGER IF EXISTS comments_update_indexes ON comments")
        op.execute("DROP TRIGGER IF EXISTS translations_insert_indexes ON comment_translations")
        op.execute("DROP TRIGGER IF EXISTS translations_update_indexes ON comment_translations")
        op.execute("DROP FUNCTION IF EXISTS roundtable_index_comment()")
        op.execute("DROP FUNCTION IF EXISTS roundtable_index_translation()")
    op.drop_table("search_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS roundtable_search_document(text, text)")
        for lang in LANGUAGES:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS roundtable_{lang}_unaccent")
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS roundtable_{lang}")
            op.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS roundtable_{lang}_stem")
