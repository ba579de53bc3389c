"""Every state-changing request needs this site's origin and the CSRF token."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Comment
from tests.factories import PASSWORD, Factory
from tests.html import parse, texts


@pytest.fixture
def plain(app: FastAPI) -> TestClient:
    """A client that sends only what it is told to, like a forged cross-site form."""
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def alice(factory: Factory) -> dict:
    user = factory.user("Alice Achieng")
    factory.space(slug="pathways")
    return {"user": user}


def _sign_in(plain: TestClient, alice: dict) -> str:
    token = plain.get("/en/sign-in").cookies["rt_csrf"]
    response = plain.post(
        "/en/sign-in",
        data={"email": alice["user"].email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    return token


def test_the_token_cookie_is_set_http_only_and_lax(plain: TestClient) -> None:
    cookie = plain.get("/en/").headers["set-cookie"]
    assert cookie.startswith("rt_csrf=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_post_without_the_token_is_refused(plain: TestClient, alice: dict) -> None:
    plain.get("/fr/sign-in")
    response = plain.post("/fr/sign-in", data={"email": alice["user"].email, "password": PASSWORD})
    assert response.status_code == 403
    assert texts(parse(response.text), "main p")[0].startswith("Ce formulaire a expiré")
    assert plain.post("/api/v1/spaces/pathways/comments", json={"body": "x"}).status_code == 403


def test_form_field_and_htmx_header_both_work(plain: TestClient, db: Session, alice: dict) -> None:
    token = _sign_in(plain, alice)
    form = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "By plain form.", "lang": "en", "csrf_token": token},
    )
    assert form.status_code == 303
    htmx = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "By htmx.", "lang": "en"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert htmx.status_code == 200
    upload = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "With a multipart form.", "lang": "en", "csrf_token": token},
        files={"attachment": ("", b"", "application/octet-stream")},
    )
    assert upload.status_code == 303
    bodies = db.scalars(select(Comment.body_md).order_by(Comment.id)).all()
    assert bodies == ["By plain form.", "By htmx.", "With a multipart form."]


def test_wrong_token_or_foreign_origin_is_refused(
    plain: TestClient, db: Session, alice: dict
) -> None:
    token = _sign_in(plain, alice)
    wrong = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "x", "lang": "en", "csrf_token": "A" * 43},
    )
    assert wrong.status_code == 403
    foreign = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "x", "lang": "en", "csrf_token": token},
        headers={"Origin": "https://attacker.example"},
    )
    assert foreign.status_code == 403
    same = plain.post(
        "/en/spaces/pathways/comments",
        data={"body": "Same origin.", "lang": "en", "csrf_token": token},
        headers={"Origin": "http://testserver"},
    )
    assert same.status_code == 303
    assert db.scalars(select(Comment.body_md)).all() == ["Same origin."]


def test_every_post_form_carries_the_token(plain: TestClient, factory: Factory) -> None:
    admin = factory.user("Ada Admin", admin=True)
    factory.space(slug="pathways", moderators=(admin,))
    token = plain.get("/en/sign-in").cookies["rt_csrf"]
    plain.post(
        "/en/sign-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}
    )
    for path in ["/en/spaces/pathways", "/en/admin/", "/en/spaces/pathways/settings"]:
        page = parse(plain.get(path).text)
        forms = page.css("form[method=post]")
        assert forms, path
        for form in forms:
            values = [i.attributes.get("value") for i in form.css("input[name=csrf_token]")]
            assert values == [token], (path, form.attributes.get("action"))
        assert token in (page.body.attributes.get("hx-headers") or "") if page.body else False
