"""Bundles: the JSON and the position papers in one ZIP, round trip and hostile archives;
the note word target; version-1 documents still read."""

from __future__ import annotations

import copy
import hashlib
import io
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attachments import storage
from app.config import Settings
from app.interchange import BUNDLE_DOCUMENT, dump, importer
from app.interchange.importer import bundle as bundles
from app.interchange.importer import schema_check
from app.models import Attachment, Comment, Space, User
from tests import documents
from tests.factories import Factory
from tests.interchange import add_paper, build_rich_space, minimal_document, normalised

MAX_PAPER = 10 * 1024 * 1024
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is what one test wants
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return out.getvalue()


def _import(
    db: Session, data: bytes, settings: Settings, *, slug: str = "copy", max_bytes: int = MAX_PAPER
) -> Space:
    upload = importer.read_upload(data)
    return importer.import_space(
        db,
        upload.document,
        slug=slug,
        now=NOW,
        files=upload.files,
        upload_dir=settings.upload_dir,
        max_attachment_bytes=max_bytes,
    )


def _stored_files(settings: Settings) -> list[Path]:
    root = settings.upload_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _papers(db: Session, space: Space) -> list[Attachment]:
    return list(
        db.scalars(
            select(Attachment)
            .join(Comment, Comment.id == Attachment.comment_id)
            .where(Comment.space_id == space.id)
            .order_by(Comment.path, Attachment.id)
        )
    )


def test_bundle_round_trip_keeps_target_and_papers_byte_for_byte(
    db: Session, factory: Factory, settings: Settings
) -> None:
    rich = build_rich_space(db, factory)
    word = documents.docx()
    add_paper(db, rich.pinned_question, documents.PDF, "Concept note.pdf", settings.upload_dir)
    add_paper(db, rich.deepest, word, "Posición técnica.docx", settings.upload_dir)
    add_paper(db, rich.deepest, documents.odt(), "Annexe.odt", settings.upload_dir)

    document, files = dump.export_with_files(
        db, rich.space, now=NOW, upload_dir=settings.upload_dir
    )
    assert schema_check.schema_problems(document) == []
    entries = [a for c in document["comments"] for a in c["attachments"]]
    assert [(a["path"], a["filename"]) for a in entries] == [
        ("files/1.pdf", "Concept note.pdf"),
        ("files/2.docx", "Posición técnica.docx"),
        ("files/3.odt", "Annexe.odt"),
    ]
    assert entries[1]["sha256"] == hashlib.sha256(word).hexdigest()
    assert entries[1]["size_bytes"] == len(word)
    data = dump.bundle(document, files)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [BUNDLE_DOCUMENT, "files/1.pdf", "files/2.docx", "files/3.odt"]

    copy_space = _import(db, data, settings)
    assert copy_space.note_word_target == 1500
    originals, copies = _papers(db, rich.space), _papers(db, copy_space)
    assert len(copies) == 3
    for old, new in zip(originals, copies, strict=True):
        assert new.stored_name != old.stored_name
        assert (new.filename, new.content_type, new.size_bytes, new.sha256) == (
            old.filename,
            old.content_type,
            old.size_bytes,
            old.sha256,
        )
        assert new.uploader_id == old.uploader_id
        assert new.created_at == old.created_at
        stored = storage.path_for(settings.upload_dir, new.stored_name).read_bytes()
        assert stored == storage.path_for(settings.upload_dir, old.stored_name).read_bytes()

    again, again_files = dump.export_with_files(
        db, copy_space, now=NOW + timedelta(hours=1), upload_dir=settings.upload_dir
    )
    assert normalised(again) == normalised(document)
    assert again_files == files


def test_the_json_alone_carries_the_target_but_no_papers(
    db: Session, factory: Factory, settings: Settings
) -> None:
    rich = build_rich_space(db, factory)
    add_paper(db, rich.deepest, documents.PDF, "Paper.pdf", settings.upload_dir)
    document = dump.export_space(db, rich.space, now=NOW)
    assert document["version"] == 2
    assert document["space"]["note_word_target"] == 1500
    assert all("attachments" not in c for c in document["comments"])

    copy_space = _import(db, dump.dumps(document).encode("utf-8"), settings)
    assert copy_space.note_word_target == 1500
    assert _papers(db, copy_space) == []


def test_a_space_without_a_target_exports_null_and_imports_none(
    db: Session, factory: Factory, settings: Settings
) -> None:
    space = factory.space(slug="plain")
    document = dump.export_space(db, space, now=NOW)
    assert document["space"]["note_word_target"] is None
    assert _import(db, dump.dumps(document).encode(), settings).note_word_target is None


def test_version_1_documents_still_import(db: Session, settings: Settings) -> None:
    document = minimal_document()
    document["version"] = 1
    space = importer.import_space(db, document, now=NOW)
    assert space.note_word_target is None


def _problems(caught: pytest.ExceptionInfo[importer.ImportProblems]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in caught.value.problems]


def test_version_1_documents_cannot_use_what_version_2_added(db: Session) -> None:
    document = minimal_document(note_word_target=1000)
    document["version"] = 1
    document["comments"][1]["attachments"] = []
    with pytest.raises(importer.ImportProblems) as caught:
        importer.import_space(db, document, now=NOW)
    message = "This field is not part of version 1 of the format."
    assert _problems(caught) == [
        ("space.note_word_target", message),
        ("comments[1].attachments", message),
    ]


@pytest.mark.parametrize("words", [99, 20_001, 1000.0, "1000"])
def test_the_target_is_checked_on_import(db: Session, words: object) -> None:
    with pytest.raises(importer.ImportProblems) as caught:
        importer.import_space(db, minimal_document(note_word_target=words), now=NOW)
    assert [p.path for p in caught.value.problems] == ["space.note_word_target"]


def _entry(data: bytes, path: str = "files/1.pdf", **changes: Any) -> dict[str, Any]:
    return {
        "path": path,
        "filename": "Paper.pdf",
        "content_type": "application/pdf",
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **changes,
    }


def _with_papers(*entries: dict[str, Any]) -> dict[str, Any]:
    document = minimal_document()
    document["comments"][1]["attachments"] = list(entries)
    return document


def _json(document: dict[str, Any]) -> bytes:
    return dump.dumps(document).encode("utf-8")


def test_a_good_hand_made_bundle_imports(db: Session, settings: Settings) -> None:
    document = _with_papers(_entry(documents.PDF))
    space = _import(
        db, _zip([(BUNDLE_DOCUMENT, _json(document)), ("files/1.pdf", documents.PDF)]), settings
    )
    [paper] = _papers(db, space)
    guest = db.scalar(select(User).where(User.display_name == "Guest Person"))
    assert guest is not None
    assert paper.uploader_id == guest.id  # the comment's author, when no uploader is named
    assert paper.created_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_a_json_file_alone_cannot_name_papers(db: Session, settings: Settings) -> None:
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, _json(_with_papers(_entry(documents.PDF))), settings)
    assert _problems(caught) == [
        (
            "comments[1].attachments[0].path",
            "A JSON file alone carries no position papers: import the ZIP bundle it came in.",
        )
    ]


PDF_ENTRY = _entry(documents.PDF)
GOOD_JSON = _json(_with_papers(PDF_ENTRY))
GOOD = [(BUNDLE_DOCUMENT, GOOD_JSON), ("files/1.pdf", documents.PDF)]


def _encrypted(data: bytes, name: str) -> bytes:
    """The archive with `name` marked encrypted, in its central directory and local header
    (zipfile writes no encrypted members; a hostile sender writes whatever it likes)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        length = int.from_bytes(out[at + 28 : at + 30], "little")
        if out[at + 46 : at + 46 + length] == name.encode():
            out[at + 8] |= 0x1
            local = int.from_bytes(out[at + 42 : at + 46], "little")
            out[local + 6] |= 0x1
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


HOSTILE: dict[str, tuple[list[tuple[str, bytes]], list[tuple[str, str]]]] = {
    "parent-directory": (
        [*GOOD, ("../escape.pdf", documents.PDF)],
        [("../escape.pdf", "This name points outside the bundle.")],
    ),
    "nested-parent": (
        [*GOOD, ("files/../../x", b"x")],
        [("files/../../x", "This name points outside the bundle.")],
    ),
    "absolute": (
        [*GOOD, ("/etc/cron.d/x", b"x")],
        [("/etc/cron.d/x", "This name points outside the bundle.")],
    ),
    "drive": (
        [*GOOD, ("C:\\Windows\\x", b"x")],
        [("C:\\Windows\\x", "This name points outside the bundle.")],
    ),
    "duplicate": (
        [*GOOD, ("files/1.pdf", documents.PDF)],
        [("files/1.pdf", "The bundle has two members of this name.")],
    ),
    "bomb": (
        [*GOOD, ("files/zeros", b"\0" * 5_000_000)],
        [("files/zeros", "This member of the bundle is damaged.")],
    ),
    "no-document": (
        [("files/1.pdf", documents.PDF)],
        [("", "The bundle has no space.json.")],
    ),
    "unexpected-member": (
        [*GOOD, ("files/2.pdf", documents.PDF)],
        [("files/2.pdf", "No attachment in space.json names this file.")],
    ),
    "missing-file": (
        [(BUNDLE_DOCUMENT, GOOD_JSON)],
        [("comments[1].attachments[0].path", "The bundle has no file at this path.")],
    ),
    "hash-mismatch": (
        [(BUNDLE_DOCUMENT, _json(_with_papers(_entry(documents.PDF, sha256="0" * 64)))), GOOD[1]],
        [
            (
                "comments[1].attachments[0].sha256",
                "The file in the bundle does not match this SHA-256: it changed.",
            )
        ],
    ),
    "size-mismatch": (
        [(BUNDLE_DOCUMENT, _json(_with_papers(_entry(documents.PDF, size_bytes=5)))), GOOD[1]],
        [("comments[1].attachments[0].size_bytes", "The file in the bundle has another size.")],
    ),
    "not-a-document": (
        [
            (BUNDLE_DOCUMENT, _json(_with_papers(_entry(documents.HTML)))),
            ("files/1.pdf", documents.HTML),
        ],
        [
            (
                "comments[1].attachments[0].path",
                "Only PDF, Word (DOCX) and OpenDocument (ODT) files are accepted.",
            )
        ],
    ),
    "wrong-type": (
        [
            (BUNDLE_DOCUMENT, _json(_with_papers(_entry(documents.docx())))),
            ("files/1.pdf", documents.docx()),
        ],
        [
            (
                "comments[1].attachments[0].content_type",
                "The file's content is of another type "
                "(application/vnd.openxmlformats-officedocument.wordprocessingml.document).",
            )
        ],
    ),
    "same-file-twice": (
        [
            (BUNDLE_DOCUMENT, _json(_with_papers(PDF_ENTRY, PDF_ENTRY))),
            ("files/1.pdf", documents.PDF),
        ],
        [("comments[1].attachments[1].path", "Another attachment already names this file.")],
    ),
    "too-many-papers": (
        [
            (
                BUNDLE_DOCUMENT,
                _json(_with_papers(*(_entry(documents.PDF, f"files/{n}.pdf") for n in range(6)))),
            ),
            *((f"files/{n}.pdf", documents.PDF) for n in range(6)),
        ],
        [("comments[1].attachments", "A comment can carry at most 5 files.")],
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_bundles_are_refused_and_nothing_is_imported(
    db: Session, settings: Settings, case: str
) -> None:
    members, expected = HOSTILE[case]
    spaces_before = db.scalar(select(func.count()).select_from(Space))
    users_before = db.scalar(select(func.count()).select_from(User))
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, _zip(members), settings, slug="")
    assert caught.value.fields == {}
    assert _problems(caught) == expected
    assert db.scalar(select(func.count()).select_from(Space)) == spaces_before
    assert db.scalar(select(func.count()).select_from(User)) == users_before
    assert _stored_files(settings) == []


def test_an_encrypted_member_is_refused(db: Session, settings: Settings) -> None:
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, _encrypted(_zip(GOOD), "files/1.pdf"), settings)
    assert _problems(caught) == [("files/1.pdf", "This member of the bundle is encrypted.")]
    assert _stored_files(settings) == []


def test_a_paper_over_the_sites_limit_is_refused(db: Session, settings: Settings) -> None:
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, _zip(GOOD), settings, max_bytes=100)
    assert _problems(caught) == [
        ("comments[1].attachments[0].path", "The file is too large: the limit is 9.53674e-05 MB.")
    ]


def test_a_bundle_over_the_limit_or_unreadable_is_refused(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _zip(GOOD)
    monkeypatch.setattr(bundles, "MAX_BUNDLE_BYTES", len(data) - 1)
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, data, settings)
    assert caught.value.fields == {"file": "The bundle is larger than 0 MB."}
    monkeypatch.undo()
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, b"PK\x03\x04 not really a zip", settings)
    assert caught.value.fields == {"file": "The file is neither JSON nor a readable ZIP bundle."}


def test_a_bundle_is_known_by_its_content(db: Session, settings: Settings) -> None:
    assert bundles.is_bundle(_zip(GOOD))
    assert not bundles.is_bundle(GOOD_JSON)
    assert not bundles.is_bundle(b"")
    with pytest.raises(importer.ImportProblems) as caught:
        importer.read_upload(_zip([]))  # an empty ZIP is its end record alone
    assert _problems(caught) == [("", "The bundle has no space.json.")]
    document = copy.deepcopy(minimal_document())
    assert importer.read_upload(_json(document)).files is None


def test_a_storage_failure_removes_the_files_written_and_imports_nothing(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [_entry(documents.PDF, f"files/{n}.pdf") for n in (1, 2)]
    members = [(BUNDLE_DOCUMENT, _json(_with_papers(*entries)))]
    members += [(f"files/{n}.pdf", documents.PDF) for n in (1, 2)]
    real = storage.write
    calls: list[str] = []

    def full_disk(upload_dir: Path, stored_name: str, data: bytes) -> Path:
        calls.append(stored_name)
        if len(calls) == 2:
            raise storage.NotStored("no space left on device")
        return real(upload_dir, stored_name, data)

    monkeypatch.setattr(storage, "write", full_disk)
    with pytest.raises(importer.ImportProblems) as caught:
        _import(db, _zip(members), settings)
    assert list(caught.value.fields) == ["file"]
    assert "Nothing was imported." in caught.value.fields["file"]
    assert len(calls) == 2
    assert _stored_files(settings) == []
