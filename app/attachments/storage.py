"""Where uploaded files live: outside the web root, under names nobody chose."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def new_name() -> str:
    return secrets.token_hex(16)


def path_for(upload_dir: Path, stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError("stored names are generated hex strings")
    return upload_dir / stored_name[:2] / stored_name


class NotStored(Exception):
    """The file could not be written (a full disk, say); nothing of it was left behind."""


def write(upload_dir: Path, stored_name: str, data: bytes) -> Path:
    target = path_for(upload_dir, stored_name)
    tmp = target.with_suffix(".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
    except OSError as exc:
        # A part file left per failed attempt would fill the disk further.
        tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()  # only if this attempt left it empty
        raise NotStored(f"{stored_name}: {exc.strerror or exc}") from exc
    return target
