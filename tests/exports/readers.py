"""Reading back what app.documents and app.exports write: pandoc, LibreOffice, DOCX parts.

Shared by tests/documents and tests/exports. (tests/documents has no __init__.py: the
module `tests/documents.py`, sample uploads, owns the name `tests.documents`.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from app.documents.docx import READER, pandoc_path


def pandoc(source: bytes, *args: str) -> bytes:
    result = subprocess.run(
        [pandoc_path(), "--sandbox", *args], input=source, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def markdown_ast(markdown: str) -> dict[str, Any]:
    """The document as pandoc reads it to make DOCX (same reader, same extensions)."""
    return json.loads(pandoc(markdown.encode(), "-f", READER, "-t", "json"))


def docx_ast(document: bytes) -> dict[str, Any]:
    return json.loads(pandoc(document, "-f", "docx", "-t", "json"))


def docx_part(document: bytes, name: str) -> str:
    return zipfile.ZipFile(BytesIO(document)).read(name).decode("utf-8")


def walk(node: Any, *, notes: bool = True) -> Iterator[dict[str, Any]]:
    """Every AST element (a dict with "t") under node, depth first, in document order;
    without what footnotes hold when `notes` is false."""
    if isinstance(node, dict):
        if "t" in node:
            yield node
            if node["t"] == "Note" and not notes:
                return
        for value in node.values():
            yield from walk(value, notes=notes)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, notes=notes)


def kinds(node: Any) -> set[str]:
    return {element["t"] for element in walk(node)}


def plain(node: Any, *, notes: bool = True) -> str:
    """Text of inlines: Str as is, spaces as one space, hard breaks as newlines."""
    parts: list[str] = []
    for element in walk(node, notes=notes):
        kind = element["t"]
        if kind == "Str":
            parts.append(element["c"])
        elif kind in ("Space", "SoftBreak"):
            parts.append(" ")
        elif kind == "LineBreak":
            parts.append("\n")
    return "".join(parts)


class LibreOffice:
    """Headless LibreOffice converting a DOCX, as a reader other than pandoc."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary = binary
        self.root = root
        self.profile = (root / "profile").as_uri()

    def convert(self, document: bytes, target: str) -> bytes:
        source = self.root / "document.docx"
        source.write_bytes(document)
        out = self.root / "out"
        result = subprocess.run(
            [
                self.binary,
                f"-env:UserInstallation={self.profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(source),
            ],
            capture_output=True,
            timeout=180,
            check=False,
        )
        produced = sorted(out.glob("document.*"))
        assert result.returncode == 0, result.stderr.decode()
        assert produced, result.stderr.decode()
        data = produced[0].read_bytes()
        shutil.rmtree(out)
        return data

    def text(self, document: bytes) -> str:
        """What LibreOffice lays out, as text: its plain-text export (which computes list
        numbers), then its HTML export (which holds the footnotes); spaces collapsed."""
        from selectolax.lexbor import LexborHTMLParser

        lines = self.convert(document, "txt:Text (encoded):UTF8").decode("utf-8-sig")
        tree = LexborHTMLParser(self.convert(document, "html").decode("utf-8", "replace"))
        body = tree.body
        assert body is not None
        return " ".join(lines.split()) + "\n" + " ".join(body.text(separator=" ").split())


def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    """LibreOffice, or a skip where it is missing (`make document-deps` installs it);
    under CI=true a missing LibreOffice fails instead."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing: run `make document-deps`")
        pytest.skip("LibreOffice (soffice) is not installed")
    return LibreOffice(binary, tmp_path_factory.mktemp("soffice"))


def normalized(node: Any) -> Any:
    """An AST with each run of Str, Space and SoftBreak as one Str (spaces single) and
    table column widths left out: the same text however it was split into nodes."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in (normalized(i) for i in node):
            if isinstance(item, dict) and item.get("t") in ("Str", "Space", "SoftBreak"):
                text = item["c"] if item["t"] == "Str" else " "
                last = out[-1] if out else None
                if isinstance(last, dict) and last.get("t") == "Str":
                    out[-1] = {"t": "Str", "c": " ".join((last["c"] + text).split(" "))}
                    continue
                item = {"t": "Str", "c": text}
            out.append(item)
        return out
    if isinstance(node, dict):
        if node.get("t") == "ColWidth":
            return {"t": "ColWidthDefault"}
        return {key: normalized(value) for key, value in node.items()}
    return node
