"""Who may do and see what: every role against every action and read channel.

Each cell is the status code (or, for listings, whether the content shows) that a
role must get. Hidden and pending content must never reach anyone but its author
and the space's moderators (and administrators).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.attachments import storage
from app.config import Settings
from app.models import Attachment, Ban, Flag
from app.models.comments import CommentStatus
from tests.factories import Factory, sign_in
from tests.html import parse

ROLES = (
    "anonymous",
    "participant",
    "author",
    "flagger",
    "banned",
    "moderator",
    "other_moderator",
    "admin",
)
SECRET = "Confidential draft wording"


@pytest.fixture
def world(factory: Factory, db: Session, settings: Settings) -> dict[str, Any]:
    people = {role: factory.user(f"Person {role}") for role in ROLES if role != "anonymous"}
    people["admin"].is_admin = True
    space = factory.space(slug="pathways", moderators=(people["moderator"],))
    factory.space(slug="elsewhere", moderators=(people["other_moderator"],))
    question = factory.question(space, people["moderator"], "How can pathways be widened?")
    published = factory.comment(space, people["author"], "Published words.", parent=question)
    pending = factory.comment(space, people["author"], SECRET + " (pending)", parent=question)
    hidden = factory.comment(space, people["author"], SECRET + " (hidden)", parent=question)
    pending.status = CommentStatus.PENDING
    hidden.status = CommentStatus.HIDDEN
    hidden.moderated_at = datetime.now(UTC)
    now = datetime.now(UTC)
    db.add(Flag(comment_id=published.id, user_id=people["flagger"].id, reason="spam"))
    db.add(
        Ban(
            user_id=people["banned"].id,
            space_id=space.id,
            reason="Abuse",
            starts_at=now,
            created_by_id=people["moderator"].id,
        )
    )
    stored = storage.new_name()
    storage.write(settings.upload_dir, stored, b"%PDF-1.7 secret position paper")
    paper = Attachment(
        comment_id=hidden.id,
        uploader_id=people["author"].id,
        stored_name=stored,
        filename="paper.pdf",
        content_type="application/pdf",
        size_bytes=30,
        sha256="0" * 64,
    )
    db.add(paper)
    db.flush()
    return {
        "people": people,
        "published": published,
        "pending": pending,
        "hidden": hidden,
        "paper": paper,
    }


Check = Callable[[TestClient, dict[str, Any]], object]


def _get(path: str) -> Check:
    return lambda client, w: client.get(path.format(**_ids(w))).status_code


def _post(path: str, data: dict[str, str]) -> Check:
    def check(client: TestClient, w: dict[str, Any]) -> object:
        form = {k: v.format(**_ids(w)) for k, v in data.items()}
        return client.post(path.format(**_ids(w)), data=form).status_code

    return check


def _ids(w: dict[str, Any]) -> dict[str, int]:
    return {
        "published": w["published"].id,
        "pending": w["pending"].id,
        "hidden": w["hidden"].id,
        "paper": w["paper"].id,
    }


def _secret_on_page(client: TestClient, _w: dict[str, Any]) -> object:
    page = parse(client.get("/en/spaces/pathways").text)
    return SECRET in page.body.text() if page.body else False


def _secret_in_json(client: TestClient, _w: dict[str, Any]) -> object:
    return SECRET in client.get("/api/v1/spaces/pathways/comments").text


def _row(*codes: object) -> dict[str, object]:
    return dict(zip(ROLES, codes, strict=True))


#                 anon   part   author flagger banned mod    other  admin
MATRIX: dict[str, tuple[Check, dict[str, object]]] = {
    "read hidden permalink": (
        _get("/en/comments/{hidden}"),
        _row(404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "read hidden history": (
        _get("/en/comments/{hidden}/history"),
        _row(404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "read hidden htmx card": (
        lambda c, w: (
            c.get(f"/en/comments/{w['hidden'].id}", headers={"HX-Request": "true"}).status_code
        ),
        _row(404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "download a hidden comment's file": (
        _get("/en/attachments/{paper}"),
        _row(404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "read pending permalink": (
        _get("/en/comments/{pending}"),
        _row(404, 404, 200, 404, 404, 200, 404, 200),
    ),
    "secret words on the space page": (
        _secret_on_page,
        _row(False, False, True, False, False, True, False, True),
    ),
    "secret words in the JSON API": (
        _secret_in_json,
        _row(False, False, True, False, False, True, False, True),
    ),
    "post a comment": (
        _post("/en/spaces/pathways/comments", {"body": "New view", "lang": "en"}),
        _row(403, 303, 303, 303, 422, 303, 303, 303),
    ),
    "reply to a hidden comment": (
        _post(
            "/en/spaces/pathways/comments", {"body": "Hi", "lang": "en", "parent_id": "{hidden}"}
        ),
        _row(403, 404, 422, 404, 404, 422, 404, 422),
    ),
    "edit someone's comment": (
        _get("/en/comments/{published}/edit"),
        _row(403, 403, 200, 403, 403, 403, 403, 403),
    ),
    "edit a hidden comment": (
        _get("/en/comments/{hidden}/edit"),
        _row(404, 404, 403, 404, 404, 403, 404, 403),
    ),
    "open the report form": (
        _get("/en/comments/{published}/report"),
        _row(403, 200, 403, 200, 403, 200, 200, 200),
    ),
    "report a comment": (
        _post("/en/comments/{published}/report", {"reason": "spam"}),
        _row(403, 200, 422, 422, 422, 200, 200, 200),
    ),
    "open moderation tools": (
        _get("/en/comments/{published}/moderate"),
        _row(403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "moderation tools of hidden": (
        _get("/en/comments/{hidden}/moderate"),
        _row(404, 404, 403, 404, 404, 200, 404, 200),
    ),
    "hide a comment": (
        _post("/en/comments/{published}/moderate", {"action": "hide", "reason": "r"}),
        _row(403, 403, 403, 403, 403, 303, 403, 303),
    ),
    "approve a pending comment": (
        _post("/en/comments/{pending}/moderate", {"action": "approve"}),
        _row(404, 404, 403, 404, 404, 303, 404, 303),
    ),
    "bulk action": (
        _post("/en/spaces/pathways/moderation", {"ids": "{pending}", "action": "approve"}),
        _row(403, 403, 403, 403, 403, 303, 403, 303),
    ),
    "suspend the author": (
        _post("/en/comments/{published}/ban", {"reason": "r"}),
        _row(403, 403, 403, 403, 403, 303, 403, 303),
    ),
    "moderation queue": (
        _get("/en/spaces/pathways/moderation"),
        _row(403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "moderation home": (_get("/en/moderation"), _row(403, 403, 403, 403, 403, 200, 200, 200)),
    "space audit log": (
        _get("/en/spaces/pathways/audit"),
        _row(403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "space settings": (
        _get("/en/spaces/pathways/settings"),
        _row(403, 403, 403, 403, 403, 200, 403, 200),
    ),
    "close the space": (
        _post("/en/spaces/pathways/close", {}),
        _row(403, 403, 403, 403, 403, 303, 403, 303),
    ),
    "transparency page": (
        _get("/en/spaces/pathways/transparency"),
        _row(200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "administration": (_get("/en/admin/"), _row(403, 403, 403, 403, 403, 403, 403, 200)),
    "accounts": (_get("/en/admin/users"), _row(403, 403, 403, 403, 403, 403, 403, 200)),
    "site-wide audit log": (_get("/en/admin/audit"), _row(403, 403, 403, 403, 403, 403, 403, 200)),
    "create a space": (
        _post("/en/admin/spaces", {"slug": "new-one", "original_lang": "en", "title_en": "New"}),
        _row(403, 403, 403, 403, 403, 403, 403, 303),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_authorisation_matrix(
    client: TestClient, world: dict[str, Any], role: str, action: str
) -> None:
    check, expected = MATRIX[action]
    if role != "anonymous":
        sign_in(client, world["people"][role])
    assert check(client, world) == expected[role]
