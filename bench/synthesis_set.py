"""The synthesis workbench's labelled evaluation set (bench/synthesis_set.json).

140 original consultation comments, written for this bench, in English, French and
Spanish under three questions on Global Compact for Migration areas (remittances and
financial inclusion; fair labour migration; services and alternatives to detention). Each
comment carries a human theme (None when off-topic), its author, and the GCM objectives
its meaning concerns; the set also lists near-duplicate pairs (copies, rewordings and
translations) and the off-topic comments. It measures how well offline clustering of
comment embeddings recovers the themes, finds the duplicates and suggests objectives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path(__file__).with_name("synthesis_set.json")


@dataclass(frozen=True)
class SetComment:
    id: str
    question: int
    theme: str | None
    lang: str
    author: str
    text: str
    objectives: tuple[int, ...]


@dataclass(frozen=True)
class SetQuestion:
    number: int
    title: dict[str, str]
    themes: dict[str, dict[str, str]]


@dataclass(frozen=True)
class SynthesisSet:
    questions: tuple[SetQuestion, ...]
    comments: tuple[SetComment, ...]
    near_duplicates: tuple[tuple[str, str], ...]
    off_topic: frozenset[str]


def load(path: Path = DEFAULT) -> SynthesisSet:
    """Read the set from its JSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return SynthesisSet(
        questions=tuple(
            SetQuestion(number=q["number"], title=dict(q["title"]), themes=dict(q["themes"]))
            for q in data["questions"]
        ),
        comments=tuple(
            SetComment(
                id=c["id"],
                question=c["question"],
                theme=c["theme"],
                lang=c["lang"],
                author=c["author"],
                text=c["text"],
                objectives=tuple(c["objectives"]),
            )
            for c in data["comments"]
        ),
        near_duplicates=tuple((a, b) for a, b in data["near_duplicates"]),
        off_topic=frozenset(data["off_topic"]),
    )
