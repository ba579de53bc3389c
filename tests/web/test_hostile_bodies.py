"""Form bodies that parsers would silently alter: invalid UTF-8, a body cut short by a
Content-Length smaller than what was sent, a text part over the parser's 1 MiB. Each is
refused (or taken whole), in the reader's language, with what was typed given back."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Attachment, Comment
from app.web.csrf import COOKIE as CSRF_COOKIE
from app.web.deps import SESSION_COOKIE
from tests.conftest import BrowserLikeClient
from tests.documents import PDF
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts
from tests.live import serving

BOUNDARY = "RoundtableBoundary"
INVALID = b"a\xc3(b"  # 61 c3 28 62: a lead byte with no continuation


def _multipart(fields: dict[str, bytes], file: bytes | None = None) -> bytes:
    out = b""
    for name, value in fields.items():
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    if file is not None:
        out += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachment"; '
                'filename="paper.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + file
            + b"\r\n"
        )
    return out + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def participant(app: FastAPI, factory: Factory) -> TestClient:
    factory.space(slug="pathways")
    client = BrowserLikeClient(app, follow_redirects=False)
    sign_in(client, factory.user("Ada Participant"))
    return client


def _comments(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Comment)) or 0


@pytest.mark.parametrize("kind", ["multipart", "urlencoded"])
def test_invalid_utf8_is_refused_in_french_with_the_text_given_back(
    participant: TestClient, db: Session, kind: str
) -> None:
    before = _comments(db)
    text = b"Mon avis : " + INVALID + b" sur la mobilit\xc3\xa9."
    if kind == "multipart":
        content = _multipart({"body": text, "lang": b"fr"})
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
    else:
        content = b"body=" + text.replace(b" ", b"+").replace(b":", b"%3A") + b"&lang=fr"
        content_type = "application/x-www-form-urlencoded"
    refused = participant.post(
        "/fr/spaces/pathways/comments", content=content, headers={"Content-Type": content_type}
    )
    assert refused.status_code == 400
    page = parse(refused.text)
    assert texts(page, "[role=alert]")[0].startswith("Une partie de votre texte n’a pas pu")
    box = one(page, "form.resubmit textarea[name=body], form.resubmit input[name=body]")
    kept = box.text() if box.tag == "textarea" else box.attributes["value"]
    assert kept == "Mon avis : a\ufffd(b sur la mobilité."  # not "aÃ(b"
    form = one(page, "form.resubmit")
    assert form.attributes["action"] == "/fr/spaces/pathways/comments"
    assert one(form, "input[name=lang]").attributes["value"] == "fr"
    assert form.css("input[name=csrf_token]") != []
    assert _comments(db) == before

    htmx = participant.post(
        "/fr/spaces/pathways/comments",
        content=content,
        headers={"Content-Type": content_type, "HX-Request": "true"},
    )
    assert htmx.status_code == 400
    assert htmx.headers["HX-Retarget"] == "#alerts"
    assert texts(parse(htmx.text), "[role=alert] p")[0].startswith("Une partie de votre texte")
    assert _comments(db) == before


def test_a_translation_in_invalid_utf8_is_refused(
    participant: TestClient, db: Session, factory: Factory
) -> None:
    space = factory.space(slug="other")
    comment = factory.comment(space, factory.user("Bea Author"), "Hello.")
    refused = participant.post(
        f"/es/comments/{comment.id}/translate",
        content=b"body=Hola+" + INVALID.replace(b"\xc3", b"%C3") + b"&lang=es",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 400
    assert texts(parse(refused.text), "[role=alert]")[0].startswith("No se pudo leer")


def test_a_text_part_over_one_mebibyte_reaches_the_form_and_comes_back(
    participant: TestClient, db: Session, settings: Settings
) -> None:
    """Over the parsers' 1 MiB per part but within the request limit: the comment's own
    length rule answers (422, text kept), not "this form has expired" (403) or a bare 400."""
    long = ("Une phrase assez longue. " * 45_000).strip()
    assert 1024 * 1024 < len(long) < settings.max_request_bytes
    content = _multipart({"body": long.encode(), "lang": b"fr"})
    for headers in ({}, {"HX-Request": "true"}):
        response = participant.post(
            "/fr/spaces/pathways/comments",
            content=content,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"} | headers,
        )
        assert response.status_code == 422, response.text[:300]
        page = parse(response.text)
        assert one(page, "textarea[name=body]").text().strip() == long
        assert page.css(".error, [role=alert], .field-error") != []


def _raw_post(base: str, path: str, cookies: dict[str, str], head: bytes, body: bytes) -> bytes:
    """Send `head` (request line and headers) then `body` as they are, and read the answer."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_body_longer_than_its_content_length_is_refused_by_a_real_server(
    app: FastAPI, participant: TestClient, db: Session
) -> None:
    before = (_comments(db), db.scalar(select(func.count()).select_from(Attachment)))
    body = _multipart(
        {"body": b"A comment with its paper.", "lang": b"en"}, file=PDF + b"%" * 40_000
    )
    lie = len(body) // 2  # the file and the closing delimiter are past what is declared
    cookies = {k: participant.cookies.get(k) or "" for k in (SESSION_COOKIE, CSRF_COOKIE)}
    with serving(app) as base:
        host = urlsplit(base).netloc
        head = (
            f"POST /en/spaces/pathways/comments HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {lie}\r\n"
            f"Cookie: {SESSION_COOKIE}={cookies[SESSION_COOKIE]}; "
            f"{CSRF_COOKIE}={cookies[CSRF_COOKIE]}\r\n"
            f"X-CSRF-Token: {cookies[CSRF_COOKIE]}\r\nConnection: close\r\n\r\n"
        ).encode()
        answer = _raw_post(base, "/en/spaces/pathways/comments", cookies, head, body)
    status = int(answer.split(b" ", 2)[1])
    assert status == 400, answer[:500]
    assert b"The form arrived incomplete" in answer
    db.expire_all()
    after = (_comments(db), db.scalar(select(func.count()).select_from(Attachment)))
    assert after == before


def test_a_truncated_body_is_refused_through_the_asgi_app(
    participant: TestClient, db: Session
) -> None:
    before = _comments(db)
    body = _multipart({"body": b"With a paper.", "lang": b"en"}, file=PDF)
    cut = body[: body.index(b"filename=")]
    response = participant.post(
        "/en/spaces/pathways/comments",
        content=cut,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 400
    page = parse(response.text)
    assert texts(page, "[role=alert]")[0].startswith("The form arrived incomplete")
    assert one(page, "form.resubmit textarea[name=body], form.resubmit input[name=body]")
    assert _comments(db) == before
