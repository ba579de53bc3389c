"""One hygiene rule for one-line texts people give things: space and draft titles, tags.

NFC; bidirectional controls dropped (an unclosed right-to-left override in a title turns
around everything after it, the browser's tab title included: titles are isolated where
they are shown, and hold no controls of their own); spaces collapsed; nothing visible
left (only zero-width characters, say) counts as empty; control characters (NUL among
them: PostgreSQL cannot store it, and the interchange format refuses it) are refused.
Display names follow the same idea, more strictly (app/accounts/names.py).
"""

from __future__ import annotations

import unicodedata

from app.i18n import gettext

# LRM, RLM, ALM, the embeddings and overrides (LRE…RLO, PDF) and the isolates (LRI…PDI).
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def strip_bidi(text: str) -> str:
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def clean_line(raw: str) -> str:
    """The text as stored, or "" when nothing visible is left."""
    text = " ".join(strip_bidi(unicodedata.normalize("NFC", raw)).split())
    # Invisible characters at the ends (zero-width spaces, BOMs) serve nothing; inside,
    # joiners shape some scripts, so they stay.
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Zs", "Cc")


def line_problem(raw: str) -> str | None:
    """Why a one-line text is refused whatever its length, or None."""
    # Tabs and line ends are only spaces in a one-line text (clean_line folds them).
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in raw):
        return gettext(
            "This text contains control characters (invisible codes such as NUL) that cannot "
            "be stored. Remove them and save again."
        )
    return None
