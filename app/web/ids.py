"""Row ids as routes take them: bounded to what every database can hold."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

# Primary keys are PostgreSQL `integer`s (32 bits); SQLite's are 64 bits and Python's int
# has no bound. A number past the database's range is a driver error (OverflowError on
# SQLite), not a row that does not exist, so it is refused before any query: in an
# address it is a 404 (app/web/error_pages.py), in a form a 400.
MAX_ID = 2**31 - 1

RowId = Annotated[int, Ge(1), Le(MAX_ID)]
