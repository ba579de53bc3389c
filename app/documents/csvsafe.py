"""CSV cells that a spreadsheet opens as text, never as a formula (OWASP CSV injection)."""

from __future__ import annotations

from datetime import date, datetime

# OWASP's list (= + - @ tab carriage return), plus line feed and the full-width forms
# some spreadsheets also take as the start of a formula.
_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")


def cell(value: object) -> str | int | float:
    """A value ready for csv.writer: numbers as they are; text that a spreadsheet could
    read as a formula gets a leading apostrophe, which makes it plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text[:1] in _TRIGGERS or text.lstrip()[:1] in _TRIGGERS:
        return "'" + text
    return text


def row(values: list[object] | tuple[object, ...]) -> list[str | int | float]:
    return [cell(v) for v in values]
