"""A note draft as a document: Markdown with footnotes, and DOCX made from it.

Every citation becomes a footnote naming its source as the space's attribution rule
allows ("Kate Barth, 27 January 2022" or "A participant, …") with a link to the comment.
All text goes through app.documents, which escapes it: nothing a moderator or a quoted
participant wrote can become Markdown structure, HTML or a Word field.

`prepare` reads all a file needs from the database into an `Export`, a plain value; the
Markdown is written from it at once, the DOCX by pandoc in a background job
(`start_word`), after the request that asked for it has ended its unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app import i18n, policy
from app.curation.note_templates import TemplateSpec
from app.documents import MarkdownDocument, Source, Strong
from app.documents.docx import DocumentMetadata, to_docx
from app.drafts import service, syntax
from app.drafts.syntax import Block, Content, Inline
from app.exports import jobs
from app.i18n import gettext
from app.models import NoteDraft, Space
from app.spaces.service import SpaceView
from app.web import urls


def _footnote(source: service.Source | None, base_url: str, lang: str) -> Source:
    if source is None or source.comment_id is None or source.created_at is None:
        return Source(gettext("Source no longer available."))
    who = source.author_name or gettext("A participant")
    text = gettext("%(who)s, %(date)s", who=who, date=i18n.format_day(source.created_at))
    link = urls.absolute_url(base_url, "comment", lang=lang, comment_id=source.comment_id)
    return Source(text, link)


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
        for cite in syntax.citations(text):
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

    def filename(self, fmt: str) -> str:
        return f"{self.name}.{fmt}"


def prepare(
    db: Session, draft: NoteDraft, space_view: SpaceView, base_url: str, now: datetime
) -> Export:
    """Everything the draft's files are made of, read now: the files need no database."""
    return Export(
        draft_id=draft.id,
        space_id=draft.space_id,
        version=draft.version,
        document=build(db, draft, space_view, base_url),
        metadata=DocumentMetadata(title=draft.title, lang=draft.lang, created=now),
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
        # The page's language names the space in the subtitle: part of what was asked for.
        key=f"v{export.version}:{lang}",
        filename=export.filename("docx"),
        content_type=DOCX,
        work=lambda progress: to_word(export, on_progress=progress),
    )
