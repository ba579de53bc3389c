"""JSON shapes of the public API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.models.comments import CommentKind, CommentStatus
from app.search.backends import CANDIDATES


class SpaceOut(BaseModel):
    slug: str
    lang: str
    title: str
    intro_html: str
    opens_at: datetime
    closes_at: datetime | None
    is_open: bool
    moderators: list[str]
    comment_count: int


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    url: str


class CommentOut(BaseModel):
    id: int
    kind: CommentKind
    number: int | None
    parent_id: int | None
    depth: int
    author: str | None = Field(description="Empty where the space's attribution rule hides it.")
    author_is_moderator: bool
    status: CommentStatus
    lang: str
    shown_lang: str
    versions: list[str]
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    attachments: list[AttachmentOut]


class CommentPage(BaseModel):
    space: SpaceOut
    comments: list[CommentOut]
    next_after: str | None = Field(description="Pass as ?after= to get the next chunk.")


class CommentIn(BaseModel):
    body: str = Field(min_length=1)
    lang: str | None = Field(default=None, description="en, fr or es; detected when omitted.")
    parent_id: int | None = None
    named_consent: bool = False


class SnippetPart(BaseModel):
    text: str
    mark: bool = Field(description="A word that matched: shown highlighted.")


class SearchHitOut(BaseModel):
    comment_id: int
    url: str = Field(description="The comment's page, showing the text that matched.")
    space: str = Field(description="The space's slug.")
    space_title: str
    question_id: int | None
    question_number: int | None
    is_question: bool
    author: str | None = Field(description="Empty where the space's attribution rule hides it.")
    author_is_moderator: bool
    created_at: datetime
    lang: str = Field(description="The language of the text that matched.")
    original_lang: str
    translated: bool = Field(description="The match is in the author's own translation.")
    status: CommentStatus
    snippet: list[SnippetPart] = Field(description="Plain text: escape it, mark the marked parts.")


class SearchOut(BaseModel):
    total: int = Field(description="Comments found (each once, whichever of its texts matched).")
    more: bool = Field(
        description=f"More texts match than one search reads (the {CANDIDATES:,} most "
        "recent): `total` counts the comments among those. Narrow the search to see the rest."
    )
    page: int
    pages: int
    next_page: int | None
    hits: list[SearchHitOut]
