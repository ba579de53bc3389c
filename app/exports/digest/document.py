"""The digest as a document, and its two renderings: Markdown and DOCX.

`document` lays the digest out once, as a `MarkdownDocument` (app/documents): coverage
first, then each question's threads, every comment a numbered paragraph with its source
in a footnote. `to_markdown` writes it as pandoc Markdown; `to_docx` hands the same
document to pandoc (as its AST), so the two files always say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from app import i18n
from app.documents import DocumentMetadata, Emph, MarkdownDocument, Ref, Strong
from app.documents import to_docx as documents_to_docx
from app.documents.model import Inline
from app.exports.digest import wording
from app.exports.digest.model import Digest, Entry, Group
from app.i18n import gettext


def to_markdown(digest: Digest) -> str:
    """The digest as pandoc Markdown: coverage first, then each question's threads, every
    comment a numbered paragraph with its source in a footnote."""
    return document(digest).render()


def document(
    digest: Digest, *, on_progress: Callable[[float], None] | None = None
) -> MarkdownDocument:
    """The digest's document, which the Markdown and the DOCX are both made from."""
    with i18n.using(digest.lang):
        doc = MarkdownDocument(
            gettext("Digest: %(title)s", title=digest.title),
            digest.lang,
            {"date": wording.day(digest.generated_at)},
        )
        _coverage_section(doc, digest)
        done, total = 0, max(1, digest.size)
        for group in digest.groups:
            _group_section(doc, digest, group)
            done += len(group.entries) + (group.question is not None)
            if on_progress:
                on_progress(done / total)
        return doc


def _coverage_section(doc: MarkdownDocument, digest: Digest) -> None:
    lang = digest.lang
    total = digest.coverage
    doc.heading(1, gettext("Coverage"))
    doc.paragraph(
        gettext(
            "%(comments)s published comments by %(contributors)s contributors (%(span)s).",
            comments=total.comments,
            contributors=total.contributors,
            span=wording.span(total),
        )
    )
    doc.paragraph(wording.rule_text(digest.attribution))
    if not digest.groups:
        doc.paragraph(gettext("Nothing has been published here yet."))
        return
    doc.table(
        [
            gettext("Question"),
            gettext("Comments"),
            gettext("Contributors"),
            gettext("Languages"),
            gettext("Dates"),
        ],
        [
            [
                wording.group_title(g, lang),
                str(g.coverage.comments),
                str(g.coverage.contributors),
                ", ".join(wording.language(code, lang) for code in g.coverage.languages) or "—",
                wording.span(g.coverage),
            ]
            for g in digest.groups
        ],
    )


def _caption(entry: Entry, digest: Digest, group: Group) -> list[Inline]:
    lang = digest.lang
    pieces: list[Inline] = [Strong(wording.author(entry)), " · " + wording.day(entry.created_at)]
    if entry.edited_at:
        pieces.append(" " + gettext("(edited %(date)s)", date=wording.day(entry.edited_at)))
    pieces.append(" · " + wording.language(entry.lang, lang))
    # Replies to the question itself need no "in reply to": the heading says it.
    if entry.parent_id is not None and (group.is_posts or entry.depth > 1):
        if entry.parent_id in digest.entry_ids:
            pieces += [" · " + gettext("in reply to") + " ", Ref(f"c{entry.parent_id}")]
        else:
            pieces.append(" · " + gettext("in reply to a comment not in this digest"))
    if entry.tags:
        tags = ", ".join(t.text for t in entry.tags)
        pieces += [" · ", Emph(gettext("Tags: %(tags)s", tags=tags))]
    if entry.editorial_state:
        state = gettext("Editorial state: %(state)s", state=wording.state(entry.editorial_state))
        pieces += [" · ", Emph(state)]
    return pieces


def _translations(doc: MarkdownDocument, entry: Entry, lang: str, *, in_item: bool) -> None:
    for t in entry.translations:
        label = gettext(
            "The author’s %(language)s version:", language=wording.language(t.lang, lang)
        )
        doc.paragraph([Emph(label)], in_item=in_item)
        doc.quote(t.body_md, in_item=in_item)


def _group_section(doc: MarkdownDocument, digest: Digest, group: Group) -> None:
    lang = digest.lang
    doc.heading(1, wording.group_title(group, lang))
    question = group.question
    if question is not None:
        doc.paragraph(
            [
                Strong(wording.author(question)),
                " · " + wording.day(question.created_at),
                " · " + wording.language(question.lang, lang),
            ]
        )
        doc.quote(question.body_md, wording.source(question))
        _translations(doc, question, lang, in_item=False)
    if not group.entries:
        doc.paragraph(gettext("No published comments."))
    for entry in group.entries:
        doc.numbered(_caption(entry, digest, group), [wording.source(entry)], label=f"c{entry.id}")
        doc.paragraph(entry.body_md, in_item=True)
        _translations(doc, entry, lang, in_item=True)


def to_docx(digest: Digest, *, on_progress: Callable[[float], None] | None = None) -> bytes:
    doc = document(digest, on_progress=(lambda f: on_progress(f * 0.3)) if on_progress else None)
    metadata = DocumentMetadata(doc.title, digest.lang, digest.generated_at)
    data = documents_to_docx(doc, metadata)
    if on_progress:
        on_progress(1.0)
    return data
