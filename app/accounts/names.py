"""Normalising what people type as their name and e-mail address."""

from __future__ import annotations

import re
import unicodedata

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_display_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw).translate(_BIDI_CONTROLS)
    return " ".join(name.split())


def display_name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def clean_email(raw: str) -> str:
    return raw.strip().lower()


def looks_like_email(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email))


# Names that would pass for the site, its staff, or the "a participant" of unnamed quotes.
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "administrateur",
        "administrador",
        "administradora",
        "moderator",
        "moderateur",
        "moderatrice",
        "moderador",
        "moderadora",
        "moderation",
        "roundtable",
        "system",
        "systeme",
        "sistema",
        "support",
        "staff",
        "anonymous",
        "anonyme",
        "anonimo",
        "participant",
        "aparticipant",
        "unparticipant",
        "participante",
        "unparticipante",
        "unaparticipante",
    }
)


def is_reserved(name: str) -> bool:
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", display_name_key(name)) if ch.isalnum()
    )
    return folded in RESERVED
