"""A note draft as a document: Markdown with footnotes, and DOCX made from it.

Every citation becomes a footnote naming its source as the space's attribution rule
allows ("Kate Barth, 27 January 2022" or "A participant, …") with a link to the comment.
All text goes through app.documents, which escapes it: nothing a moderator or a quoted
participant wrote can become Markdown structure, HTML or a Word field.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app import i18n, policy
from app.documents.docx import DocumentMetadata, to_docx
from app.documents.markdown import MarkdownDocument, Source, Strong
from app.drafts import document, service
from app.drafts.catalogue import TemplateSpec
from app.drafts.document import Block, Content, Inline
from app.i18n import gettext
from app.models import NoteDraft, Space
from app.spaces.service import SpaceView


def _footnote(source: service.Source | None, base_url: str, lang: str) -> Source:
    if source is None or source.comment_id is None or source.created_at is None:
        return Source(gettext("Source no longer available."))
    who = source.author_name or gettext("A participant")
    text = gettext("%(who)s, %(date)s", who=who, date=i18n.format_day(source.created_at))
    return Source(text, f"{base_url}/{lang}/comments/{source.comment_id}")


class _Writer:
    def __init__(self, doc: MarkdownDocument, spec: TemplateSpec, notes: dict[str, Source]) -> None:
        self.doc = doc
        self.spec = spec
        self.notes = notes

    def cites(self, item: Inline) -> list[Source]:
        return [self.notes[c.key] for c in item.citations]

    def section(self, blocks: list[Block]) -> None:
        in_headline = False  # bullets and quotes below a numbered headline belong to it
        for block in blocks:
            item = block.items[0]
            if block.kind == "heading":
                if self.spec.numbering == "headlines":
                    self.doc.numbered([Strong(item.text)], self.cites(item))
                    in_headline = True
                else:
                    self.doc.heading(3, item.text)
                    in_headline = False
            elif block.kind == "paragraph":
                if self.spec.numbering == "paragraphs":
                    self.doc.numbered(item.text, self.cites(item))
                else:
                    self.doc.paragraph(item.text, self.cites(item), in_item=in_headline)
            elif block.kind == "bullets":
                self.doc.bullets(
                    [i.text for i in block.items],
                    citations=[self.cites(i) for i in block.items],
                    in_item=in_headline,
                )
            else:
                source = self.cites(item)[0] if item.citations else None
                self.doc.quote(item.text, source, in_item=in_headline)


def build(db: Session, draft: NoteDraft, space_view: SpaceView, base_url: str) -> MarkdownDocument:
    """The draft as a document, written in the draft's language (footnotes included)."""
    with i18n.using(draft.lang):
        return _build(db, draft, space_view, base_url.rstrip("/"))


def _build(db: Session, draft: NoteDraft, space_view: SpaceView, base_url: str) -> MarkdownDocument:
    spec = service.template_of(draft)
    space: Space = space_view.space
    # A note leaves the site: its footnotes point at published words only.
    sources = service.sources(
        db, draft, space, space_view.moderator_ids, purpose=policy.Purpose.PUBLISHED
    )
    content = Content.of(draft.content)
    notes: dict[str, Source] = {}
    for text in content.sections.values():
        for cite in document.citations(text):
            notes.setdefault(cite.key, _footnote(sources.get(cite.key), base_url, draft.lang))
    doc = MarkdownDocument(
        draft.title,
        draft.lang,
        {
            "subtitle": f"{spec.title(draft.lang)} · {space_view.text.title}",
            "date": i18n.format_day(draft.updated_at),
        },
    )
    writer = _Writer(doc, spec, notes)
    for section in spec.sections:
        doc.heading(2, section.title(draft.lang))
        writer.section(document.parse(content.sections.get(section.key, "")))
    return doc


def to_word(doc: MarkdownDocument, draft: NoteDraft, now: datetime) -> bytes:
    return to_docx(doc, DocumentMetadata(title=draft.title, lang=draft.lang, created=now))
