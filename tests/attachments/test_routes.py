from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Attachment, Comment
from tests import documents
from tests.factories import Factory, sign_in
from tests.html import one, parse


@pytest.fixture
def author(client: TestClient, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    factory.space(slug="papers")
    sign_in(client, alice)


def _post(client: TestClient, name: str, data: bytes, content_type: str) -> object:
    return client.post(
        "/en/spaces/papers/comments",
        data={"body": "Our position paper is attached.", "lang": "en"},
        files={"attachment": (name, data, content_type)},
    )


@pytest.mark.usefixtures("author")
def test_position_paper_is_stored_outside_web_root_and_downloaded_as_attachment(
    client: TestClient, db: Session, settings: Settings
) -> None:
    paper = documents.docx()
    response = _post(client, "Our paper.docx", paper, "application/octet-stream")
    assert response.status_code == 303
    attachment = db.scalar(select(Attachment))
    assert attachment is not None
    assert attachment.filename == "Our paper.docx"
    assert attachment.stored_name != "Our paper.docx"
    stored = next(Path(settings.upload_dir).rglob(attachment.stored_name))
    assert stored.read_bytes() == paper
    page = parse(client.get("/en/spaces/papers").text)
    link = one(page, ".files a")
    download = client.get(link.attributes["href"])
    assert download.status_code == 200
    assert download.content == paper
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


@pytest.mark.usefixtures("author")
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("paper.pdf", documents.HTML),
        ("photo.pdf", documents.PNG),
        ("x.docx", documents.plain_zip()),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_the_text_kept(
    client: TestClient, db: Session, name: str, data: bytes
) -> None:
    response = _post(client, name, data, "application/pdf")
    assert response.status_code == 422
    tree = parse(response.text)
    assert one(tree, "#post-form-attachment-error")
    assert one(tree, "textarea").text() == "Our position paper is attached."
    assert db.scalar(select(Comment).where(Comment.body_md.startswith("Our position"))) is None
    assert db.scalar(select(Attachment)) is None


@pytest.mark.usefixtures("author")
def test_oversized_file_is_refused(client: TestClient, settings: Settings, db: Session) -> None:
    big = documents.PDF + b"0" * settings.max_upload_bytes
    response = _post(client, "big.pdf", big, "application/pdf")
    assert response.status_code == 422
    assert db.scalar(select(Attachment)) is None


def test_unknown_attachment_is_404(client: TestClient) -> None:
    assert client.get("/en/attachments/424242").status_code == 404


@pytest.mark.usefixtures("author")
def test_author_can_add_a_paper_when_editing(client: TestClient, db: Session) -> None:
    _post(client, "first.pdf", documents.PDF, "application/pdf")
    comment = db.scalar(select(Comment).order_by(Comment.id.desc()))
    assert comment is not None
    response = client.post(
        f"/en/comments/{comment.id}/edit",
        data={"body": comment.body_md, "lang": "en"},
        files={"attachment": ("second.odt", documents.odt(), "application/octet-stream")},
    )
    assert response.status_code == 303
    names = sorted(a.filename for a in db.scalars(select(Attachment)))
    assert names == ["first.pdf", "second.odt"]
