"""The administrators' export download and import form."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import i18n
from app.config import Settings
from app.interchange.importer import schema_check
from app.interchange.routes import router
from app.models import Attachment, Comment, Space, User
from tests import documents
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts
from tests.interchange import add_paper, build_rich_space, minimal_document, normalised


@pytest.fixture(autouse=True)
def interchange_routes(app: FastAPI) -> None:
    """Until app.main includes the router."""
    if not any(getattr(route, "name", None) == "interchange_export" for route in app.routes):
        app.include_router(router)


@pytest.fixture
def admin(factory: Factory) -> User:
    return factory.user("Ada Admin", admin=True)


def _upload(client: TestClient, document: Any, *, lang: str = "en", slug: str = "") -> Any:
    body = document if isinstance(document, bytes) else json.dumps(document).encode("utf-8")
    return client.post(
        f"/{lang}/admin/import",
        files={"file": ("space.json", body, "application/json")},
        data={"slug": slug},
    )


def test_admin_downloads_the_export(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    rich = build_rich_space(db, factory, slug="mobility")
    sign_in(client, admin)
    page = parse(client.get("/en/admin/spaces/mobility").text)
    link = one(page, 'a[href="/en/admin/spaces/mobility/export.json"]')
    assert link.text(strip=True) == "Export as interchange JSON"

    response = client.get("/en/admin/spaces/mobility/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="mobility-')
    assert disposition.split(";")[1].strip().endswith('.roundtable.json"')
    assert "no-store" in response.headers["cache-control"]
    document = response.json()
    assert schema_check.schema_problems(document) == []
    assert document["space"]["slug"] == "mobility"
    count = db.scalar(select(func.count()).where(Comment.space_id == rich.space.id))
    assert len(document["comments"]) == count
    assert client.get("/en/admin/spaces/nowhere/export.json").status_code == 404


def test_upload_creates_the_space_and_redirects(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    rich = build_rich_space(db, factory, slug="mobility")
    sign_in(client, admin)
    home = parse(client.get("/en/admin/").text)
    form = one(home, "form#import")
    assert form.attributes["action"] == "/en/admin/import"
    assert form.attributes["enctype"] == "multipart/form-data"
    assert one(form, "#import-file").attributes["name"] == "file"
    assert one(form, "#import-slug").attributes["name"] == "slug"

    exported = client.get("/en/admin/spaces/mobility/export.json").content
    response = _upload(client, exported, slug="mobility-copy")
    assert response.status_code == 303
    assert response.headers["location"] == "/en/admin/spaces/mobility-copy"
    assert client.get(response.headers["location"]).status_code == 200
    again = client.get("/en/admin/spaces/mobility-copy/export.json").json()
    assert normalised(again) == normalised(json.loads(exported))
    assert db.scalar(select(Space.id).where(Space.slug == "mobility-copy")) is not None
    assert rich.space.slug == "mobility"


def test_upload_uses_the_files_address_by_default(client: TestClient, admin: User) -> None:
    sign_in(client, admin)
    response = _upload(client, minimal_document())
    assert response.status_code == 303
    assert response.headers["location"] == "/en/admin/spaces/hand-made"


def _french(message: str, **variables: object) -> str:
    text = i18n.translations("fr").gettext(message)
    return text % variables if variables else text


def test_problems_are_listed_in_the_ui_language_and_nothing_is_imported(
    client: TestClient, db: Session, admin: User
) -> None:
    document = minimal_document()
    document["comments"][1]["parent"] = "elsewhere"
    document["comments"][1]["lang"] = "es"
    document["comments"].append(dict(document["comments"][0]))
    sign_in(client, admin)
    spaces_before = db.scalar(select(func.count()).select_from(Space))
    users_before = db.scalar(select(func.count()).select_from(User))

    response = _upload(client, document, lang="fr", slug="copie")
    assert response.status_code == 422
    page = parse(response.text)
    assert one(page, "html").attributes["lang"] == "fr"
    rows = page.css("#import-problems tbody tr")
    found = [(texts(row, "code")[0], texts(row, "td")[1]) for row in rows]
    assert found == [
        ("comments[1].parent", _french("No comment in this file has this reference.")),
        (
            "comments[1].lang",
            _french(
                "This language is not one of the space's languages (%(languages)s).",
                languages="en, fr",
            ),
        ),
        ("comments[2].ref", _french("Another comment in this file already uses this reference.")),
        ("comments[2].number", _french("Another question already has this number.")),
    ]
    assert one(page, "#import-slug").attributes["value"] == "copie"
    assert db.scalar(select(func.count()).select_from(Space)) == spaces_before
    assert db.scalar(select(func.count()).select_from(User)) == users_before


def test_schema_problems_are_listed_with_their_paths(client: TestClient, admin: User) -> None:
    document = minimal_document()
    document["version"] = "1"
    del document["comments"][0]["status"]
    sign_in(client, admin)
    response = _upload(client, document)
    assert response.status_code == 422
    rows = parse(response.text).css("#import-problems tbody tr")
    assert [texts(row, "td") for row in rows] == [
        ["version", "Expected one of: 1, 2."],
        ["comments[0].status", "This field is missing."],
    ]


def test_form_errors_point_at_their_fields(
    client: TestClient, factory: Factory, admin: User
) -> None:
    factory.space(slug="taken")
    sign_in(client, admin)
    missing = client.post("/en/admin/import", data={"slug": ""})
    assert missing.status_code == 422
    page = parse(missing.text)
    assert texts(page, "#import .error-summary li a") == ["Choose a file to import."]
    assert one(page, "#import .error-summary li a").attributes["href"] == "#import-file"
    assert texts(page, "#import-file-error") == ["Choose a file to import."]
    assert one(page, "#import-file").attributes["aria-invalid"] == "true"
    assert page.css("#import-problems") == []

    not_json = parse(_upload(client, b"<html>").text)
    assert texts(not_json, "#import-file-error") == [
        "The file is not valid JSON (line 1, column 1)."
    ]

    taken = _upload(client, minimal_document(), slug="taken")
    assert taken.status_code == 422
    assert texts(parse(taken.text), "#import-slug-error") == [
        "Another space already uses this address."
    ]
    from_file = _upload(client, minimal_document(slug="taken"))
    rows = parse(from_file.text).css("#import-problems tbody tr")
    assert [texts(row, "td") for row in rows] == [
        ["space.slug", "Another space already uses this address."]
    ]


def test_the_import_page_can_be_opened_on_its_own(client: TestClient, admin: User) -> None:
    sign_in(client, admin)
    page = parse(client.get("/es/admin/import").text)
    assert one(page, "form#import").attributes["action"] == "/es/admin/import"


@pytest.mark.parametrize("who", ["anonymous", "participant", "moderator"])
def test_only_administrators(client: TestClient, db: Session, factory: Factory, who: str) -> None:
    rich = build_rich_space(db, factory, slug="mobility")
    if who == "participant":
        sign_in(client, rich.participants[0])
    elif who == "moderator":
        sign_in(client, rich.moderator)
    assert client.get("/en/admin/spaces/mobility/export.json").status_code == 403
    assert client.get("/en/admin/import").status_code == 403
    response = _upload(client, minimal_document())
    assert response.status_code == 403
    assert db.scalar(select(Space.id).where(Space.slug == "hand-made")) is None


def test_admin_downloads_the_bundle_and_imports_it_as_a_new_space(
    client: TestClient, db: Session, factory: Factory, admin: User, settings: Settings
) -> None:
    rich = build_rich_space(db, factory, slug="mobility")
    add_paper(db, rich.deepest, documents.PDF, "Concept note.pdf", settings.upload_dir)
    sign_in(client, admin)
    page = parse(client.get("/en/admin/spaces/mobility").text)
    link = one(page, 'a[href="/en/admin/spaces/mobility/export.zip"]')
    assert link.text(strip=True) == "Export with position papers (ZIP)"
    assert "download" in link.attributes

    response = client.get("/en/admin/spaces/mobility/export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"].split(";")[1].strip().endswith('.roundtable.zip"')
    )
    assert "no-store" in response.headers["cache-control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("files/1.pdf") == documents.PDF

    # Known by content: the name the browser sends says JSON.
    imported = _upload(client, response.content, slug="mobility-copy")
    assert imported.status_code == 303
    copy = db.scalar(select(Space).where(Space.slug == "mobility-copy"))
    assert copy is not None
    assert copy.note_word_target == 1500
    [paper] = db.scalars(select(Attachment).join(Comment).where(Comment.space_id == copy.id)).all()
    download = client.get(f"/en/attachments/{paper.id}")
    assert download.status_code == 200
    assert download.content == documents.PDF


def test_a_hostile_bundle_lists_its_problems_and_imports_nothing(
    client: TestClient, db: Session, admin: User, settings: Settings
) -> None:
    document = minimal_document()
    data = documents.PDF
    document["comments"][1]["attachments"] = [
        {
            "path": "files/1.pdf",
            "filename": "Paper.pdf",
            "content_type": "application/pdf",
            "size_bytes": len(data),
            "sha256": "0" * 64,
        }
    ]
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("space.json", json.dumps(document))
        archive.writestr("files/1.pdf", data)
        archive.writestr("../../outside.pdf", data)
    sign_in(client, admin)
    spaces_before = db.scalar(select(func.count()).select_from(Space))

    response = _upload(client, body.getvalue(), lang="es")
    assert response.status_code == 422
    rows = parse(response.text).css("#import-problems tbody tr")
    assert [texts(row, "td") for row in rows] == [
        ["../../outside.pdf", _spanish("This name points outside the bundle.")]
    ]
    assert db.scalar(select(func.count()).select_from(Space)) == spaces_before
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.rglob("*.pdf"))


def _spanish(message: str) -> str:
    return i18n.translations("es").gettext(message)
