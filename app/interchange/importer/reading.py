"""Reading an uploaded file into a document: size, encoding and JSON syntax.

What goes wrong here is about the form's `file` field, not a place in the document.
"""

from __future__ import annotations

import json
from typing import Any

from app.i18n import gettext
from app.interchange.importer.problems import ImportProblems

MAX_FILE_BYTES = 50 * 1024 * 1024


def read_json(data: bytes | None) -> Any:
    """The document in an uploaded file, or ImportProblems about the `file` field."""
    if not data:
        raise ImportProblems(fields={"file": gettext("Choose a file to import.")})
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblems(
            fields={
                "file": gettext(
                    "The file is larger than %(size)d MB.", size=MAX_FILE_BYTES // 1024 // 1024
                )
            }
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblems(fields={"file": gettext("The file is not UTF-8 text.")}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblems(
            fields={
                "file": gettext(
                    "The file is not valid JSON (line %(line)d, column %(column)d).",
                    line=exc.lineno,
                    column=exc.colno,
                )
            }
        ) from None
    except RecursionError:
        raise ImportProblems(
            fields={"file": gettext("The file is not valid JSON (nested too deeply).")}
        ) from None
