"""The text a new draft starts with.

Each section starts with the inputs assigned to it, quoted with their sources: whole
sentences up to a length, "[…]" where words were left out, paragraphs kept, between the
note's own quote marks, and in the note's language where the author gave a version in it
(cited `[c:N/xx]`, so the footnote can say so). A Guiding questions section starts with
the space's numbered questions, in the note's language where the moderators gave it.

Published words only, whoever drafts: a note's quotes leave the site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app import policy
from app.curation.note_templates import TemplateSpec
from app.drafts import syntax
from app.models import Assignment, Comment, CommentTranslation, Excerpt, Space
from app.models.comments import CommentKind

PREFILL_CHARS = 400
ELISION = "[…]"
# The section key under which templates put the questions for the dialogue.
GUIDING_QUESTIONS = "guiding-questions"


@dataclass(frozen=True)
class QuoteMarks:
    opening: str
    closing: str
    again: str  # what opens each later paragraph of a quote of several


NBSP = "\u00a0"
MARKS = {
    "en": QuoteMarks("“", "”", "“"),
    # French guillemets hold the quote apart with non-breaking spaces.
    "fr": QuoteMarks(f"«{NBSP}", f"{NBSP}»", f"«{NBSP}"),
    # Spanish "comillas de seguir": each later paragraph opens with a closing mark.
    "es": QuoteMarks("«", "»", "»"),
}


# --- paragraphs and sentences ------------------------------------------------------------


class _Paragraphs(HTMLParser):
    """The words of sanitised comment HTML, one string per block (paragraph, list item…).

    Joined with single spaces they are `app.markup.plain_text` of the same HTML, which
    excerpts' offsets count in.
    """

    _BLOCKS = frozenset({"p", "hr", "li", "blockquote", "pre", "h3", "h4", "h5", "h6", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._parts: list[str] = []

    def end_block(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.found.append(text)
        self._parts.clear()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.end_block()
        elif tag == "br":
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.end_block()

    def handle_data(self, data: str) -> None:
        self._parts.append(data)


def paragraphs_of(html: str) -> list[str]:
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser.end_block()
    return parser.found


# Where a sentence may end: . ! ? or … (and any closing quote or bracket after it), then
# white space, then past any opening mark (¿ ¡ included) a letter, which must be a capital.
_END = re.compile(r"[.!?…]+(?:\s*[»”’\"')\]])*(?=\s+[«“‘\"(\[¿¡]*\s*(\w))")
_LAST_WORD = re.compile(r"(\S+)$")
_OPENERS = '«“‘"([¿¡'
# Abbreviations a capitalised word often follows (titles, "cf. Smith"), in the three
# languages; those followed by numbers ("art. 5", "p. 12") never meet a capital anyway.
_ABBREVIATIONS = frozenset(
    {
        # English
        *("mr", "mrs", "ms", "dr", "prof", "st", "mt", "jr", "sr", "rev", "hon", "gen"),
        *("sen", "rep", "gov", "capt", "col", "lt", "sgt", "cf", "vs", "al"),
        # French (not "Me", which would be English "me")
        *("m", "mm", "mme", "mmes", "mlle", "mlles", "pr", "ste"),
        # Spanish
        *("sra", "sras", "sres", "srta", "dra", "dña", "lic", "ing", "arq", "profa"),
        *("ud", "uds", "vd", "vds", "sto", "sta", "excmo", "excma", "ilmo", "ilma", "av"),
        *("avda", "gral", "ej"),
    }
)
_OPENING, _CLOSING = frozenset("([«“"), frozenset(")]»”")


def _abbreviated(text: str, end: re.Match[str]) -> bool:
    """Whether the full stop that `end` found closes an abbreviation or an initial."""
    if end.group(0).rstrip("»”’\"')] \t\n\u00a0") != ".":
        return False
    found = _LAST_WORD.search(text, 0, end.start())
    word = found.group(1).lstrip(_OPENERS) if found else ""
    # "U.N.", "e.g.", "J. Smith": a dot inside, or a single letter, is no sentence's end.
    return "." in word or (len(word) == 1 and word.isalpha()) or word.lower() in _ABBREVIATIONS


def sentences(text: str) -> Iterator[str]:
    """The sentences of one paragraph, in order, by the rule above.

    In doubt it does not cut: a sentence too long is better than one that ends on "Mr.".
    Nor does it cut inside brackets or guillemets left open.
    """
    start = scanned = depth = 0
    for end in _END.finditer(text):
        for char in text[scanned : end.end()]:
            if char in _OPENING:
                depth += 1
            elif char in _CLOSING and depth:
                depth -= 1
        scanned = end.end()
        if depth or not end.group(1).isupper() or _abbreviated(text, end):
            continue
        yield text[start : end.end()].strip()
        start = end.end()
    rest = text[start:].strip()
    if rest:
        yield rest


def _within(sentence: str, limit: int) -> str:
    """The words of one overlong sentence that fit in `limit`, never half a word."""
    cut = sentence[: limit + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else sentence[:limit]
    return cut.rstrip(" ,;:–—-")


def shortened(paragraphs: Sequence[str], limit: int = PREFILL_CHARS) -> list[str]:
    """The first whole sentences of `paragraphs` that fit in `limit` characters, paragraph
    by paragraph, the last ending in ELISION if anything was left out."""
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        taken: list[str] = []
        for sentence in sentences(paragraph):
            if used + len(sentence) > limit:
                if not kept and not taken:
                    # Not one whole sentence fits: its first words, still marked as cut.
                    taken.append(_within(sentence, limit - len(ELISION) - 1))
                if taken:
                    kept.append(" ".join(taken))
                return [*kept[:-1], f"{kept[-1]} {ELISION}"] if kept else [ELISION]
            taken.append(sentence)
            used += len(sentence) + 1
        if taken:
            kept.append(" ".join(taken))
    return kept


def shortened_text(text: str, limit: int = PREFILL_CHARS) -> str:
    """`shortened` of plain text as one line: what a source's preview shows."""
    return " ".join(shortened([" ".join(text.split())], limit))


def _excerpt_paragraphs(excerpt: Excerpt, html: str | None) -> list[str]:
    """The excerpt's words, broken where the version it was taken from breaks paragraphs
    (its offsets count in that version's plain text, if it still reads the same)."""
    if html is None:
        return [excerpt.text]
    paragraphs = paragraphs_of(html)
    plain = " ".join(paragraphs)
    if plain[excerpt.start : excerpt.end] != excerpt.text:
        return [excerpt.text]
    cuts, at = [], 0
    for paragraph in paragraphs[:-1]:
        at += len(paragraph) + 1
        if excerpt.start < at < excerpt.end:
            cuts.append(at - excerpt.start)
    bounds = zip([0, *cuts], [*cuts, len(excerpt.text)], strict=True)
    pieces = [excerpt.text[a:b] for a, b in bounds]
    return [piece.strip() for piece in pieces if piece.strip()]


# --- writing a section -----------------------------------------------------------------


# A word joiner: invisible, and enough to keep participants' words from being read as
# draft syntax.
_JOINER = "\u2060"
_LINE_SYNTAX = re.compile(r"(?:#{1,6}|[->])(?=\s)")


def inert(text: str) -> str:
    """Participant text as the draft syntax reads it literally: a "[c:5]" they typed is
    no citation, and a line they began with "## ", "- " or "> " no structure."""
    text = syntax.CITATION.sub(lambda m: "[" + _JOINER + m.group(0)[1:], text)
    return _JOINER + text if _LINE_SYNTAX.match(text) else text


def quote_lines(paragraphs: Sequence[str], cite: str, lang: str) -> str:
    """One quoted input in the draft syntax: a bullet, or a block quote of several lines
    when it has several paragraphs (the marks and the source after its last)."""
    marks = MARKS.get(lang, MARKS["en"])
    paragraphs = [inert(p) for p in paragraphs]
    if not paragraphs:
        return f"- {cite}"
    if len(paragraphs) == 1:
        return f"- {marks.opening}{paragraphs[0]}{marks.closing} {cite}"
    lines = [f"> {marks.opening}{paragraphs[0]}"]
    lines += [f"> {marks.again}{paragraph}" for paragraph in paragraphs[1:]]
    lines[-1] += f"{marks.closing} {cite}"
    return "\n".join(lines)


def _joined(entries: Sequence[str]) -> str:
    """Bullets one a line; a block quote set apart by blank lines, to read as one."""
    text, last = "", ""
    for entry in entries:
        if text:
            text += "\n" if entry.startswith("- ") and last.startswith("- ") else "\n\n"
        text += entry
        last = entry
    return text


_OWN_NUMBER = re.compile(r"(\d{1,4})[.)]\s+")


def _question_text(number: int | None, html: str) -> str:
    text = " ".join(paragraphs_of(html))
    # A question that states its own number ("3. What…") would be numbered twice.
    found = _OWN_NUMBER.match(text)
    if found and number is not None and int(found.group(1)) == number:
        text = text[found.end() :]
    return inert(text)


def numbered_list(items: Sequence[str], numbering: str) -> str:
    """Items as a numbered list in the draft syntax, as the template's export numbers it:
    paragraphs where it numbers paragraphs, headlines where it numbers headlines, and
    otherwise paragraphs that state their number."""
    if numbering == "paragraphs":
        return "\n\n".join(items)
    if numbering == "headlines":
        return "\n".join(f"## {item}" for item in items)
    return "\n\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1))


def _questions(db: Session, space: Space, lang: str) -> list[str]:
    """The space's numbered questions in order, in `lang` where the moderators gave it."""
    query = (
        select(Comment, CommentTranslation)
        .outerjoin(
            CommentTranslation,
            and_(CommentTranslation.comment_id == Comment.id, CommentTranslation.lang == lang),
        )
        .where(
            Comment.space_id == space.id,
            Comment.kind == CommentKind.QUESTION,
            Comment.number.is_not(None),
        )
        .order_by(Comment.number, Comment.id)
    )
    rows = db.execute(policy.for_purpose(query, policy.Purpose.PUBLISHED)).all()
    found: list[str] = []
    for question, translation in rows:
        html = question.body_html
        if translation is not None and question.lang != lang:
            html = translation.body_html
        if text := _question_text(question.number, html):
            found.append(text)
    return found


def prefilled(db: Session, space: Space, spec: TemplateSpec, lang: str) -> dict[str, str]:
    """Each section's starting text for a new draft in `lang`, by section key."""
    keys = {spec.section_key(section.key): section.key for section in spec.sections}
    query = (
        select(Assignment.section, Comment, Excerpt)
        .join(Comment, Comment.id == Assignment.comment_id)
        .outerjoin(Excerpt, Excerpt.id == Assignment.excerpt_id)
        .where(Assignment.space_id == space.id, Assignment.section.in_(keys))
        .order_by(Comment.path, Assignment.id)
    )
    rows = db.execute(policy.for_purpose(query, policy.Purpose.PUBLISHED)).all()
    # Versions in other languages: the note's, and those excerpts were taken from.
    wanted = {c.id for _key, c, e in rows if (e.lang if e is not None else lang) != c.lang}
    versions: dict[tuple[int, str], str] = {}
    if wanted:
        of_versions = select(CommentTranslation).where(CommentTranslation.comment_id.in_(wanted))
        versions = {
            (t.comment_id, t.lang): t.body_html
            for t in db.scalars(policy.for_purpose(of_versions, policy.Purpose.PUBLISHED))
        }
    entries: dict[str, list[str]] = {section.key: [] for section in spec.sections}
    for key, comment, excerpt in rows:
        if excerpt is not None:
            html = (
                comment.body_html
                if excerpt.lang == comment.lang
                else versions.get((comment.id, excerpt.lang))
            )
            paragraphs, cite = _excerpt_paragraphs(excerpt, html), f"[e:{excerpt.id}]"
        elif comment.lang != lang and (comment.id, lang) in versions:
            paragraphs = paragraphs_of(versions[(comment.id, lang)])
            cite = f"[c:{comment.id}/{lang}]"
        else:
            paragraphs, cite = paragraphs_of(comment.body_html), f"[c:{comment.id}]"
        entries[keys[key]].append(quote_lines(shortened(paragraphs), cite, lang))
    sections = {key: _joined(found) for key, found in entries.items()}
    if GUIDING_QUESTIONS in sections:
        questions = numbered_list(_questions(db, space, lang), spec.numbering)
        sections[GUIDING_QUESTIONS] = "\n\n".join(
            part for part in (questions, sections[GUIDING_QUESTIONS]) if part
        )
    return sections
