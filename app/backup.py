"""Consistent online backups of a SQLite deployment (database and uploads), and restore.

SQLite's backup API copies a consistent snapshot while the server keeps running; uploads
are copied after it, so every file a backed-up row points at is there (files are only
ever added under new names). PostgreSQL deployments use pg_dump instead (see README).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import Settings

DATABASE_FILE = "roundtable.db"
UPLOADS = "uploads"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _sqlite_path(settings: Settings) -> Path:
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            "This command backs up SQLite deployments; for PostgreSQL use pg_dump (see README)."
        )
    return Path(url.database)


def backup(settings: Settings, destination: Path, *, now: datetime) -> Path:
    """Write database, uploads and a manifest into a new folder under `destination`."""
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    target = destination / f"roundtable-{now:%Y%m%d-%H%M%S}"
    target.mkdir(parents=True, exist_ok=False)
    with (
        closing(sqlite3.connect(source)) as live,
        closing(sqlite3.connect(target / DATABASE_FILE)) as copy,
    ):
        live.backup(copy)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    if check != "ok":
        raise BackupError(f"the copy failed its integrity check: {check}")
    if settings.upload_dir.exists():
        shutil.copytree(settings.upload_dir, target / UPLOADS)
    manifest = {"created_at": now.isoformat(), "schema_revision": revision, "integrity": check}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return target


def restore(settings: Settings, source: Path, *, force: bool = False) -> None:
    """Put a backup in place of the (stopped) deployment's database and uploads."""
    database = _sqlite_path(settings)
    if not (source / DATABASE_FILE).exists() or not (source / MANIFEST).exists():
        raise BackupError(f"{source} is not a Roundtable backup")
    if database.exists() and not force:
        raise BackupError(f"{database} exists; stop the server and pass --force to replace it")
    database.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes the pages through SQLite itself, WAL file included.
    with (
        closing(sqlite3.connect(source / DATABASE_FILE)) as saved,
        closing(sqlite3.connect(database)) as live,
    ):
        saved.backup(live)
    if settings.upload_dir.exists():
        shutil.rmtree(settings.upload_dir)
    if (source / UPLOADS).exists():
        shutil.copytree(source / UPLOADS, settings.upload_dir)
