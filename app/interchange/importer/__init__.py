"""Importing an interchange document as a new space (the other direction is
app/interchange/dump.py).

Checks come first and write nothing; only a document without a single problem is
written, and then only with `add`/`flush`: the caller's unit of work commits, or rolls
everything back. The steps, one module each:

- `reading`: `read_json` turns an uploaded file into a document (size, UTF-8, JSON);
- `bundle`: `read_upload` tells a JSON file from a ZIP bundle by content, unpacks the
  bundle safely, and holds its files to the document's `attachments` entries;
- `validation`: `check` finds every problem under an address: the JSON Schema's
  (`schema_check`), then the rules a schema cannot say (`rules`), reported as
  `problems.Problem`s in document order;
- `accounts`: the people the document names, matched to accounts or created unable to
  sign in;
- `writing`: `import_space` checks, then writes the space and its rows.

The names below are what the routes and the command line use.
"""

from app.interchange.importer.bundle import MAX_BUNDLE_BYTES, Upload, read_upload
from app.interchange.importer.problems import ImportProblems, Problem
from app.interchange.importer.reading import MAX_FILE_BYTES, read_json
from app.interchange.importer.validation import check
from app.interchange.importer.writing import import_space

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_FILE_BYTES",
    "ImportProblems",
    "Problem",
    "Upload",
    "check",
    "import_space",
    "read_json",
    "read_upload",
]
