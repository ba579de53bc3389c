"""The digest as a CSV table: one row per question or comment, for spreadsheets.

Every cell is safe from formula injection (app/documents/csvsafe.py); UTF-8 with a
byte-order mark, so spreadsheets read accents right.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC

from app import i18n
from app.documents import csvsafe
from app.exports.digest import wording
from app.exports.digest.model import Digest, Entry, Group

CSV_COLUMNS = (
    "id",
    "kind",
    "parent_id",
    "question",
    "depth",
    "path",
    "author",
    "lang",
    "created_at",
    "edited_at",
    "status",
    "editorial_state",
    "tags",
    "body",
    "translations",
)


def _entries(digest: Digest) -> Iterator[tuple[Group, Entry]]:
    for group in digest.groups:
        if group.question is not None:
            yield group, group.question
        for entry in group.entries:
            yield group, entry


def to_csv(digest: Digest) -> str:
    """One row per question or comment, every cell safe from formula injection. UTF-8 with
    a byte-order mark, so spreadsheets read accents right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with i18n.using(digest.lang):
        for group, e in _entries(digest):
            writer.writerow(
                csvsafe.row(
                    [
                        e.id,
                        e.kind,
                        e.parent_id,
                        group.number,
                        e.depth,
                        e.path,
                        wording.author(e),
                        e.lang,
                        e.created_at.astimezone(UTC).isoformat(),
                        e.edited_at.astimezone(UTC).isoformat() if e.edited_at else None,
                        e.status,
                        e.editorial_state,
                        "; ".join(t.text for t in e.tags),
                        e.body_md,
                        json.dumps({t.lang: t.body_md for t in e.translations}, ensure_ascii=False),
                    ]
                )
            )
    return out.getvalue()
