"""Comment cards as cached HTML fragments, stitched into pages.

A card's HTML is a pure function of its cache key: the template only ever sees what the
key holds (every field of the comment's view, the viewer's tools on it, the locale, flat
or threaded). An edit, a translation, a moderation decision or another viewer's role
therefore makes another key, never a stale or shared fragment: a moderator's tools cannot
reach a participant's page, because the tools are part of the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any

from jinja2 import Environment, Template
from markupsafe import Markup

from app import i18n, policy
from app.comments.views import CommentView
from app.models import Space
from app.models.comments import CommentStatus
from app.policy import Viewer

CARD_TEMPLATE = "spaces/_card.html"
# Enough for the first chunks of the busiest spaces in three locales and a few roles;
# at about 3 kB a card (key and fragment), some 25 MB per process at most.
MAX_CARDS = 8192

_FIELDS = tuple(f.name for f in fields(CommentView) if f.name != "attachments")
_values = attrgetter(*_FIELDS)

CardKey = tuple[Any, ...]


@dataclass(frozen=True)
class Tools:
    """What this viewer may do with this comment: the only viewer-dependent part of a card."""

    reply: bool = False
    edit: bool = False
    history: bool = False
    flag: bool = False
    moderate: bool = False


NO_TOOLS = Tools()


def tools_for(viewer: Viewer, space: Space, now: datetime, c: CommentView) -> Tools:
    if not viewer.signed_in or c.placeholder:
        # Anonymous readers get no tools; placeholders offer none to anyone.
        return NO_TOOLS
    return Tools(
        reply=c.status == CommentStatus.PUBLISHED
        and policy.can_reply(viewer, space, now, thread_locked=c.thread_locked),
        edit=policy.can_edit(viewer, c, space, now),
        history=bool(c.edited_at or len(c.versions) > 1) and policy.can_view_history(viewer, c),
        flag=policy.can_flag(viewer, c),
        moderate=policy.can_moderate(viewer, c.space_id),
    )


def card_key(c: CommentView, tools: Tools, lang: str, flat: bool) -> CardKey:
    return (lang, flat, tools, tuple(c.attachments), *_values(c))


class CardCache:
    """Rendered cards of one template environment, least recently used dropped first."""

    def __init__(self, env: Environment, maxsize: int = MAX_CARDS) -> None:
        self._env = env
        self.rendered = lru_cache(maxsize=maxsize)(self._render)

    @cached_property
    def _template(self) -> Template:
        # Compiled at the first card, not when the application is built (that costs ~90 ms).
        return self._env.get_template(CARD_TEMPLATE)

    def _render(self, key: CardKey) -> Markup:
        lang, flat, tools, attachments, *values = key
        view = CommentView(**dict(zip(_FIELDS, values, strict=True)), attachments=list(attachments))
        with i18n.using(lang):
            return Markup(self._template.render(c=view, t=tools, lang=lang, flat=flat))  # noqa: S704

    def card(
        self,
        c: CommentView,
        space: Space,
        viewer: Viewer,
        now: datetime,
        lang: str,
        flat: bool = False,
    ) -> Markup:
        return self.rendered(card_key(c, tools_for(viewer, space, now, c), lang, flat))

    def cards(
        self, views: Iterable[CommentView], space: Space, viewer: Viewer, now: datetime, lang: str
    ) -> Markup:
        render = self.rendered
        return Markup("\n").join(
            render(card_key(c, tools_for(viewer, space, now, c), lang, False)) for c in views
        )


def install(env: Environment) -> CardCache:
    """Give templates `card_html` and `cards_html`, backed by one cache per environment."""
    cache = CardCache(env)
    env.globals.update(card_cache=cache, card_html=cache.card, cards_html=cache.cards)
    return cache


def cache_of(env: Environment) -> CardCache:
    cache = env.globals["card_cache"]
    assert isinstance(cache, CardCache)
    return cache
