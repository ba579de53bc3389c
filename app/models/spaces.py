"""Discussion spaces, their per-language texts and their moderators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import LANG, Base, UTCDateTime, state_type, utcnow


class PostingPolicy(StrEnum):
    """When a participant's new comment becomes visible to others."""

    POST_MODERATION = "post-moderation"  # at once; moderators act afterwards
    PRE_MODERATION = "pre-moderation"  # once a moderator has approved it


class AttributionRule(StrEnum):
    """How contributors appear on pages and in exports (docs: the attribution rule)."""

    NAMED = "named"
    CHATHAM_HOUSE = "chatham-house"  # nobody is identified, except to the moderators
    CONSENT = "consent"  # named where the author agreed, comment by comment


class Space(Base):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    original_lang: Mapped[str] = mapped_column(LANG)
    # Space-separated language codes participants may write in, e.g. "en fr es".
    languages: Mapped[str] = mapped_column(String(64), default="en fr es")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when a moderator closes the space before its date: the page gives the reason
    # for as long as the closing date is still that moment.
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_early_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posting_policy: Mapped[PostingPolicy] = mapped_column(
        state_type(PostingPolicy, 20), default=PostingPolicy.POST_MODERATION
    )
    attribution: Mapped[AttributionRule] = mapped_column(
        state_type(AttributionRule, 20), default=AttributionRule.NAMED
    )
    # Replies deeper than this are drawn at this depth (they still say whom they answer).
    max_shown_depth: Mapped[int] = mapped_column(Integer, default=6)
    # Distinct flaggers after which a comment is hidden until a moderator reviews it.
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3)
    # The length its background note should have, in words; None: each template's own.
    note_word_target: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Settings saves name the version they started from: a stale one gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The same for the texts form (titles and introductions), kept apart from the settings.
    texts_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Bumped by database triggers whenever anything drawn on the space's pages changes
    # (see the migration that made it); cached pages are keyed by it. Never set by hand.
    content_version: Mapped[int] = mapped_column(Integer, server_default="0")

    @property
    def language_list(self) -> list[str]:
        return self.languages.split()

    @property
    def early_closing_reason(self) -> str:
        """Why a moderator closed the space early; empty once it was given another closing day.

        Days, not instants: a settings form saved later writes the closing date back as
        midnight of the same day.
        """
        closes, closed = self.closes_at, self.closed_early_at
        if closes is None or closed is None or closes.date() != closed.date():
            return ""
        return self.closed_early_reason


class SpaceText(Base):
    __tablename__ = "space_texts"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(LANG, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro_md: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")


class SpaceModerator(Base):
    __tablename__ = "space_moderators"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
