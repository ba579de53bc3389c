"""The upload directory's disk is full while a comment with its position paper is posted.

A real full filesystem: a 1 MiB tmpfs mounted on the upload directory (the tests run as
root, locally and in CI) and filled up before the post. Outcomes: a translated error by
the file field, the text typed kept in the form, nothing stored (no comment, no file, no
`.part` left over to fill the disk further), and once there is room the same post works.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Attachment, Comment
from tests.documents import PDF
from tests.factories import Factory, sign_in
from tests.html import parse

pytestmark = pytest.mark.faults

TEXTS = {
    "en": "My position paper is attached; the main points are below.\n\n- one\n- two",
    "fr": "Ma note de position est jointe ; voici les points principaux.\n\n- un\n- deux",
}


def _try_write(fh: BinaryIO, chunk: bytes) -> int | None:
    try:
        fh.write(chunk)
        fh.flush()
    except OSError as exc:
        return exc.errno
    return None


def _fill(directory: Path) -> Path:
    """Write until the filesystem refuses: then it is really full."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as fh:
        while (error := _try_write(fh, chunk)) is None:
            pass
    assert error == errno.ENOSPC
    return filler


@pytest.fixture
def full_upload_dir(settings: Settings) -> Iterator[Path]:
    uploads = settings.upload_dir
    uploads.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(uploads)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield uploads
    finally:
        subprocess.run(["umount", str(uploads)], check=True)


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_full_disk_refuses_the_file_keeps_the_text_and_leaves_nothing(
    client: TestClient, db: Session, factory: Factory, full_upload_dir: Path, lang: str
) -> None:
    author = factory.user()
    space = factory.space(slug="disk-full")
    sign_in(client, author, lang)
    filler = _fill(full_upload_dir)

    def send() -> object:
        return client.post(
            f"/{lang}/spaces/disk-full/comments",
            data={"body": TEXTS[lang], "lang": lang},
            files={"attachment": ("paper.pdf", PDF, "application/pdf")},
        )

    for _attempt in range(3):  # each attempt would have left a .part file
        refused = send()
        assert refused.status_code == 422, refused.text[:500]
        page = parse(refused.text)
        error = page.css_first("#post-form-attachment-error")
        assert error is not None, refused.text[:2000]
        expected = {
            "en": "The file could not be stored",
            "fr": "Le fichier n’a pas pu être stocké",
        }[lang]
        assert error.text(strip=True).startswith(expected)
        assert page.css_first("textarea[name=body]").text() == TEXTS[lang]
    assert _files(full_upload_dir) == ["filler"]
    assert db.scalar(select(func.count(Comment.id)).where(Comment.space_id == space.id)) == 0

    filler.unlink()
    posted = send()
    assert posted.status_code == 303
    stored = db.scalars(select(Attachment).join(Comment).where(Comment.space_id == space.id)).all()
    assert len(stored) == 1
    assert not [name for name in _files(full_upload_dir) if name.endswith(".part")]
    assert (full_upload_dir / stored[0].stored_name[:2] / stored[0].stored_name).read_bytes() == PDF
