"""What the fault tests share: a database of their own, really committed, and its app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.main import create_app
from app.models import Space, User
from app.policy import ANONYMOUS, Purpose, read_as
from tests import own_db
from tests.conftest import BrowserLikeClient
from tests.factories import Factory, sign_in


@dataclass
class Site:
    """A served app on its own database, with one participant and one open space."""

    url: str
    app: FastAPI
    engine: Engine
    author: User
    space: Space
    data_dir: Path

    def client(self, *, signed_in: bool = True, lang: str = "en") -> BrowserLikeClient:
        client = BrowserLikeClient(self.app, follow_redirects=False)
        if signed_in:
            sign_in(client, self.author, lang)
        return client


def seed(url: str) -> tuple[User, Space]:
    engine = create_db_engine(url)
    try:
        with transaction(make_session_factory(engine)) as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            factory = Factory(db)
            author = factory.user()
            space = factory.space(slug="faults")
        return author, space
    finally:
        engine.dispose()


def build_site(tmp_path: Path, suffix: str) -> Iterator[Site]:
    url = own_db.create(tmp_path, suffix)
    author, space = seed(url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, rate_limits=False)
    app = create_app(settings)
    try:
        yield Site(url, app, app.state.engine, author, space, settings.data_dir)
    finally:
        app.state.engine.dispose()
        own_db.drop(url)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    yield from build_site(tmp_path, "faults")


def post(client: TestClient, text: str, *, lang: str = "en", **extra: object) -> object:
    return client.post(
        f"/{lang}/spaces/faults/comments", data={"body": text, "lang": lang, **extra}
    )
