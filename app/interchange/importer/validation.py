"""Every problem with importing a document under an address, found without writing.

Checks come first and write nothing: the new space's address, then the JSON Schema
(every error, with its path), then, for a document the schema accepts, the rules it
cannot say (app/interchange/importer/rules.py), then its attachments against the
bundle's files (app/interchange/importer/bundle.py). The list stops at `MAX_PROBLEMS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.admin.service import SLUG
from app.i18n import gettext
from app.interchange.importer.bundle import file_problems
from app.interchange.importer.problems import ImportProblems, Problem, in_document_order
from app.interchange.importer.rules import semantic_problems
from app.interchange.importer.schema_check import schema_problems
from app.models import Space

MAX_PROBLEMS = 1000  # a thoroughly wrong file would otherwise list a million lines


def requested_slug(document: Any, slug: str | None) -> str:
    """The new space's address: the one asked for, else the one in the file."""
    if slug and slug.strip():
        return slug.strip().lower()
    try:
        return str(document["space"]["slug"])
    except (KeyError, TypeError):
        return ""


def _slug_taken(db: Session, slug: str) -> bool:
    return db.scalar(select(Space.id).where(Space.slug == slug)) is not None


def check(
    db: Session,
    document: Any,
    *,
    slug: str | None = None,
    files: Mapping[str, bytes] | None = None,
    max_attachment_bytes: int = 0,
) -> ImportProblems:
    """Every problem with importing this document (under this address), with the files of
    its bundle (None: the JSON alone); writes nothing."""
    result = ImportProblems()
    if slug and slug.strip():
        wanted = requested_slug(document, slug)
        if not SLUG.match(wanted) or len(wanted) > 80:
            result.fields["slug"] = gettext(
                "Use lower-case letters, digits and hyphens, e.g. skills-2027."
            )
        elif _slug_taken(db, wanted):
            result.fields["slug"] = gettext("Another space already uses this address.")
    problems = schema_problems(document)
    if not problems:
        problems = semantic_problems(document)
        if not problems:
            found, members = file_problems(document, files, max_bytes=max_attachment_bytes)
            problems = [*in_document_order(document, found), *members]
        if not (slug and slug.strip()) and _slug_taken(db, document["space"]["slug"]):
            problems.insert(
                0, Problem("space.slug", gettext("Another space already uses this address."))
            )
    if len(problems) > MAX_PROBLEMS:
        problems = [
            *problems[:MAX_PROBLEMS],
            Problem(
                "",
                gettext(
                    "There are more problems; only the first %(count)d are listed.",
                    count=MAX_PROBLEMS,
                ),
            ),
        ]
    result.problems = problems
    return result
