"""CSV cells a spreadsheet takes as text, never as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from app.documents import csvsafe


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","x")',
        "=1+2",
        "+1+2",
        "-1+2",
        "@SUM(A1:A2)",
        "\t=1+2",
        "\r=1+2",
        "\n=1+2",
        "  =1+2",
        "＝1+2",
        "-",
    ],
)
def test_formula_starts_are_neutralised(value: str) -> None:
    cell = csvsafe.cell(value)
    assert cell == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ("a = b", "a = b"),
        ("'quoted already", "'quoted already"),
        ("", ""),
        (None, ""),
        (12, 12),
        (-3, -3),
        (1.5, 1.5),
        (True, "true"),
        (datetime(2024, 5, 1, 9, 0, tzinfo=UTC), "2024-05-01T09:00:00+00:00"),
    ],
)
def test_other_values_pass_through(value: object, expected: object) -> None:
    assert csvsafe.cell(value) == expected


def test_a_written_row_reads_back_as_text() -> None:
    out = io.StringIO()
    csv.writer(out).writerow(csvsafe.row(["=cmd|' /C calc'!A0", 'say "hi"\nthen', 7]))
    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "'=cmd|' /C calc'!A0",
        'say "hi"\nthen',
        "7",
    ]
