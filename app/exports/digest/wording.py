"""The words a digest's documents say, in the digest's language (UI strings through
gettext): who wrote an entry, dates, language names, editorial states, footnote
sources, group titles and the attribution rule.

Callers set the language (`i18n.using(digest.lang)`); the page that lists a digest's
groups uses `group_title` and `rule_text` too, so the page and the files agree.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date

from app import i18n
from app.documents import Source
from app.exports.digest.model import Coverage, Entry, Group
from app.i18n import gettext
from app.models.curation import EditorialState
from app.models.spaces import AttributionRule


def author(entry: Entry) -> str:
    return entry.author if entry.author is not None else gettext("a participant")


@lru_cache(maxsize=64)
def language(code: str, lang: str) -> str:
    """The name of language `code`, in language `lang`."""
    return i18n.language_name(code, lang)


@lru_cache(maxsize=4096)
def _day_in(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=i18n.date_locale(locale))  # as format_day


def day(value: datetime) -> str:
    """A date in the digest's language; the same few days recur thousands of times."""
    return _day_in(value.date(), i18n.get_locale())


def state(name: EditorialState) -> str:
    """An editorial state's name."""
    names = {
        EditorialState.CANDIDATE: gettext("candidate"),
        EditorialState.USED: gettext("used"),
        EditorialState.EXCLUDED: gettext("excluded"),
    }
    return names[name]


def source(entry: Entry) -> Source:
    """What an entry's footnote cites: who and when, and the address of the comment."""
    when = day(entry.created_at)
    if entry.is_question:
        text = gettext("Question by %(author)s, %(date)s", author=author(entry), date=when)
    else:
        text = gettext("Comment by %(author)s, %(date)s", author=author(entry), date=when)
    return Source(f"{text} —" if entry.url.startswith("http") else text, entry.url)


def _first_line(markdown: str, limit: int = 160) -> str:
    line = next((ln for ln in markdown.strip().splitlines() if ln.strip()), "")
    line = line.lstrip("#>*- ").strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def group_title(group: Group, lang: str) -> str:
    if group.is_posts:
        return gettext("Participants' own posts")
    if group.question is None:
        return gettext("Question %(number)s (not published)", number=group.number)
    return gettext(
        "Question %(number)s: %(text)s",
        number=group.number,
        text=_first_line(group.question.text_in(lang)),
    )


def span(coverage: Coverage) -> str:
    """The days a coverage runs over: one day, or first – last."""
    if coverage.first is None or coverage.last is None:
        return "—"
    first, last = day(coverage.first), day(coverage.last)
    return first if first == last else f"{first} – {last}"


def rule_text(attribution: AttributionRule) -> str:
    if attribution == AttributionRule.CHATHAM_HOUSE:
        return gettext(
            "Under the Chatham House rule of this space, contributors are not identified: "
            "they appear as “a participant”. Moderators’ questions are signed."
        )
    if attribution == AttributionRule.CONSENT:
        return gettext(
            "Contributors are named only where they agreed to be; the others appear as "
            "“a participant”. Moderators’ questions are signed."
        )
    return gettext("Contributors are named, as the rule of this space provides.")
