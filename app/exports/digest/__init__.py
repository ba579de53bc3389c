"""A space's digest: every published comment, grouped by question, threaded, for moderators.

- `reads`: `build_digest` reads published comments only, whoever asks (the read gate's
  `PUBLISHED` purpose: a digest leaves the site), into the plain data of `model`.
- `model`: `Digest`, its `Group`s and `Entry`s, and the grouping by question.
- `wording`: the words the files say (authors, dates, languages, titles, the rule).
- `document`: the digest as one document, written as Markdown (`to_markdown`) or DOCX
  (`to_docx`); `csv_table` (`to_csv`) and `json_threads` (`to_json`) write the others.

Authors are named only as `policy.named_in_export` allows; everyone else is "a
participant". The names below are the package's interface: routes, jobs and tests use
them (`digest.to_docx` is looked up here when a job runs, so a test can replace it).
"""

from app.exports.digest.csv_table import CSV_COLUMNS, to_csv
from app.exports.digest.document import to_docx, to_markdown
from app.exports.digest.json_threads import to_json
from app.exports.digest.model import (
    FORMATS,
    Coverage,
    Digest,
    Entry,
    Group,
    Tagging,
    Translation,
)
from app.exports.digest.reads import build_digest
from app.exports.digest.wording import group_title, rule_text

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "Coverage",
    "Digest",
    "Entry",
    "Group",
    "Tagging",
    "Translation",
    "build_digest",
    "group_title",
    "rule_text",
    "to_csv",
    "to_docx",
    "to_json",
    "to_markdown",
]
