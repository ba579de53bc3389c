"""JSON shapes of the public API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.models.comments import CommentKind, CommentStatus


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
