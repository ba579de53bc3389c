"""Supported locales, locale negotiation, gettext for Python code and Jinja."""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: tuple[str, ...] = ("en", "fr", "es")
DEFAULT_LOCALE = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

_current: ContextVar[str] = ContextVar("roundtable_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """Catalogue for a locale, compiled from its .po in memory (no .mo build step)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def set_locale(locale: str) -> object:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def using(locale: str) -> Iterator[None]:
    """Speak `locale` inside the block (a card, a digest, an e-mail), then as before."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def get_locale() -> str:
    return _current.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(get_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """The form for `num` in the current language (French says "1 minute", "0 minute")."""
    text = translations(get_locale()).ngettext(singular, plural, num)
    return text % ({"num": num} | variables)


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    if not accept_language:
        return default
    preferred: list[tuple[float, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().replace("_", "-")
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            # Stable order for equal weights: earlier tags win.
            preferred.append((-quality + index * 1e-6, tag))
    for _weight, tag in sorted(preferred):
        if tag == "*":
            return default
        negotiated = Locale.negotiate([tag], LOCALES, sep="-")
        if negotiated is not None:
            return str(negotiated.language)
    return default


# A handful of codes, asked on every page (Babel's look-up is not free); bounded all the same.
@lru_cache(maxsize=256)
def language_name(code: str, in_locale: str | None = None) -> str:
    """A language's name: its own, capitalised, for menus; or, given a locale, the word
    to use inside a sentence of that locale ("espagnol", "francés", "Spanish")."""
    # Babel's locale data is untyped; language names are strings.
    if in_locale:
        return str(Locale.parse(in_locale).languages.get(code, code))
    name = str(Locale.parse(code).languages.get(code, code))
    return name[:1].upper() + name[1:]


# Dates in English follow international (and UN) usage, "27 January 2022", not US usage.
_DATE_LOCALES = {"en": "en_GB"}


def date_locale(locale: str) -> str:
    return _DATE_LOCALES.get(locale, locale)


def format_when(value: datetime, fmt: str = "medium") -> str:
    return format_datetime(value, format=fmt, locale=date_locale(get_locale()), tzinfo=None)


def format_day(value: date | datetime, fmt: str = "long") -> str:
    return format_date(value, format=fmt, locale=date_locale(get_locale()))
