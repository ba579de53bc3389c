"""Normalising what people type as their name and e-mail address."""

from __future__ import annotations

import re
import unicodedata

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_display_name(raw: str) -> str:
    """NFC, without invisible format characters, spaces collapsed.

    Format characters (category Cf: bidi overrides and isolates, zero-width spaces and
    joiners, soft hyphens) would let "Alice" and "Ali\u200bce" pass for each other, or flip
    the text around a name, so they are dropped rather than refused.
    """
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", raw) if unicodedata.category(ch) != "Cf"
    )
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
