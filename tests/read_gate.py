"""The read gate's witness: no statement reads what participants wrote without its verdict.

Attached to the suite's database engine (tests/conftest.py), it sees every statement any
test makes the application run, whatever route, service or worker made it. A SELECT that
reads comments, translations, revisions, attachments or excerpts must carry the verdict
`app/policy.py` stamps on what passed its gate; the test that caused one that does not
fails, with the statement. A query written tomorrow on a bare Connection, in raw SQL or
in a new module is caught the first time any test reaches it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from app.policy import GATED_TABLES, VERDICT

_READS = re.compile(r"\b(?:FROM|JOIN)\s+(" + "|".join(sorted(GATED_TABLES)) + r")\b", re.IGNORECASE)
_QUERY = ("SELECT", "WITH", "(")


class Witness:
    def __init__(self) -> None:
        self.unmarked: list[str] = []
        self._lock = threading.Lock()

    def __call__(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if not statement.lstrip().upper().startswith(_QUERY) or not _READS.search(statement):
            return
        if context is not None and context.execution_options.get(VERDICT):
            return
        with self._lock:
            self.unmarked.append(statement)

    def take(self) -> list[str]:
        with self._lock:
            taken, self.unmarked = self.unmarked, []
        return taken


WITNESS = Witness()
