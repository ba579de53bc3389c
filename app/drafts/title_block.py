"""A note's title block: the meeting it serves, where and when it meets, the document's
symbol and its date, as the reference documents head their first page.

It is data of the draft (kept in its content, so every version has its own), written by
the drafters and prefilled when a draft is made: from the latest draft of the same space
in the same language that has one (a secretariat types the meeting's details once), or
else the meeting named as the space is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import FormErrors
from app.i18n import gettext
from app.models import NoteDraft
from app.text import clean_line, line_problem

# Each field's form name is "block_<field>".
LIMITS = {"meeting": 300, "dates": 100, "place": 150, "symbol": 60}
FIRST_DAY, LAST_DAY = dt.date(1945, 1, 1), dt.date(2200, 12, 31)


@dataclass(frozen=True)
class TitleBlock:
    meeting: str = ""  # "Regional review meeting on labour migration"
    dates: str = ""  # the meeting's days, as the note's language writes them
    place: str = ""  # "Bangkok, Thailand"
    symbol: str = ""  # the document symbol, e.g. "RRM/2026/BN.1"
    date: str = ""  # the document's date (ISO); "": the day its version was saved

    @classmethod
    def of(cls, raw: object) -> TitleBlock:
        if not isinstance(raw, Mapping):
            return cls()
        return cls(**{f.name: str(raw.get(f.name) or "") for f in fields(cls)})

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def to_json(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}

    def day(self) -> dt.date | None:
        return dt.date.fromisoformat(self.date) if self.date else None

    def meeting_line(self) -> str:
        """The meeting and its days, as one line ("Regional review, 4–5 May 2026")."""
        return ", ".join(part for part in (self.meeting, self.dates) if part)


def form_values(form: Mapping[str, object]) -> dict[str, str]:
    """The title block's fields as a form sent them (missing ones empty)."""
    return {name: str(form.get(f"block_{name}", "") or "") for name in TitleBlock.names()}


def clean(values: Mapping[str, str]) -> TitleBlock:
    """The title block a form sent, or FormErrors naming each field that is wrong."""
    errors: dict[str, str] = {}
    kept: dict[str, str] = {}
    for name, limit in LIMITS.items():
        raw = values.get(name, "")
        if (problem := line_problem(raw)) is not None:
            errors[f"block_{name}"] = problem
            continue
        text = clean_line(raw)
        if len(text) > limit:
            errors[f"block_{name}"] = gettext(
                "Keep this under %(count)s characters.", count=f"{limit:,}"
            )
        kept[name] = text
    raw_day = values.get("date", "").strip()
    if raw_day:
        try:
            day: dt.date | None = dt.date.fromisoformat(raw_day)
        except ValueError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            errors["block_date"] = gettext("Give a date of the calendar, e.g. 2026-05-04.")
        else:
            kept["date"] = day.isoformat()
    if errors:
        raise FormErrors(errors)
    return TitleBlock(**kept)


def prefilled(db: Session, space_id: int, lang: str, space_title: str) -> TitleBlock:
    """What a new draft's title block starts as (see the module's docstring); its date
    is left to the day of each save."""
    latest = db.scalars(
        select(NoteDraft.content)
        .where(NoteDraft.space_id == space_id, NoteDraft.lang == lang)
        .order_by(NoteDraft.updated_at.desc(), NoteDraft.id.desc())
        .limit(20)
    )
    for content in latest:
        block = TitleBlock.of(content.get("title_block"))
        if block.to_json():
            return replace(block, date="")
    return TitleBlock(meeting=space_title)
