"""A note draft as a document: Markdown with footnotes, and DOCX made from it.

Every citation point becomes a footnote, where it was written, naming its sources as the
space's attribution rule allows ("Kate Barth, 27 January 2022" or "A participant, …")
with a link to the comment, or "Ibid."; quotes in another language carry it, and the
note's language sets the typography and every generated word (docs/notes.md).
All text goes through app.documents, which escapes it: nothing a moderator or a quoted
participant wrote can become Markdown structure, HTML or a Word field.

`prepare` reads all a file needs from the database into an `Export`, a plain value; the
Markdown is written from it at once, the DOCX by pandoc in a background job
(`start_word`), after the request that asked for it has ended its unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from app import i18n, policy
from app.curation.note_templates import TemplateSpec
from app.documents import Emph, Footnote, Lang, MarkdownDocument, Source, Strong
from app.documents.docx import DocumentMetadata, to_docx
from app.documents.model import Inline as Piece
from app.documents.typography import NBSP, typeset
from app.drafts import service, syntax
from app.drafts.syntax import Block, Content, Inline, Point
from app.drafts.title_block import TitleBlock
from app.exports import jobs
from app.i18n import gettext
from app.models import NoteDraft, Space
from app.spaces.service import SpaceView, pick_text, texts_of
from app.web import urls


class Withdrawn(StrEnum):
    """What an export does with citations of sources the public can no longer read (hidden,
    deleted or unpublished since they were quoted): it asks first, then does as told."""

    ASK = "ask"
    REMOVE = "remove"  # the citations go; a footnote citing nothing else goes with them
    MARK = "mark"  # their footnotes say "Source withdrawn."


class SourcesWithdrawn(Exception):
    """An export that cites withdrawn sources and was not told what to do with them."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        super().__init__(keys)
        self.keys = keys


def _withdrawn(source: service.Source | None) -> bool:
    return source is None or source.comment_id is None or source.created_at is None


def _footnote(source: service.Source | None, base_url: str, lang: str) -> Source:
    if source is None or source.comment_id is None or source.created_at is None:
        return Source(gettext("Source withdrawn."))
    who = source.author_name or gettext("A participant")
    day = i18n.format_day(source.created_at)
    # Quoted from the author's own version in another language ([c:N/xx], or an excerpt
    # of that version): the note says so, and its link leads to the original.
    if source.original_lang and source.lang != source.original_lang:
        text = gettext(
            "%(who)s, %(date)s, translated from %(language)s by the author",
            who=who,
            date=day,
            language=i18n.language_name(source.original_lang, lang),
        )
    else:
        text = gettext("%(who)s, %(date)s", who=who, date=day)
    # Edited since it was quoted: the note names the wording it quotes, which the link
    # (to the comment as it reads now) no longer shows.
    if source.warning == service.SourceWarning.EDITED:
        worded = source.quoted_on
        if worded is not None and worded.date() != source.created_at.date():
            text = gettext(
                "%(note)s, as worded on %(date)s (since edited)",
                note=text,
                date=i18n.format_day(worded),
            )
        else:
            text = gettext("%(note)s (since edited)", note=text)
    link = urls.absolute_url(base_url, "comment", lang=lang, comment_id=source.comment_id)
    return Source(text, link)


# A paragraph or headline that states its own number ("1. Which…") where the document
# numbers it: the number is dropped, or it would read "8. 1. Which…". Two digits at most,
# so a year that starts a sentence ("2022. The year…") stays.
_OWN_NUMBER = re.compile(r"\s*\d{1,2}[.)]\s+(?=\S)")
# Closing quote marks and the opening ones they close.
_OPENING = {"”": "“", "»": "«", '"': '"'}
_SPACES = " \u00a0\u202f"
_QUOTE_MARK = re.compile(r"[“«»\"][ \u00a0\u202f]*")  # opening a quote's paragraph


class _Writer:
    """A draft's sections into the document, in order: each citation point a footnote
    there, "Ibid." when it cites again the one source of the footnote just before, text
    quoted from a source in another language marked with that language, and the note's
    language's typography."""

    def __init__(
        self,
        doc: MarkdownDocument,
        spec: TemplateSpec,
        sources: dict[str, service.Source],
        base_url: str,
        withdrawn: Withdrawn,
    ) -> None:
        self.doc = doc
        self.spec = spec
        self.sources = sources
        self.base_url = base_url
        self.withdrawn = withdrawn
        self.lang = doc.lang
        self.last: str | None = None  # the one source of the footnote just before

    def keys(self, point: Point) -> list[str]:
        """The sources the point's footnote cites, each once."""
        keys = list(dict.fromkeys(c.key for c in point.citations))
        if self.withdrawn == Withdrawn.REMOVE:
            return [k for k in keys if not _withdrawn(self.sources.get(k))]
        return keys

    def footnote(self, point: Point) -> Footnote:
        keys = self.keys(point)
        if len(keys) == 1 and keys[0] == self.last:
            return Footnote(gettext("Ibid."))
        # "Ibid." repeats a source named, never a withdrawn one.
        alone = len(keys) == 1 and not _withdrawn(self.sources.get(keys[0]))
        self.last = keys[0] if alone else None
        notes = tuple(self._typeset_source(k) for k in keys)
        return Footnote(notes[0] if len(notes) == 1 else notes)

    def _typeset_source(self, key: str) -> Source:
        note = _footnote(self.sources.get(key), self.base_url, self.lang)
        return Source(typeset(note.text, self.lang), note.url)

    def _foreign(self, text: str, lang: str, *, whole: bool) -> list[Piece]:
        """`text`, which a citation in `lang` follows, with the words it quotes marked as
        `lang`: those between the quote marks that close just before the citation, or
        (`whole`: a block quote) all of it."""
        body = text.rstrip(_SPACES)
        tail = text[len(body) :]
        closing = body[-1:]
        start = body.rfind(_OPENING[closing], 0, len(body) - 1) if closing in _OPENING else -1
        if start >= 0:
            inner = body[start + 1 : -1]
            words = inner.strip(_SPACES)
            if not words:
                return [text]
            before, after = typeset(body[:start], self.lang), tail
            if self.lang == "fr":
                return [f"{before}«{NBSP}", Lang(words, lang), f"{NBSP}»{typeset(after, 'fr')}"]
            lead = inner[: len(inner) - len(inner.lstrip(_SPACES))]
            trail = inner[len(inner.rstrip(_SPACES)) :]
            return [before + body[start] + lead, Lang(words, lang), trail + closing + after]
        if whole and body:
            return [Lang(body, lang), tail]
        return [typeset(text, self.lang)]

    def pieces(self, item: Inline, *, whole: bool = False, number: bool = False) -> list[Piece]:
        """The item's text and footnotes as the document's inline pieces; `number`: the
        document numbers it, so a number it states is dropped."""
        parts = list(item.parts)
        first = parts[0] if parts else None
        if number and isinstance(first, str) and (own := _OWN_NUMBER.match(first)):
            parts[0] = first[own.end() :]
        out: list[Piece] = []
        for part in parts:
            if not isinstance(part, Point):
                out.append(part)
                continue
            if not self.keys(part):  # it cited withdrawn sources only, now removed
                if out and isinstance(out[-1], str):
                    out[-1] = out[-1].rstrip(_SPACES)  # "behind [c:1]." reads "behind."
                continue
            source = self.sources.get(part.citations[0].key)
            lang = source.lang if source is not None else ""
            last = out[-1] if out else None
            if isinstance(last, str):
                text = self._after_mark(last) if len(out) > 1 else last
                out.pop()
                if lang and lang != self.lang:
                    out.extend(self._foreign(text, lang, whole=whole))
                else:
                    out.append(typeset(text, self.lang))
            out.append(self.footnote(part))
        if out and isinstance(out[-1], str):
            out[-1] = typeset(self._after_mark(out[-1]) if len(out) > 1 else out[-1], self.lang)
        return out

    def _after_mark(self, text: str) -> str:
        """Text after a footnote mark, its typography set as after the word the mark
        follows (French: "»¹ ; ensuite", with its space before ";")."""
        if self.lang != "fr" or text.lstrip(" ")[:1] not in (";", ":", "!", "?"):
            return text
        return typeset("a" + text.lstrip(" "), self.lang)[1:]

    def section(self, blocks: list[Block]) -> None:
        # Bullets and quotes below a numbered headline or paragraph belong to it (indented
        # under it, as "4. … it is necessary to consider:" and its list in the reference).
        in_headline = False
        for n, block in enumerate(blocks):
            item = block.items[0]
            if block.kind == "heading":
                if self.spec.numbering == "headlines":
                    pieces = self.pieces(item, number=True)
                    strong = [Strong(p) if isinstance(p, str) else p for p in pieces]
                    self.doc.numbered(strong)
                    in_headline = True
                else:
                    self.doc.heading(3, self.pieces(item))
                    in_headline = False
            elif block.kind == "paragraph":
                if self.spec.numbering == "paragraphs":
                    self.doc.numbered(self.pieces(item, number=True))
                    in_headline = True
                else:
                    self.doc.paragraph(self.pieces(item), in_item=in_headline)
            elif block.kind == "bullets":
                self.doc.bullets([self.pieces(i) for i in block.items], in_item=in_headline)
            elif item.citations:
                self.doc.quote(self.pieces(item, whole=True), in_item=in_headline)
            else:
                # A quote of several paragraphs, one ">" line each, cites its source after
                # the last: the earlier ones are in that source's language too.
                lang = self._quoted_lang(blocks[n + 1 :])
                mark = _QUOTE_MARK.match(item.text)
                opening = typeset(mark.group(), self.lang) if mark else ""
                words = item.text[mark.end() :] if mark else item.text
                quoted = Lang(words, lang) if lang else typeset(words, self.lang)
                self.doc.quote([opening, quoted], in_item=in_headline)

    def _quoted_lang(self, following: list[Block]) -> str:
        """The language of the source the next citing quote line cites, when not the
        note's ("" if another block comes first)."""
        for block in following:
            if block.kind != "quote":
                return ""
            if block.items[0].citations:
                source = self.sources.get(block.items[0].citations[0].key)
                return source.lang if source and source.lang != self.lang else ""
        return ""


def build(
    db: Session,
    draft: NoteDraft,
    space_view: SpaceView,
    base_url: str,
    withdrawn: Withdrawn = Withdrawn.ASK,
) -> MarkdownDocument:
    """The draft as a document, written in the draft's language (footnotes included).

    Raises `SourcesWithdrawn` when it cites sources the public can no longer read and
    `withdrawn` does not say what to do with them.
    """
    with i18n.using(draft.lang):
        return _build(db, draft, space_view, base_url.rstrip("/"), withdrawn)


def _build(
    db: Session, draft: NoteDraft, space_view: SpaceView, base_url: str, withdrawn: Withdrawn
) -> MarkdownDocument:
    spec = service.template_of(draft)
    space: Space = space_view.space
    # A note leaves the site: its footnotes point at published words only.
    sources = service.sources(
        db, draft, space, space_view.moderator_ids, purpose=policy.Purpose.PUBLISHED
    )
    gone = tuple(key for key, source in sources.items() if _withdrawn(source))
    if gone and withdrawn == Withdrawn.ASK:
        raise SourcesWithdrawn(gone)
    content = Content.of(draft.content)
    # The space's title in the note's language (the page's may be another).
    texts = [*texts_of(db, space.id)] or [space_view.text]
    space_title = pick_text(texts, draft.lang, space.original_lang).title
    block = TitleBlock.of(content.title_block)
    metadata = {
        "subtitle": typeset(f"{spec.title(draft.lang)} · {space_title}", draft.lang),
        "date": i18n.format_day(block.day() or draft.updated_at),
    }
    doc = MarkdownDocument(typeset(draft.title, draft.lang), draft.lang, metadata)
    # The title block's lines, as the reference documents head their first page: the
    # symbol, then the meeting and its days, then the place, in italics.
    if block.symbol:
        doc.paragraph(block.symbol)
    for line in (block.meeting_line(), block.place):
        if line:
            doc.paragraph([Emph(typeset(line, draft.lang))])
    writer = _Writer(doc, spec, sources, base_url, withdrawn)
    for section in spec.sections:
        doc.heading(2, typeset(section.title(draft.lang), draft.lang))
        if spec.restarts:
            doc.restart_numbering()
        writer.section(syntax.parse(content.sections.get(section.key, "")))
    return doc


MARKDOWN = "text/markdown; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Export:
    """One version of a draft as a document, with what its files are called and dated."""

    draft_id: int
    space_id: int
    version: int
    document: MarkdownDocument
    metadata: DocumentMetadata
    name: str  # the files' name, without extension
    withdrawn: Withdrawn  # what was done with withdrawn sources (ASK: there were none)

    def filename(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"


def prepare(
    db: Session,
    draft: NoteDraft,
    space_view: SpaceView,
    base_url: str,
    now: datetime,
    withdrawn: Withdrawn = Withdrawn.ASK,
) -> Export:
    """Everything the draft's files are made of, read now: the files need no database.

    Raises `SourcesWithdrawn` as `build` does.
    """
    return Export(
        draft_id=draft.id,
        space_id=draft.space_id,
        version=draft.version,
        document=build(db, draft, space_view, base_url, withdrawn),
        withdrawn=withdrawn,
        metadata=DocumentMetadata(
            title=draft.title,
            lang=draft.lang,
            created=now,
            subject=TitleBlock.of(Content.of(draft.content).title_block).symbol,
        ),
        name=f"{space_view.space.slug}-note-{draft.id}-v{draft.version}",
    )


def to_markdown(export: Export) -> bytes:
    return export.document.render().encode("utf-8")


def to_word(export: Export, on_progress: jobs.Progress | None = None) -> bytes:
    if on_progress:
        on_progress(0.1)  # the work has begun; pandoc itself says nothing until it is done
    data = to_docx(export.document, export.metadata)
    if on_progress:
        on_progress(1.0)
    return data


def job_subject(draft_id: int) -> str:
    """The subject of a draft's DOCX jobs (see app.exports.jobs)."""
    return f"draft:{draft_id}"


def start_word(store: jobs.JobStore, owner_id: int, export: Export, lang: str) -> jobs.Job:
    """The job making this version's DOCX; asking again while it runs joins it.

    Raises `jobs.TooManyJobs` when the person has as many in the making as one may.
    """
    return store.start(
        owner_id=owner_id,
        space_id=export.space_id,
        subject=job_subject(export.draft_id),
        # One job per version, page language and choice for withdrawn sources (the
        # document itself is all in the draft's language, subtitle included).
        key=f"v{export.version}:{lang}:{export.withdrawn}",
        filename=export.filename("docx"),
        content_type=DOCX,
        work=lambda progress: to_word(export, on_progress=progress),
    )
