"""Annotated dependencies: the vocabulary route handlers are written in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app import policy
from app.config import Settings
from app.db import transaction
from app.errors import Forbidden, NotFound
from app.i18n import LOCALES
from app.policy import Viewer
from app.ratelimit import Limiter
from app.web.csrf import SAFE_METHODS
from app.web.templates import Renderer

SESSION_COOKIE = "rt_session"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

# Dependencies that only read request state are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, a hop that costs more than the work itself. `app.state`
# holds anything: what app/main.py puts there is given its type as it is read here.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Marks a route whose unit of work reads first and writes only in `app.db.writing` blocks.
_WRITES_IN_BLOCKS = "__roundtable_writes_in_blocks__"


def writes_in_blocks(endpoint: Endpoint) -> Endpoint:
    """For a busy write route: SQLite's write lock only for its short `writing` block.

    Without it an unsafe request's unit of work takes the lock with its first statement
    and keeps it while it reads, renders Markdown and draws its answer.
    """
    setattr(endpoint, _WRITES_IN_BLOCKS, True)
    return endpoint


def get_db(request: Request) -> Iterator[Session]:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    writes = request.method not in SAFE_METHODS and not getattr(endpoint, _WRITES_IN_BLOCKS, False)
    with transaction(request.app.state.session_factory, writes=writes) as session:
        yield session


async def get_now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the unit of work commits before the response leaves, so a
# redirect never outruns the data it points at.
DbDep = Annotated[Session, Depends(get_db, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]


class ViewerResolver(Protocol):
    """Who holds a session token: the accounts feature answers (app/main.py hands it in as
    `app.state.resolve_viewer`), so this plumbing imports no feature."""

    def __call__(
        self,
        db: Session,
        token: str | None,
        *,
        now: datetime,
        max_age: timedelta,
        absolute: timedelta,
    ) -> Viewer: ...


def viewer_of(request: Request, db: Session, settings: Settings, now: datetime) -> Viewer:
    """Who sends this request, from the session cookie; remembered for the page layout."""
    resolve: ViewerResolver = request.app.state.resolve_viewer
    viewer = resolve(
        db,
        request.cookies.get(SESSION_COOKIE),
        now=now,
        max_age=timedelta(days=settings.session_max_age_days),
        absolute=timedelta(days=settings.session_absolute_days),
    )
    request.state.viewer = viewer
    # The unit of work reads as this person from now on (app/policy.py's read gate).
    policy.read_as(db, viewer)
    return viewer


def get_viewer(request: Request, db: DbDep, settings: SettingsDep, now: NowDep) -> Viewer:
    return viewer_of(request, db, settings, now)


async def get_lang(lang: str) -> str:
    if lang not in LOCALES:
        raise NotFound
    return lang


async def get_renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
# The page routers' own dependency (app/main.py): the reader is resolved before any page
# handler runs, so the layout and the read gate know them whether or not the handler asks.
# FastAPI resolves it once per request: a handler's `viewer: ViewerDep` is the same value.
READER = Depends(get_viewer)
LangDep = Annotated[str, Depends(get_lang)]
RenderDep = Annotated[Renderer, Depends(get_renderer)]


def get_admin(viewer: ViewerDep) -> Viewer:
    if not policy.can_administer(viewer):
        raise Forbidden("admin")
    return viewer


# For routes only administrators reach: the check runs before the form is even read.
AdminDep = Annotated[Viewer, Depends(get_admin)]


async def get_limiter(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


LimiterDep = Annotated[Limiter, Depends(get_limiter)]
