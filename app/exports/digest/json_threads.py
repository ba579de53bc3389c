"""The digest as JSON (`roundtable-digest`, version 1): groups of nested threads.

`author` is null where the space's rule does not name the author; times are ISO 8601 in
UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.exports.digest.model import Coverage, Digest, Entry


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "parent_id": e.parent_id,
        "number": e.number,
        "path": e.path,
        "depth": e.depth,
        "lang": e.lang,
        "author": e.author,
        "named": e.author is not None,
        "author_is_moderator": e.author_is_moderator,
        "created_at": _iso(e.created_at),
        "edited_at": _iso(e.edited_at),
        "status": e.status,
        "editorial_state": e.editorial_state,
        "tags": [{"taxonomy": t.taxonomy, "code": t.code, "label": t.label} for t in e.tags],
        "body_md": e.body_md,
        "translations": [{"lang": t.lang, "body_md": t.body_md} for t in e.translations],
        "url": e.url,
    }


def _coverage_json(c: Coverage) -> dict[str, Any]:
    return {
        "comments": c.comments,
        "contributors": c.contributors,
        "languages": list(c.languages),
        "first": _iso(c.first),
        "last": _iso(c.last),
    }


def _threads(entries: list[Entry]) -> list[dict[str, Any]]:
    """Entries nested under their parents; those whose parent is absent start a thread."""
    nodes = {e.id: {**_entry_json(e), "replies": []} for e in entries}
    roots: list[dict[str, Any]] = []
    for e in entries:  # thread order: a parent always comes before its replies
        parent = nodes.get(e.parent_id) if e.parent_id is not None else None
        (parent["replies"] if parent else roots).append(nodes[e.id])
    return roots


def to_json(digest: Digest) -> str:
    """The digest as nested threads; `author` is null where the rule does not name."""
    document = {
        "format": "roundtable-digest",
        "version": 1,
        "space": {"slug": digest.slug, "title": digest.title, "attribution": digest.attribution},
        "lang": digest.lang,
        "generated_at": _iso(digest.generated_at),
        "coverage": _coverage_json(digest.coverage),
        "groups": [
            {
                "kind": "posts" if g.is_posts else "question",
                "number": g.number,
                "question": _entry_json(g.question) if g.question else None,
                "coverage": _coverage_json(g.coverage),
                "threads": _threads(g.entries),
            }
            for g in digest.groups
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
