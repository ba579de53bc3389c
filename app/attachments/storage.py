"""Where uploaded files live: outside the web root, under names nobody chose."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def new_name() -> str:
    return secrets.token_hex(16)


def path_for(upload_dir: Path, stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError("stored names are generated hex strings")
    return upload_dir / stored_name[:2] / stored_name


def write(upload_dir: Path, stored_name: str, data: bytes) -> Path:
    target = path_for(upload_dir, stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(target)
    return target
