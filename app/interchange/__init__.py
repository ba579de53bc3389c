"""The space interchange format: a whole space as versioned, documented JSON, alone or
in a bundle (a ZIP holding the JSON and the position papers its comments name).

`schema.json` beside this file is the format's definition and its documentation;
`dump` writes a space as such a document, `importer` checks one and builds a new
space from it, and `routes` offers both to administrators (`roundtable export-space` and
`import-space` on the command line). This is how spaces move between sites, unlike the
digests of app/exports/ and a note draft's files (app/drafts/files.py), which are
documents made for reading.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = "roundtable-space"
VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1: no note word target, no attachments
BUNDLE_DOCUMENT = "space.json"  # the JSON's name inside a bundle; the files are under files/
SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the current version."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded
