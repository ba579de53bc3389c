"""What a page needs to draw a comment: plain data, built from query rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app import policy
from app.comments import threads
from app.comments.queries import AttachmentRow, CommentRow, TranslationRow
from app.models import Space
from app.models.comments import CommentKind, CommentStatus
from app.policy import Viewer


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size_bytes: int


@dataclass
class CommentView:
    id: int
    space_id: int
    author_id: int
    parent_id: int | None
    kind: CommentKind
    number: int | None
    depth: int
    shown_depth: int
    author_name: str | None  # None: not named, under the space's attribution rule
    author_is_moderator: bool
    parent_author_name: str | None
    parent_named: bool
    created_at: datetime
    edited_at: datetime | None
    original_lang: str
    shown_lang: str
    body_html: str
    versions: tuple[str, ...]  # original language first, then the author's translations
    status: CommentStatus = CommentStatus.PUBLISHED
    placeholder: bool = False  # hidden from this viewer: drawn as "removed" only
    moderated_at: datetime | None = None
    moderation_reason: str = ""
    hidden_by_flags: bool = False  # hidden by reports, awaiting a moderator's review
    pinned: bool = False
    thread_locked: bool = False
    attachments: list[AttachmentView] = field(default_factory=list)
    # The parent's card is on the same page: "in reply to" jumps to it there.
    parent_here: bool = False

    @property
    def is_question(self) -> bool:
        return self.kind == CommentKind.QUESTION

    @property
    def is_translation_shown(self) -> bool:
        return self.shown_lang != self.original_lang


@dataclass(frozen=True)
class ViewContext:
    """Who is looking, at which space, in which language, and how deep to draw."""

    viewer: Viewer
    space: Space
    moderator_ids: frozenset[int]
    ui_lang: str
    max_shown_depth: int
    base_depth: int = 0
    locked_paths: tuple[str, ...] = ()


def choose_version(
    original_lang: str, available: Collection[str], wanted: str | None, ui: str
) -> str:
    """Which text to show: the one asked for, else the reader's language, else the original."""
    for candidate in (wanted, ui):
        if candidate and (candidate == original_lang or candidate in available):
            return candidate
    return original_lang


def _namer(ctx: ViewContext) -> Callable[[int | None, bool | None], bool]:
    """policy.may_name for this page, asked once per (author, consent) pair: a page has
    a hundred comments but few authors."""
    answers: dict[tuple[int | None, bool], bool] = {}

    def named(author_id: int | None, consent: bool | None) -> bool:
        key = (author_id, bool(consent))
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = author_id is not None and policy.may_name(
                ctx.viewer,
                ctx.space,
                author_id=author_id,
                author_is_moderator=author_id in ctx.moderator_ids,
                named_consent=key[1],
            )
        return answer

    return named


def build_views(
    rows: Sequence[CommentRow],
    translations: Iterable[TranslationRow],
    attachments: Iterable[AttachmentRow],
    ctx: ViewContext,
    *,
    wanted: dict[int, str] | None = None,
    on_page: Collection[int] = (),
) -> list[CommentView]:
    """Join comment rows with their translations and files, in the rows' order.

    On the hot path of every page: locals over attribute look-ups, no per-row allocations
    beyond the view itself.
    """
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for t in translations:
        texts[t.comment_id][t.lang] = t.body_html
    files: dict[int, list[AttachmentView]] = defaultdict(list)
    for a in attachments:
        files[a.comment_id].append(
            AttachmentView(
                id=a.id, filename=a.filename, content_type=a.content_type, size_bytes=a.size_bytes
            )
        )
    named = _namer(ctx)
    wanted = wanted or {}
    viewer, ui_lang, moderators = ctx.viewer, ctx.ui_lang, ctx.moderator_ids
    base_depth, max_shown = ctx.base_depth, ctx.max_shown_depth
    locked = ctx.locked_paths
    no_texts: dict[str, str] = {}
    views: list[CommentView] = []
    for row in rows:
        status, lang, path, author_id = row.status, row.lang, row.path, row.author_id
        depth = path.count(threads.SEPARATOR) - 1
        placeholder = status == CommentStatus.HIDDEN and not policy.can_see_content(viewer, row)
        own = no_texts if placeholder else texts.get(row.id, no_texts)
        shown = choose_version(lang, own.keys(), wanted.get(row.id), ui_lang)
        parent_named = named(row.parent_author_id, row.parent_named_consent)
        views.append(
            CommentView(
                id=row.id,
                space_id=row.space_id,
                author_id=author_id,
                parent_id=row.parent_id,
                kind=row.kind,
                number=row.number,
                depth=depth,
                shown_depth=max(0, min(depth - base_depth, max_shown)),
                author_name=(
                    row.author_name
                    if not placeholder and named(author_id, row.named_consent)
                    else None
                ),
                author_is_moderator=author_id in moderators,
                parent_author_name=row.parent_author_name if parent_named else None,
                parent_named=parent_named,
                created_at=row.created_at,
                edited_at=row.edited_at,
                original_lang=lang,
                shown_lang=shown,
                body_html="" if placeholder else (row.body_html if shown == lang else own[shown]),
                versions=(lang, *sorted(own)) if own else (lang,),
                status=status,
                placeholder=placeholder,
                moderated_at=row.moderated_at,
                moderation_reason="" if placeholder else row.moderation_reason,
                hidden_by_flags=status == CommentStatus.HIDDEN and row.hidden_by_flags,
                pinned=row.pinned,
                thread_locked=bool(locked) and any(path.startswith(p) for p in locked),
                attachments=[] if placeholder else files.get(row.id, []),
                parent_here=row.parent_id in on_page,
            )
        )
    return views
