"""Gzip for text responses, at a level that costs a fraction of rendering the page.

Measured on a 100-comment space page (about 170 kB of HTML, prose bodies): level 1 gives
28 % of the size for ~1.6 ms of CPU, level 4 24 % for ~2.5 ms, level 6 23 % for ~6 ms,
level 9 22.7 % for ~7.7 ms, against ~12 ms to render the page on the same machine. Level 4
keeps nearly all the saving for a fifth of the page's cost. Space pages from the page cache
are compressed once per version instead, at level 6 (app/web/stitching.py), and pass here
untouched.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES

from app.documents.formats import DOCX, ODT, PDF

COMPRESS_LEVEL = 4
# A response that fits in one TCP segment arrives no sooner compressed.
MINIMUM_SIZE = 1400
# Pages are compressed inline: handing them to a thread costs more than it spares.
THREAD_MINIMUM_SIZE = 16 * 1024 * 1024
# Downloads that are compressed already (DOCX and ODT are zip files) are sent as they are.
ALREADY_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, PDF, DOCX, ODT, "application/octet-stream")

GZIP_OPTIONS: dict[str, Any] = {
    "compresslevel": COMPRESS_LEVEL,
    "minimum_size": MINIMUM_SIZE,
    "thread_minimum_size": THREAD_MINIMUM_SIZE,
    "exclude_content_types": ALREADY_COMPRESSED,
}
