"""What a comment's text must be before it is stored: clean, short enough, in a space's language."""

from __future__ import annotations

import re
import unicodedata

from app import markup
from app.errors import FormErrors
from app.i18n import gettext, language_name
from app.models import Space

# C0 controls other than tab and line feed, DEL and C1 controls: invisible, never meant.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_body(raw: str, *, max_chars: int, field: str = "body") -> str:
    """NFC-normalised text with unified line ends, or a translated error."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise FormErrors({field: gettext("Write something before posting.")})
    if len(text) > max_chars:
        raise FormErrors(
            {
                field: gettext(
                    "This text has %(count)d characters; the limit is %(max)d.",
                    count=len(text),
                    max=max_chars,
                )
            }
        )
    if _CONTROL_CHARS.search(text):
        raise FormErrors({field: gettext("This text contains characters that are not allowed.")})
    if markup.nesting_depth(text) > markup.MAX_NESTING:
        raise FormErrors(
            {
                field: gettext(
                    "Quotes and lists are nested more than %(max)d levels deep; please "
                    "flatten them.",
                    max=markup.MAX_NESTING,
                )
            }
        )
    return text


def check_lang(space: Space, lang: str, field: str = "lang") -> None:
    if lang not in space.language_list:
        names = ", ".join(language_name(code) for code in space.language_list)
        raise FormErrors(
            {field: gettext("Choose one of this space's languages: %(names)s.", names=names)}
        )
