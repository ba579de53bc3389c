"""Running the site: creating spaces, their texts, moderators, settings and accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.accounts.names import display_name_key
from app.db import claim_version
from app.errors import Forbidden, FormErrors, NotFound, Stale
from app.i18n import LOCALES, get_locale, gettext
from app.markup import render_markdown
from app.models import Space, SpaceModerator, SpaceText, User
from app.models.base import state_or_none
from app.models.moderation import AuditTarget, ModerationAction
from app.models.spaces import AttributionRule, PostingPolicy
from app.moderation import audit
from app.moderation.bans import parse_day
from app.policy import Viewer
from app.text import clean_line, line_problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TITLE = 200
MAX_INTRO = 20_000
MAX_INDENT = 6  # the stylesheet draws six levels of indentation
# A note word target: a page at least, a short report at most (the reference note: 1,000).
NOTE_WORDS = (100, 20_000)
# 1000, or grouped as each language writes it: 1,000 · 1.000 · 1 000 (spaces of any width).
_GROUPED_NUMBER = re.compile(r"^(?:[0-9]+|[0-9]{1,3}([,. \u00a0\u202f])[0-9]{3}(?:\1[0-9]{3})*)$")


def _require_admin(viewer: Viewer) -> None:
    if not policy.can_administer(viewer):
        raise Forbidden(gettext("Only administrators can do this."))


@dataclass(frozen=True)
class SpaceTexts:
    """A space's title and introduction in each language; empty title: no text there."""

    title: dict[str, str]
    intro: dict[str, str]


def _check_texts(texts: SpaceTexts, original_lang: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not clean_line(texts.title.get(original_lang, "")):
        errors[f"title_{original_lang}"] = gettext(
            "Give the space a title in its original language."
        )
    for lang in LOCALES:
        if (problem := line_problem(texts.title.get(lang, ""))) is not None:
            errors[f"title_{lang}"] = problem
        elif len(texts.title.get(lang, "")) > MAX_TITLE:
            errors[f"title_{lang}"] = gettext("Keep the title under 200 characters.")
        if len(texts.intro.get(lang, "")) > MAX_INTRO:
            errors[f"intro_{lang}"] = gettext("The introduction is too long.")
    return errors


def _write_texts(db: Session, space: Space, texts: SpaceTexts) -> None:
    existing = {
        t.lang: t for t in db.scalars(select(SpaceText).where(SpaceText.space_id == space.id))
    }
    for lang in LOCALES:
        title = clean_line(texts.title.get(lang, ""))
        intro = texts.intro.get(lang, "").strip()
        row = existing.get(lang)
        if not title:
            if row is not None:
                db.delete(row)
            continue
        if row is None:
            row = SpaceText(space_id=space.id, lang=lang)
            db.add(row)
        row.title = title
        row.intro_md = intro
        row.intro_html = render_markdown(intro)


@dataclass(frozen=True)
class NewSpace:
    slug: str
    original_lang: str
    opens_on: str
    closes_on: str
    texts: SpaceTexts


def create_space(db: Session, viewer: Viewer, new: NewSpace, *, now: datetime) -> Space:
    _require_admin(viewer)
    errors: dict[str, str] = {}
    slug = new.slug.strip().lower()
    if not SLUG.match(slug) or len(slug) > 80:
        errors["slug"] = gettext("Use lower-case letters, digits and hyphens, e.g. skills-2027.")
    elif db.scalar(select(Space.id).where(Space.slug == slug)) is not None:
        errors["slug"] = gettext("Another space already uses this address.")
    if new.original_lang not in LOCALES:
        errors["original_lang"] = gettext("Choose English, French or Spanish.")
    errors.update(_check_texts(new.texts, new.original_lang))
    opens, closes = _dates(new.opens_on, new.closes_on, errors, default_opens=now)
    if errors:
        raise FormErrors(errors)
    space = Space(slug=slug, original_lang=new.original_lang, opens_at=opens, closes_at=closes)
    db.add(space)
    db.flush()
    _write_texts(db, space, new.texts)
    db.flush()
    return space


def _dates(
    opens_on: str, closes_on: str, errors: dict[str, str], *, default_opens: datetime
) -> tuple[datetime, datetime | None]:
    opens: datetime | None = default_opens
    closes: datetime | None = None
    try:
        opens = parse_day(opens_on, "opens_on") or default_opens
    except FormErrors as exc:
        errors.update(exc.errors)
    try:
        closes = parse_day(closes_on, "closes_on")
    except FormErrors as exc:
        errors.update(exc.errors)
    if opens and closes and closes <= opens:
        errors["closes_on"] = gettext("The closing date must come after the opening date.")
    return opens or default_opens, closes


def save_texts(
    db: Session, viewer: Viewer, space: Space, texts: SpaceTexts, *, version: int
) -> None:
    """Replace the texts; `version` is the space's texts_version when the form was opened."""
    _require_admin(viewer)
    if version != space.texts_version:
        raise _stale_texts(space)
    errors = _check_texts(texts, space.original_lang)
    if errors:
        raise FormErrors(errors)
    if not claim_version(db, space, version, "texts_version"):
        db.refresh(space)
        raise _stale_texts(space)
    _write_texts(db, space, texts)
    db.flush()


def _stale_texts(space: Space) -> Stale:
    # Shown beside the original language's title, the field every save has.
    return Stale(
        {
            f"title_{space.original_lang}": gettext(
                "Someone else changed these texts after you opened them. Your texts are kept "
                "in the form; save again to replace theirs, or reload to see them."
            )
        }
    )


def find_user(db: Session, who: str) -> User | None:
    """An account by e-mail address or display name (as typed, case aside)."""
    text = who.strip()
    return db.scalar(
        select(User).where(
            or_(
                func.lower(User.email) == text.lower(),
                User.display_name_key == display_name_key(text),
            )
        )
    )


def add_moderator(db: Session, viewer: Viewer, space: Space, who: str) -> User:
    _require_admin(viewer)
    user = find_user(db, who) if who.strip() else None
    if user is None:
        raise FormErrors({"who": gettext("No account has this e-mail address or name.")})
    if db.get(SpaceModerator, (space.id, user.id)) is None:
        db.add(SpaceModerator(space_id=space.id, user_id=user.id))
        db.flush()
    return user


def remove_moderator(db: Session, viewer: Viewer, space: Space, user_id: int) -> None:
    _require_admin(viewer)
    db.execute(
        delete(SpaceModerator).where(
            SpaceModerator.space_id == space.id, SpaceModerator.user_id == user_id
        )
    )


def set_admin(db: Session, viewer: Viewer, user_id: int, *, admin: bool) -> None:
    _require_admin(viewer)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound
    if user.id == viewer.user_id and not admin:
        raise FormErrors({"admin": gettext("You cannot remove your own administrator role.")})
    user.is_admin = admin
    db.flush()


def list_users(db: Session, viewer: Viewer, query: str, limit: int = 100) -> list[User]:
    _require_admin(viewer)
    statement = select(User).order_by(User.display_name_key).limit(limit)
    text = query.strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                User.display_name_key.like(pattern, escape="\\"),
            )
        )
    return list(db.scalars(statement))


@dataclass(frozen=True)
class SpaceSettings:
    """The space settings form as sent, checked here (None: no choice, or a bad one)."""

    posting_policy: PostingPolicy | None
    attribution: AttributionRule | None
    opens_on: str
    closes_on: str
    max_shown_depth: str
    flag_threshold: str
    note_word_target: str = ""  # empty: none (each note template's own target)
    version: int = -1  # the space's version when the form was opened (-1: not sent)


def _small_int(raw: str, field: str, low: int, high: int, errors: dict[str, str]) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        errors[field] = gettext(
            "Enter a whole number from %(low)d to %(high)d.", low=low, high=high
        )
    return value


def _word_target(raw: str, errors: dict[str, str]) -> int | None:
    """The note word target typed (thousands separators allowed), None if left empty."""
    text = raw.strip()
    if not text:
        return None
    low, high = NOTE_WORDS
    grouped = _GROUPED_NUMBER.match(text)
    value = int(re.sub(r"\D", "", text)) if grouped else low - 1
    if not low <= value <= high:
        errors["note_word_target"] = gettext(
            "Enter a number of words from %(low)s to %(high)s, or leave it empty.",
            low=format_decimal(low, locale=get_locale()),
            high=format_decimal(high, locale=get_locale()),
        )
    return value


def update_settings(
    db: Session, viewer: Viewer, space: Space, form: SpaceSettings, *, now: datetime
) -> None:
    """Moderators of the space (and administrators) tune how it runs; each change is audited."""
    if not policy.can_moderate(viewer, space.id):
        raise Forbidden(gettext("Only the space's moderators can do this."))
    if form.version != space.version:
        raise _stale_settings()
    errors: dict[str, str] = {}
    posting_policy = state_or_none(PostingPolicy, form.posting_policy)
    if posting_policy is None:
        errors["posting_policy"] = gettext("Choose how comments are published.")
    attribution = state_or_none(AttributionRule, form.attribution)
    if attribution is None:
        errors["attribution"] = gettext("Choose an attribution rule.")
    depth = _small_int(form.max_shown_depth, "max_shown_depth", 1, MAX_INDENT, errors)
    threshold = _small_int(form.flag_threshold, "flag_threshold", 1, 100, errors)
    word_target = _word_target(form.note_word_target, errors)
    opens, closes = _dates(form.opens_on, form.closes_on, errors, default_opens=space.opens_at)
    if errors or posting_policy is None or attribution is None:
        raise FormErrors(errors)
    # The version compared above came from a plain SELECT; the conditional UPDATE decides.
    if not claim_version(db, space, form.version):
        db.refresh(space)
        raise _stale_settings()
    before = _describe(space)
    space.posting_policy = posting_policy
    space.attribution = attribution
    space.max_shown_depth = depth
    space.flag_threshold = threshold
    space.note_word_target = word_target
    space.opens_at = opens
    space.closes_at = closes
    after = _describe(space)
    if after != before:
        audit.record(
            db,
            viewer,
            ModerationAction.SETTINGS,
            target_type=AuditTarget.SPACE,
            target_id=space.id,
            space_id=space.id,
            reason=after,
            now=now,
        )
    db.flush()


def _stale_settings() -> Stale:
    return Stale(
        {
            "posting_policy": gettext(
                "Another moderator changed these settings after you opened them. Your choices "
                "are kept in the form; save again to replace theirs, or reload to see them."
            )
        }
    )


def _describe(space: Space) -> str:
    closes = space.closes_at.date().isoformat() if space.closes_at else "-"
    return (
        f"{space.posting_policy}, {space.attribution}, depth {space.max_shown_depth}, "
        f"threshold {space.flag_threshold}, words {space.note_word_target or '-'}, "
        f"{space.opens_at.date().isoformat()} → {closes}"
    )
