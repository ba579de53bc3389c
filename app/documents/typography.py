"""Typographic conventions of a document's language, applied to its text (never to what
is stored): French quotes in guillemets with non-breaking spaces inside, and a
non-breaking space before the high punctuation (narrow before ; ! ?, as the Imprimerie
nationale sets them; a full one before :). English and Spanish text is left as written
(Spanish keeps its ¿ and ¡, and its own quote marks).
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space
_SPACES = " \u00a0\u202f"

# A pair of English or straight double quotes, not spanning another quote mark.
_QUOTED = re.compile(r"[“\"]([^“”\"«»]*)[”\"]")
_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE = re.compile(r"[ \u00a0\u202f]*»")
# Punctuation after a word, a closing mark or a bracket, then a space or the end: not
# "10:30", "https://" or "?!" inside a run of marks.
_HIGH = re.compile(r"(?<=[\w»)\]’'.…])[ \u00a0\u202f]?([;!?])(?=[\s»)\]]|$)")
_COLON = re.compile(r"(?<=[\w»)\]’'.…])[ \u00a0\u202f]?:(?=[\s»]|$)")


def french(text: str) -> str:
    """`text` set as French: « guillemets » and non-breaking spaces before ; : ! ?."""
    if "«" not in text and ("“" in text or '"' in text):
        # English quote marks become guillemets only where none are used (inside a
        # « quote », “ ” are the quote within the quote).
        text = _QUOTED.sub(lambda m: f"«{m.group(1).strip(_SPACES)}»", text)
    if "«" in text:
        text = _OPEN.sub("«" + NBSP, text)
        text = _CLOSE.sub(NBSP + "»", text)
    if ";" in text or "!" in text or "?" in text:
        text = _HIGH.sub(NNBSP + r"\1", text)
    if ":" in text:
        text = _COLON.sub(NBSP + ":", text)
    return text


def typeset(text: str, lang: str) -> str:
    """`text` as the conventions of `lang` set it (French: `french`; others as written)."""
    return french(text) if lang.split("-")[0].lower() == "fr" else text
