"""Hashed static files answered from memory, with a gzip variant compressed once at start-up.

A hashed name's bytes never change (`app.web.assets`), so reading the file and gzipping it
on every request is wasted work: the GZip middleware leaves a response that already has a
Content-Encoding alone. Plain (un-hashed) names still go through StaticFiles, revalidated.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from app.web.assets import IMMUTABLE, Assets, HashedStaticFiles

# The best ratio costs nothing per request: it is paid once, at start-up.
_GZIP_LEVEL = 9


@dataclass(frozen=True, slots=True)
class StaticBody:
    """One hashed file: its bytes, their gzip variant (None if it would not be smaller)."""

    content: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


# Once per process, not per application built: the hashed names were computed from these
# very bytes at import, so they cannot change underneath (tests build an app per test).
@cache
def load_body(file: Path) -> StaticBody:
    content = file.read_bytes()
    packed = gzip.compress(content, compresslevel=_GZIP_LEVEL, mtime=0)
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    return StaticBody(
        content=content,
        gzipped=packed if len(packed) < len(content) else None,
        media_type=media_type,
        etag=f'"{hashlib.sha256(content).hexdigest()[:32]}"',
    )


def _accepts_gzip(headers: Headers) -> bool:
    for coding in headers.get("accept-encoding", "").split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class MemoryStaticFiles(HashedStaticFiles):
    """HashedStaticFiles whose hashed names are served from bytes held in memory."""

    def __init__(self, *, directory: Path, assets: Assets) -> None:
        super().__init__(directory=directory, assets=assets)
        self.bodies = {
            hashed: load_body(directory / original) for hashed, original in assets.originals.items()
        }

    async def get_response(self, path: str, scope: Scope) -> Response:
        body = self.bodies.get(PurePosixPath(path).as_posix())
        if body is None or scope["method"] not in ("GET", "HEAD"):
            return await super().get_response(path, scope)
        request_headers = Headers(scope=scope)
        headers = {"Cache-Control": IMMUTABLE, "ETag": body.etag, "Vary": "Accept-Encoding"}
        if body.etag in request_headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        content = body.content
        if body.gzipped is not None and _accepts_gzip(request_headers):
            content = body.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(content, media_type=body.media_type, headers=headers)
