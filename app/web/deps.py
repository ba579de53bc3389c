"""Annotated dependencies: the vocabulary route handlers are written in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.config import Settings
from app.db import transaction
from app.errors import NotFound
from app.i18n import LOCALES
from app.policy import Viewer
from app.ratelimit import Limiter
from app.web.templates import Renderer

SESSION_COOKIE = "rt_session"


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    with transaction(request.app.state.session_factory) as session:
        yield session


def get_now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the unit of work commits before the response leaves, so a
# redirect never outruns the data it points at.
DbDep = Annotated[Session, Depends(get_db, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]


def get_viewer(request: Request, db: DbDep, settings: SettingsDep, now: NowDep) -> Viewer:
    viewer = accounts.resolve_viewer(
        db,
        request.cookies.get(SESSION_COOKIE),
        now=now,
        max_age=timedelta(days=settings.session_max_age_days),
        absolute=timedelta(days=settings.session_absolute_days),
    )
    request.state.viewer = viewer
    return viewer


def get_lang(lang: str) -> str:
    if lang not in LOCALES:
        raise NotFound
    return lang


def get_renderer(request: Request) -> Renderer:
    return request.app.state.renderer  # type: ignore[no-any-return]


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
LangDep = Annotated[str, Depends(get_lang)]
RenderDep = Annotated[Renderer, Depends(get_renderer)]


def get_limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


LimiterDep = Annotated[Limiter, Depends(get_limiter)]
