"""Note templates, read from note_templates.json: a template is data, not code.

They belong to curation, which assigns inputs to a template's sections; drafts are
written from them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TEMPLATES_FILE = Path(__file__).with_name("note_templates.json")
NUMBERING = ("paragraphs", "headlines", "none")


@dataclass(frozen=True)
class SectionSpec:
    key: str
    titles: dict[str, str]

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    word_target: int
    numbering: str  # paragraphs: (1), (2)… across sections; headlines: 1., 2.…; none
    restarts: bool  # numbering starts at 1 again in each section (the reporting template)
    chatham_house: bool
    sections: tuple[SectionSpec, ...]

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions["en"]

    def section_key(self, section: str) -> str:
        """Assignments name a template's section as "template/section"."""
        return f"{self.key}/{section}"


@cache
def templates() -> dict[str, TemplateSpec]:
    raw = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    found: dict[str, TemplateSpec] = {}
    for key, spec in raw.items():
        if spec["numbering"] not in NUMBERING:
            raise ValueError(f"template {key}: unknown numbering {spec['numbering']!r}")
        found[key] = TemplateSpec(
            key=key,
            titles=spec["title"],
            descriptions=spec["description"],
            word_target=int(spec["word_target"]),
            numbering=spec["numbering"],
            restarts=bool(spec.get("numbering_restarts", False)),
            chatham_house=bool(spec.get("chatham_house", False)),
            sections=tuple(SectionSpec(s["key"], s["title"]) for s in spec["sections"]),
        )
    return found


def section_choices(lang: str) -> list[tuple[str, str]]:
    """Every (template/section key, "Template — Section") pair, for assignment menus."""
    return [
        (template.section_key(section.key), f"{template.title(lang)} — {section.title(lang)}")
        for template in templates().values()
        for section in template.sections
    ]
