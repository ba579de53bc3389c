"""Discussion spaces, their per-language texts and their moderators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import LANG, Base, UTCDateTime, utcnow

POST_MODERATION = "post-moderation"
PRE_MODERATION = "pre-moderation"
POSTING_POLICIES = (POST_MODERATION, PRE_MODERATION)

ATTRIBUTION_NAMED = "named"
ATTRIBUTION_CHATHAM_HOUSE = "chatham-house"
ATTRIBUTION_CONSENT = "consent"
ATTRIBUTION_RULES = (ATTRIBUTION_NAMED, ATTRIBUTION_CHATHAM_HOUSE, ATTRIBUTION_CONSENT)


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
    posting_policy: Mapped[str] = mapped_column(String(20), default=POST_MODERATION)
    attribution: Mapped[str] = mapped_column(String(20), default=ATTRIBUTION_NAMED)
    # Replies deeper than this are drawn at this depth (they still say whom they answer).
    max_shown_depth: Mapped[int] = mapped_column(Integer, default=6)
    # Distinct flaggers after which a comment is hidden until a moderator reviews it.
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3)
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
