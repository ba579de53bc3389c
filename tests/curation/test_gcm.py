from __future__ import annotations

import pytest

from app.curation import gcm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This speaks to objective 3 of the compact.", [3]),
        ("See objectives 3, 7 and 17.", [3, 7, 17]),
        ("Objectives 1, 2, and 3 together", [1, 2, 3]),
        ("Como dice el objetivo 1 del Pacto", [1]),
        ("les objetivos 4 y 23", [4, 23]),
        ("C'est l'objectif 17.", [17]),
        ("objectifs 2 et 5", [2, 5]),
        ("Objectives 5-7", [5, 6, 7]),
        ("objective n° 12", [12]),
        ("objective 30 does not exist", []),
        ("Pages 3 and 7 of the report", []),
        ("Objective 3. Later, objective 3 again", [3]),
    ],
)
def test_suggestions(text: str, expected: list[int]) -> None:
    assert gcm.suggest(text) == expected


def test_every_objective_has_a_title_in_every_language() -> None:
    assert sorted(gcm.OBJECTIVES) == list(range(1, 24))
    for titles in gcm.OBJECTIVES.values():
        assert set(titles) == {"en", "fr", "es"}
        assert all(t.strip() for t in titles.values())
