"""What is wrong with an import, and where: the report every check adds to.

A `Problem` names its place in the document as a path (`comments[3].lang`);
`ImportProblems` gathers those and the form's own fields (`file`, `slug`), already
translated, for the page and for the terminal. `in_document_order` sorts problems as
the document reads, wherever the check that found them looked first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

PathParts = Sequence[str | int]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """One reason a document cannot be imported, at a place in it (`comments[3].lang`)."""

    path: str
    message: str


class ImportProblems(Exception):
    """Everything wrong with an import: problems in the document, and in the form's fields
    (`file`, `slug`). Messages are already translated."""

    def __init__(
        self, problems: list[Problem] | None = None, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.problems: list[Problem] = problems or []
        self.fields: dict[str, str] = fields or {}

    def __str__(self) -> str:
        return "; ".join(self.lines())

    @property
    def count(self) -> int:
        return len(self.problems) + len(self.fields)

    def lines(self) -> list[str]:
        """Each problem as `where: what`, for a terminal."""
        out = [f"{name}: {message}" for name, message in self.fields.items()]
        out += [f"{p.path or '(file)'}: {p.message}" for p in self.problems]
        return out


def format_path(parts: Iterable[str | int]) -> str:
    """`comments[3].translations.fr`; keys that are not identifiers are quoted."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _position(document: Any, parts: PathParts) -> tuple[int, ...]:
    """Where a path is in the document: key and item positions, fields it lacks last."""
    key: list[int] = []
    node = document
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            keys = list(node)
            key.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            key.append(part)
            node = node[part] if 0 <= part < len(node) else None
        else:
            key.append(0)
            node = None
    return tuple(key)


def in_document_order(document: Any, found: Iterable[tuple[PathParts, str]]) -> list[Problem]:
    """Problems once each, in the order of the places they concern in the document."""
    unique: dict[tuple[str, str], PathParts] = {}
    for parts, message in found:
        unique.setdefault((format_path(parts), message), parts)
    ordered = sorted(unique.items(), key=lambda item: _position(document, item[1]))
    return [Problem(path, message) for (path, message), _parts in ordered]
