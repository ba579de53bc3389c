"""Static files under names that carry their content's hash: cached for a year, never stale.

Pages link `/static/roundtable.<hash>.css` (from `static_url()`, a Jinja global); a new
deployment with other bytes gives another name, so browsers may keep each name forever.
The plain name still works, revalidated on every use, for anything that links it directly.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_HASH_CHARS = 12


def hashed_name(relative: str, content: bytes) -> str:
    """`vendor/htmx.min.js` → `vendor/htmx.min.<hash>.js`."""
    path = PurePosixPath(relative)
    digest = hashlib.sha256(content).hexdigest()[:_HASH_CHARS]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Assets:
    """The hashed name of every file under a directory, computed once at start-up."""

    def __init__(self, directory: Path) -> None:
        self.hashed: dict[str, str] = {}
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            relative = file.relative_to(directory).as_posix()
            self.hashed[relative] = hashed_name(relative, file.read_bytes())
        self.originals = {h: name for name, h in self.hashed.items()}

    def url(self, name: str) -> str:
        return f"/static/{self.hashed.get(name, name)}"


ASSETS = Assets(STATIC_DIR)


class HashedStaticFiles(StaticFiles):
    """StaticFiles that also answers to hashed names, with the caching each name deserves."""

    def __init__(self, *, directory: Path, assets: Assets) -> None:
        super().__init__(directory=directory)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        original = self.assets.originals.get(PurePosixPath(path).as_posix())
        response = await super().get_response(original or path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if original else REVALIDATE
        return response
