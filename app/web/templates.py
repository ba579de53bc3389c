"""The Jinja environment: gettext, locale-aware formatting and URL helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from app import i18n, policy, text
from app.models.comments import CommentKind, CommentStatus
from app.models.curation import DraftState, EditorialState
from app.models.moderation import AuditTarget, FlagReason, FlagResolution, ModerationAction
from app.models.spaces import AttributionRule, PostingPolicy
from app.web import csrf, formkeys, security, urls
from app.web.assets import ASSETS
from app.web.htmx import is_htmx

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def _gettext(message: str) -> str:
    return i18n.translations(i18n.get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.get_locale()).ngettext(singular, plural, n)


def _file_size(size: int) -> str:
    locale = i18n.get_locale()
    if size < 1024 * 1024:
        return i18n.gettext(
            "%(size)s kB", size=format_decimal(round(size / 1024, 1), locale=locale)
        )
    return i18n.gettext(
        "%(size)s MB", size=format_decimal(round(size / 1_048_576, 1), locale=locale)
    )


def _switch_url(request: Request, code: str) -> str:
    """The same page in another language: swap the /xx/ prefix, keep the query."""
    path = request.url.path
    parts = path.split("/", 2)
    rest = parts[2] if len(parts) > 2 and parts[1] in i18n.LOCALES else ""
    url = f"/{code}/{rest}"
    return f"{url}?{request.url.query}" if request.url.query else url


def _return_path(request: Request) -> str:
    """Where signing in from this page comes back to. Not a token page: its token would
    sit in the sign-in page's address, history and Referer (and its link needs no sign-in)."""
    path = request.url.path
    if not security.holds_token(path):
        return path
    lang = path.split("/", 2)[1]
    return urls.url_for("space_list", lang=lang) if lang in i18n.LOCALES else "/"


def _number(value: int) -> str:
    return format_decimal(value, locale=i18n.get_locale())


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


# What a feature adds to every environment (comment cards, app/spaces/cards.py): web draws
# pages for every feature and imports none of them, app/main.py hands these in.
Install = Callable[[Environment], object]

# Templates compare states to members (`c.status == CommentStatus.HIDDEN`), never to string
# literals (tests/web/test_template_states.py): each enum is a global under its own name.
STATES: tuple[type[StrEnum], ...] = (
    AttributionRule,
    AuditTarget,
    CommentKind,
    CommentStatus,
    DraftState,
    EditorialState,
    FlagReason,
    FlagResolution,
    ModerationAction,
    PostingPolicy,
)


def install_states(*states: type[StrEnum]) -> Install:
    """Adds a feature's own states to the environment, as STATES are."""

    def install(env: Environment) -> None:
        env.globals.update({state.__name__: state for state in states})

    return install


def build_templates(installs: Iterable[Install] = ()) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    templates = Jinja2Templates(env=env)
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals.update(
        locales=i18n.LOCALES,
        language_name=i18n.language_name,
        switch_url=_switch_url,
        return_path=_return_path,
        policy=policy,
        csrf_field=csrf.csrf_field,
        csrf_token=csrf.current_token,
        static_url=ASSETS.url,
        # Replaces starlette's absolute url_for: links are paths, in the reader's language.
        url_for=urls.url_for,
        new_idempotency_key=formkeys.new_key,
    )
    env.filters.update(
        when=i18n.format_when,
        day=i18n.format_day,
        iso=_iso,
        file_size=_file_size,
        number=_number,
        # A tab title cannot hold markup to isolate a title in: it holds no bidi controls.
        no_bidi=text.strip_bidi,
    )
    for install in (install_states(*STATES), *installs):
        install(env)
    return templates


@dataclass(frozen=True)
class PageContext:
    """A page's view model: its fields are the names its templates read.

    The handler builds one, so mypy checks that it hands over every name with the right
    type; tests/web/test_page_contexts.py checks that the templates read no other (besides
    what every page gets). Frozen, as subclasses must be too: a template only reads.
    Fragments that take a name or two still get a plain mapping.
    """

    def names(self) -> dict[str, Any]:
        # Shallow, unlike dataclasses.asdict: the template gets the values themselves.
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Renderer:
    """Renders a template with what every page needs; one place decides page or fragment."""

    def __init__(self, templates: Jinja2Templates) -> None:
        self.templates = templates

    def __call__(
        self,
        request: Request,
        template: str,
        context: PageContext | Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        # What every page gets (tests/web/test_page_contexts.py names them too).
        ctx: dict[str, Any] = {
            "lang": i18n.get_locale(),
            "viewer": getattr(request.state, "viewer", policy.ANONYMOUS),
            "htmx": is_htmx(request),
            "now": datetime.now(UTC),
        }
        ctx.update(context.names() if isinstance(context, PageContext) else context or {})
        return self.templates.TemplateResponse(
            request, template, ctx, status_code=status_code, headers=headers
        )
