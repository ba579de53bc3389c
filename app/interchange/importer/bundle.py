"""Reading a bundle (a ZIP of `space.json` and the position papers it names) and checking
its files against the document's `attachments` entries.

What a ZIP may do to whoever unpacks it is refused before anything is read: too many or
too large members, encrypted ones, names that climb out of the archive or are absolute,
two members of one name, compression ratios only a bomb has. Then every file is held to
its entry (present, same size, same SHA-256, the media type its content really is) and
to the rules an upload meets (app/attachments): PDF, DOCX or ODT without macros or
active content, within the site's size limit, at most a few per comment. A file no entry
names is refused too: a bundle carries nothing the import would silently leave behind.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.attachments.service import MAX_PER_COMMENT, validate_upload
from app.errors import FormErrors
from app.i18n import gettext
from app.interchange import BUNDLE_DOCUMENT
from app.interchange.importer.problems import ImportProblems, PathParts, Problem
from app.interchange.importer.reading import read_json

# A ZIP's first member, or the end record an empty ZIP is made of.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_BUNDLE_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_RATIO = 200  # uncompressed ÷ compressed, per member (app/attachments/validation.py)


@dataclass(frozen=True)
class Upload:
    """What an uploaded file holds: the document, and the bundle's files by their path in
    it (None for a JSON file alone)."""

    document: Any
    files: Mapping[str, bytes] | None


def is_bundle(data: bytes | None) -> bool:
    """A ZIP by its content, whatever its name."""
    return data is not None and data.startswith(ZIP_MAGIC)


def _file_problem(message: str) -> ImportProblems:
    return ImportProblems(fields={"file": message})


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")  # C:\x, C:x
        or ".." in parts
        or "\x00" in name
    )


def read_upload(data: bytes | None) -> Upload:
    """A JSON file or a bundle, told apart by content; ImportProblems if neither is sound."""
    if not is_bundle(data):
        return Upload(read_json(data), None)
    assert data is not None
    if len(data) > MAX_BUNDLE_BYTES:
        raise _file_problem(
            gettext("The bundle is larger than %(size)d MB.", size=MAX_BUNDLE_BYTES // 1024 // 1024)
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _file_problem(
            gettext("The file is neither JSON nor a readable ZIP bundle.")
        ) from None
    problems = list(_member_problems(entries))
    if problems:
        raise ImportProblems(problems)
    files: dict[str, bytes] = {}
    document: Any = None
    try:
        for entry in entries:
            if entry.is_dir():
                continue
            # The declared sizes passed the limits: read no more than one byte past them.
            with archive.open(entry) as member:
                content = member.read(entry.file_size + 1)
            if len(content) != entry.file_size:
                # Headers that lie about sizes: whatever else the archive says is suspect.
                raise ImportProblems([Problem(entry.filename, _damaged())])
            if entry.filename == BUNDLE_DOCUMENT:
                document = read_json(content)
            else:
                files[entry.filename] = content
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, OSError):
        raise _file_problem(
            gettext("The file is neither JSON nor a readable ZIP bundle.")
        ) from None
    return Upload(document, files)


def _damaged() -> str:
    return gettext("This member of the bundle is damaged.")


def _member_problems(entries: list[zipfile.ZipInfo]) -> Iterator[Problem]:
    """What makes the archive itself unsafe to unpack, member by member."""
    if len(entries) > MAX_MEMBERS:
        yield Problem("", gettext("The bundle has more than %(count)d members.", count=MAX_MEMBERS))
        return
    seen: set[str] = set()
    total = 0
    for entry in entries:
        name = entry.filename
        if _unsafe_name(name):
            yield Problem(name, gettext("This name points outside the bundle."))
            continue
        if name in seen:
            yield Problem(name, gettext("The bundle has two members of this name."))
        seen.add(name)
        if entry.flag_bits & 0x1:
            yield Problem(name, gettext("This member of the bundle is encrypted."))
        total += entry.file_size
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            yield Problem(name, _damaged())
    if total > MAX_BUNDLE_BYTES:
        yield Problem(
            "",
            gettext(
                "The bundle unpacks to more than %(size)d MB.",
                size=MAX_BUNDLE_BYTES // 1024 // 1024,
            ),
        )
    if BUNDLE_DOCUMENT not in seen:
        yield Problem("", gettext("The bundle has no %(name)s.", name=BUNDLE_DOCUMENT))


def attachment_entries(document: dict[str, Any]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(comment index, attachment index, entry) for every attachment in the document."""
    for i, c in enumerate(document["comments"]):
        for j, entry in enumerate(c.get("attachments", [])):
            yield i, j, entry


def file_problems(
    document: dict[str, Any], files: Mapping[str, bytes] | None, *, max_bytes: int
) -> tuple[list[tuple[PathParts, str]], list[Problem]]:
    """Every attachment entry held to its file (problems at places in the document), and
    every file to an entry (problems named by the member). For a document the schema and
    the rules accept."""
    found: list[tuple[PathParts, str]] = []
    used: set[str] = set()
    for i, c in enumerate(document["comments"]):
        if len(c.get("attachments", [])) > MAX_PER_COMMENT:
            found.append(
                (
                    ["comments", i, "attachments"],
                    gettext("A comment can carry at most %(max)d files.", max=MAX_PER_COMMENT),
                )
            )
    for i, j, entry in attachment_entries(document):
        here: list[str | int] = ["comments", i, "attachments", j]
        path = entry["path"]
        if files is None:
            found.append(
                (
                    [*here, "path"],
                    gettext(
                        "A JSON file alone carries no position papers: import the ZIP bundle "
                        "it came in."
                    ),
                )
            )
            continue
        if path in used:
            found.append(([*here, "path"], gettext("Another attachment already names this file.")))
            continue
        used.add(path)
        data = files.get(path)
        if data is None:
            found.append(([*here, "path"], gettext("The bundle has no file at this path.")))
            continue
        if len(data) != entry["size_bytes"]:
            found.append(
                ([*here, "size_bytes"], gettext("The file in the bundle has another size."))
            )
            continue
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            found.append(
                (
                    [*here, "sha256"],
                    gettext("The file in the bundle does not match this SHA-256: it changed."),
                )
            )
            continue
        try:
            content_type, _extension = validate_upload(data, max_bytes=max_bytes)
        except FormErrors as refusal:
            found.append(([*here, "path"], refusal.errors["attachment"]))
            continue
        if content_type != entry["content_type"]:
            found.append(
                (
                    [*here, "content_type"],
                    gettext("The file's content is of another type (%(type)s).", type=content_type),
                )
            )
    unexpected = sorted(set(files or ()) - used)
    message = gettext("No attachment in %(name)s names this file.", name=BUNDLE_DOCUMENT)
    return found, [Problem(name, message) for name in unexpected]
