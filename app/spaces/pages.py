"""What the space list, a space page and a thread page hand their templates.

One frozen view model per page (app/web/templates.py's `PageContext`): the handler builds
it, so mypy checks every name a template reads is there, with its type.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.spaces.service import SpacePage, SpaceView
from app.web.templates import PageContext


@dataclass(frozen=True)
class SpaceListContext(PageContext):
    """spaces/list.html."""

    spaces: list[SpaceView]


@dataclass(frozen=True)
class ChunkContext(PageContext):
    """A run of comments and the link that loads the next (spaces/_chunk.html)."""

    page: SpacePage
    space_view: SpaceView  # the page's space, named as the shared partials expect it
    more_url: str


@dataclass(frozen=True)
class SpacePageContext(ChunkContext):
    """spaces/page.html: the space's header, its questions and its first chunk."""

    following: bool  # the reader gets an e-mail about each new comment here


@dataclass(frozen=True)
class ThreadPageContext(ChunkContext):
    """comments/permalink.html: one comment and the replies below it."""

    posted: int | None  # the reader's comment just sent, to confirm at the top
