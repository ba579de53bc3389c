"""Untrusted text cleaned for a document, and made inert as pandoc Markdown.

User text is never markup. `escape` is the wall, and it stays readable: it
backslash-escapes only the characters that can open pandoc Markdown syntax anywhere in a
line (`\\ ` * _ [ ] < > { } | ^ ~ $ @ #`, and `&` where it starts an entity), so no
emphasis, link, image, span, footnote, citation, raw HTML/TeX, raw attribute, table cell,
math, sub/superscript or entity can start inside user text; at the start of a line it
also escapes what starts a block there (`- + = : %`, a list number's `.` or `)`, an
opening `(` of "(1)"), and it collapses white space, so no line-start construct (heading,
list, quote, code block, setext underline, table rule, div) can either. Ordinary
punctuation (`, . ; : ! ? ( ) ' "` and the rest) is left as it is. Whatever the reader's
extensions, this holds for pandoc's default Markdown as well as for the narrower reader
DOCX export uses (app/documents/docx.py).

`clean_inline` and `clean_block` are the cleaning alone: the document model
(app/documents/document.py) cleans text once, when it is added, and the Markdown writer
escapes what was kept (`backslashed`, `escaped_run`, `escape_cleaned_block`).
"""

from __future__ import annotations

import re
from functools import lru_cache

# What opens inline syntax wherever it stands. The backslash goes first, so the escapes
# added after it are not escaped again.
_ALWAYS = "\\`*_[]<>{}|^~$@#"
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What opens a block at the start of a line (after `_ALWAYS` was escaped, so "#." is "\#.").
_LINE_START = re.compile(
    r"(?:([-+=:%])|((?:\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+|\\#))([.)])(?=[ \n]|$)"
    r"|(\()(?=[0-9A-Za-z]{1,9}\)))"
)
# White space that Markdown reads as structure (newlines, tabs, runs of spaces, Unicode
# line separators) besides the single space. NBSP and other Unicode spaces are text
# (French typography needs them).
_ODD_SPACES = "\t\f\v\x85\u2028\u2029"
_LINE_BREAKS = "\r\n"
_TEXT_SPACES = "\u00a0\u202f\u2007\u2009\u200a"  # kept as written
# Control characters (no place in a document, and invalid in DOCX's XML) and lone halves
# of surrogate pairs (not encodable).
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINE = "\n"


def _line_start(found: re.Match[str]) -> str:
    if found.group(1):
        return "\\" + found.group(1)
    if found.group(2):
        return found.group(2) + "\\" + found.group(3)
    return "\\("


def backslashed(text: str) -> str:
    """Text (already cleaned) with what opens inline syntax backslash-escaped: safe
    anywhere inside a line (`line_started` adds what the start of a line needs)."""
    # One C-speed replace per character present: the fastest way in CPython (a digest
    # escapes megabytes).
    for char in _ALWAYS:
        if char in text:
            text = text.replace(char, "\\" + char)
    if "&" in text:
        text = _ENTITY.sub("\\&", text)
    return text


def line_started(escaped: str) -> str:
    """Escaped text whose every line may start a line: what opens a block there escaped."""
    # One anchored match per line (a multi-line regex would try every position of
    # megabytes of comments).
    if _NEWLINE in escaped:
        return _NEWLINE.join([line_started(line) for line in escaped.split(_NEWLINE)])
    found = _LINE_START.match(escaped)
    return escaped if found is None else _line_start(found) + escaped[found.end() :]


@lru_cache(maxsize=16384)
def _escaped_short(text: str) -> str:
    return backslashed(text)


def escaped_run(text: str) -> str:
    """Punctuation escaped; short runs (names, dates, separators) recur, so cached."""
    return _escaped_short(text) if len(text) <= 120 else backslashed(text)


def _single_spaces(text: str, *, keep_newlines: bool) -> str:
    """Every other kind of white space as a space, runs of spaces as one (C-speed
    replaces: a regex over megabytes of comments is several times slower)."""
    for char in _ODD_SPACES if keep_newlines else _ODD_SPACES + _LINE_BREAKS:
        if char in text:
            text = text.replace(char, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def clean_inline(text: str) -> str:
    """Text as one line: no control characters, white space runs as one space, trimmed."""
    if not text.isprintable():  # controls, line breaks, tabs, Unicode separators
        text = _single_spaces(_JUNK.sub("", text), keep_newlines=False)
    elif "  " in text:
        text = _single_spaces(text, keep_newlines=False)
    return text.strip(" ")


@lru_cache(maxsize=8192)
def clean_short(text: str) -> str:
    """`clean_inline`, cached: for short texts that recur (names, labels)."""
    return clean_inline(text)


@lru_cache(maxsize=8192)
def _text_run_short(text: str) -> str:
    inner = clean_inline(text)
    # Only white space that cleaning collapses: a no-break space is text (French
    # typography), and an edge "«\u00a0" must not gain a space.
    lead = " " if text[:1].isspace() and text[:1] not in _TEXT_SPACES else ""
    trail = " " if text[-1:].isspace() and text[-1:] not in _TEXT_SPACES else ""
    return f"{lead}{inner}{trail}".replace("  ", " ")


def text_run(text: str) -> str:
    """A text piece of a line, cleaned, keeping one space at an edge that had some.
    Short ones (separators, dates, names, languages) recur in every caption: cached."""
    if len(text) <= 120:
        return _text_run_short(text)
    return _text_run_short.__wrapped__(text)


def clean_block(text: str) -> str:
    """Multi-line text with paragraphs apart by exactly one blank line ("\\n\\n") and
    their lines by "\\n": no control characters, no blank or white-space-only lines, each
    line trimmed, white space runs as one space. "" when nothing is left."""
    text = _JUNK.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _single_spaces(text, keep_newlines=True)
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    text = text.strip(" \n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def escape(text: str) -> str:
    """Any text as inert inline pandoc Markdown, at the start of a line or inside one.

    Markdown syntax in the text shows literally; runs of white space (newlines included)
    become one space, and leading and trailing white space is dropped.
    """
    return line_started(backslashed(clean_inline(text)))


def escape_cleaned_block(text: str, newline: str = _NEWLINE) -> str:
    """Cleaned text escaped, its line breaks made hard breaks; `newline` starts each
    line after the first (a newline and the indentation or "> " of where it goes)."""
    text = line_started(backslashed(text))
    if _NEWLINE not in text:
        return text
    # \x00 cannot be in cleaned text (it is junk): it holds the paragraph breaks aside.
    text = text.replace("\n\n", "\x00").replace("\n", "\\" + newline)
    return text.replace("\x00", newline + newline)


def escape_block(text: str) -> str:
    """Multi-line text as inert Markdown blocks: paragraphs (split at blank lines) apart
    by one blank line, the lines of a paragraph joined by hard line breaks (so a list or
    an address someone typed keeps its shape, as text), every line escaped. "" if empty.
    """
    return escape_cleaned_block(clean_block(text))
