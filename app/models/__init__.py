"""All mapped classes, imported here so metadata is complete for Alembic."""

from app.models.accounts import AccountToken, User, UserSession
from app.models.analysis import (
    AnalysisJob,
    Embedding,
    NearDuplicate,
    ObjectiveSuggestion,
    SpaceAnalysis,
    Theme,
    ThemeMember,
)
from app.models.base import Base
from app.models.comments import Attachment, Comment, CommentRevision, CommentTranslation
from app.models.curation import (
    Assignment,
    CommentTag,
    Curation,
    DraftRevision,
    Excerpt,
    NoteDraft,
    Tag,
)
from app.models.moderation import Ban, Flag, ModerationEvent
from app.models.notifications import EmailOptOut, Follow, OutboxMessage
from app.models.ratelimit import RateCounter
from app.models.search import SearchEntry
from app.models.spaces import Space, SpaceModerator, SpaceText

__all__ = [
    "AccountToken",
    "AnalysisJob",
    "Assignment",
    "Attachment",
    "Ban",
    "Base",
    "Comment",
    "CommentRevision",
    "CommentTag",
    "CommentTranslation",
    "Curation",
    "DraftRevision",
    "EmailOptOut",
    "Embedding",
    "Excerpt",
    "Flag",
    "Follow",
    "ModerationEvent",
    "NearDuplicate",
    "NoteDraft",
    "ObjectiveSuggestion",
    "OutboxMessage",
    "RateCounter",
    "SearchEntry",
    "Space",
    "SpaceAnalysis",
    "SpaceModerator",
    "SpaceText",
    "Tag",
    "Theme",
    "ThemeMember",
    "User",
    "UserSession",
]
