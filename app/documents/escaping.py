"""Untrusted text cleaned for a document, and made inert as pandoc Markdown.

User text is never markup. `escape` is the wall: it backslash-escapes every ASCII
punctuation character (pandoc's `all_symbols_escapable`), so no emphasis, link, image,
footnote, citation, raw HTML/TeX, raw attribute, table cell, math, entity or list marker
can start inside user text, and it collapses white space, so no line-start construct
(heading, list, quote, code block, setext underline, table rule) can either.

`clean_inline` and `clean_block` are the cleaning alone: the document model
(app/documents/document.py) cleans text once, when it is added, and the Markdown writer
escapes what was kept (`backslashed`, `escaped_run`, `escape_cleaned_block`).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

# ASCII punctuation: exactly the characters pandoc lets a backslash make literal. The
# backslash goes first, so the escapes added after it are not escaped again.
_PUNCTUATION = "\\" + string.punctuation.replace("\\", "")
# White space that Markdown reads as structure (newlines, tabs, runs of spaces, Unicode
# line separators) besides the single space. NBSP and other Unicode spaces are text
# (French typography needs them).
_ODD_SPACES = "\t\f\v\x85\u2028\u2029"
_LINE_BREAKS = "\r\n"
# Control characters (no place in a document, and invalid in DOCX's XML) and lone halves
# of surrogate pairs (not encodable).
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINE = "\n"


def backslashed(text: str) -> str:
    """Every ASCII punctuation character backslash-escaped (text already cleaned)."""
    # One C-speed replace per punctuation character present: the fastest way in CPython
    # (a digest escapes megabytes).
    for char in _PUNCTUATION:
        if char in text:
            text = text.replace(char, "\\" + char)
    return text


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
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
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
    """Any text as inert inline pandoc Markdown: one line, all punctuation escaped.

    Markdown syntax in the text shows literally; runs of white space (newlines included)
    become one space, and leading and trailing white space is dropped.
    """
    return backslashed(clean_inline(text))


def escape_cleaned_block(text: str, newline: str = _NEWLINE) -> str:
    """Cleaned text escaped, its line breaks made hard breaks; `newline` starts each
    line after the first (a newline and the indentation or "> " of where it goes)."""
    text = backslashed(text)
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
