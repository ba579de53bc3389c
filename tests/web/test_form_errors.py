"""A refused form keeps nothing of what its request changed, and answers with its form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.errors import FormErrors, NotFound, Stale
from app.models import Space
from app.web import form_errors
from app.web.deps import DbDep
from app.web.form_errors import redraw_if_refused, status_of

REFUSALS: dict[str, Callable[[str], Exception]] = {
    "invalid": lambda slug: FormErrors({"slug": f"{slug}: invalid"}),
    "stale": lambda slug: Stale({"slug": f"{slug}: stale"}),
    "missing": lambda _slug: NotFound(),
}


@pytest.fixture
def refusing(session_factory: sessionmaker[Session]) -> TestClient:
    """An app with one form: it stores a space, then its service refuses as asked."""
    app = FastAPI()
    app.state.session_factory = session_factory
    form_errors.install(app)

    @app.exception_handler(NotFound)
    async def _not_found(_request: object, _exc: NotFound) -> Response:
        return PlainTextResponse("not found", status_code=404)

    @app.post("/spaces/{slug}")
    def create(slug: str, db: DbDep, refusal: str = "") -> Response:
        def redraw(refused: FormErrors) -> Response:
            return PlainTextResponse(refused.errors["slug"], status_code=status_of(refused))

        with redraw_if_refused(redraw):
            db.add(Space(slug=slug, original_lang="en", languages="en", opens_at=datetime.now(UTC)))
            db.flush()
            if refusal:
                raise REFUSALS[refusal](slug)
        return Response(status_code=204)

    return TestClient(app)


def _stored(db: Session, slug: str) -> bool:
    return db.scalar(select(Space.id).where(Space.slug == slug)) is not None


@pytest.mark.parametrize(("refusal", "status"), [("invalid", 422), ("stale", 409)])
def test_a_refused_form_is_drawn_again_and_nothing_is_kept(
    refusing: TestClient, db: Session, refusal: str, status: int
) -> None:
    response = refusing.post("/spaces/refused", params={"refusal": refusal})
    assert (response.status_code, response.text) == (status, f"refused: {refusal}")
    assert not _stored(db, "refused")
    assert refusing.post("/spaces/accepted").status_code == 204
    assert _stored(db, "accepted")


def test_other_errors_pass_through_to_their_own_pages(refusing: TestClient, db: Session) -> None:
    response = refusing.post("/spaces/gone", params={"refusal": "missing"})
    assert (response.status_code, response.text) == (404, "not found")
    assert not _stored(db, "gone")
