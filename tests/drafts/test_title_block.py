"""A note's title block: prefilled, edited with the draft, versioned, exported at the top."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.drafts.syntax import Content
from app.models import DraftRevision, NoteDraft
from tests.exports.background import made_in_background
from tests.exports.readers import docx_ast, docx_part, libreoffice, markdown_ast, plain
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

BLOCK = {
    "block_meeting": "Regional review on labour migration",
    "block_dates": "4–5 May 2026",
    "block_place": "Bangkok, Thailand",
    "block_symbol": "RRM/2026/BN.1",
    "block_date": "2026-04-20",
}


@pytest.fixture
def world(factory: Factory, client: TestClient) -> dict:
    mona = factory.user("Moderator Mona")
    space = factory.space(
        slug="pathways",
        titles={"en": "Consultation on pathways", "fr": "Consultation sur les voies"},
        moderators=(mona,),
    )
    sign_in(client, mona)
    return {"space": space}


def _create(client: TestClient, lang: str = "en", template: str = "background-note") -> str:
    response = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": template, "title": "Widening pathways", "lang": lang},
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _draft(db: Session, url: str) -> NoteDraft:
    db.expire_all()
    return db.get_one(NoteDraft, int(url.rsplit("/", 1)[1]))


def _form(draft: NoteDraft, **fields: str) -> dict[str, str]:
    content = Content.of(draft.content)
    form = {"title": draft.title, "base_version": str(draft.version)}
    form |= {f"section_{key}": text for key, text in content.sections.items()}
    form |= {f"block_{key}": value for key, value in content.title_block.items()}
    return form | fields


def _fields(page: str) -> dict[str, str]:
    tree = parse(page)
    return {
        name: str(one(tree, f"#draft-block_{name}").attributes.get("value") or "")
        for name in ("meeting", "dates", "place", "symbol", "date")
    }


def test_a_new_draft_names_the_meeting_as_the_space_in_its_language(
    client: TestClient, db: Session, world: dict
) -> None:
    fields = _fields(client.get(_create(client, lang="fr")).text)
    assert fields == {
        "meeting": "Consultation sur les voies",
        "dates": "",
        "place": "",
        "symbol": "",
        "date": "",
    }


def test_the_next_draft_takes_the_title_block_of_the_latest_in_its_language(
    client: TestClient, db: Session, world: dict
) -> None:
    first = _create(client)
    assert client.post(first, data=_form(_draft(db, first), **BLOCK)).status_code == 303
    second = _fields(client.get(_create(client, template="summary-of-conclusions")).text)
    # Everything but the date, which belongs to each note.
    assert second == {k.removeprefix("block_"): v for k, v in BLOCK.items()} | {"date": ""}
    # Another language starts from the space again: its words are the note's own.
    assert _fields(client.get(_create(client, lang="fr")).text)["place"] == ""


def test_the_title_block_heads_the_markdown_and_the_docx(
    app: FastAPI,
    client: TestClient,
    db: Session,
    world: dict,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = _create(client)
    form = _form(_draft(db, url), **BLOCK, section_background="Skills matter.")
    assert client.post(url, data=form).status_code == 303
    markdown = client.get(url + "/export.md").text
    ast = markdown_ast(markdown)
    assert plain(ast["meta"]["date"]) == "20 April 2026"  # the note's date, not the export's
    top = ast["blocks"][:3]
    assert [b["t"] for b in top] == ["Para", "Para", "Para"]
    assert plain(top[0]) == "RRM/2026/BN.1"
    assert [i["t"] for i in top[1]["c"]] == ["Emph"]
    assert plain(top[1]) == "Regional review on labour migration, 4–5 May 2026"
    assert [i["t"] for i in top[2]["c"]] == ["Emph"]
    assert plain(top[2]) == "Bangkok, Thailand"
    assert ast["blocks"][3]["t"] == "Header"

    document = made_in_background(app, client, url + "/export.docx").content
    read = docx_ast(document)
    assert plain(read["meta"]["title"]) == "Widening pathways"
    assert plain(read["meta"]["date"]) == "20 April 2026"
    assert [plain(b) for b in read["blocks"][:3]] == [
        "RRM/2026/BN.1",
        "Regional review on labour migration, 4–5 May 2026",
        "Bangkok, Thailand",
    ]
    assert "RRM/2026/BN.1" in docx_part(document, "docProps/core.xml")  # the file's subject
    text = libreoffice(tmp_path_factory).text(document)
    assert text.index("RRM/2026/BN.1") < text.index("Bangkok, Thailand") < text.index("Skills")


def test_a_french_title_block_follows_french_typography(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client, lang="fr")
    form = _form(
        _draft(db, url), block_place="Genève : Palais des Nations", block_date="2026-05-04"
    )
    assert client.post(url, data=form).status_code == 303
    ast = markdown_ast(client.get(url + "/export.md").text)
    assert plain(ast["meta"]["date"]) == "4 mai 2026"
    assert "Genève\u00a0: Palais des Nations" in [plain(b) for b in ast["blocks"][:3]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("block_date", "2026-02-30"),
        ("block_date", "next Tuesday"),
        ("block_date", "1066-10-14"),
        ("block_symbol", "X" * 61),
        ("block_meeting", "A meeting\x00with a NUL"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_typed_is_lost(
    client: TestClient, db: Session, world: dict, field: str, value: str
) -> None:
    url = _create(client, lang="fr")
    draft = _draft(db, url)
    form = _form(draft, **BLOCK, section_background="Mes mots soignés.") | {field: value}
    response = client.post(url.replace("/en/", "/fr/"), data=form)
    assert response.status_code == 422
    tree = parse(response.text)
    [message] = texts(tree, f"#draft-{field}-error")
    assert message
    links = [a.attributes["href"] for a in tree.css("#draft .error-summary a")]
    assert links == [f"#draft-{field}"]
    english = parse(client.post(url, data=form).text)
    assert texts(english, f"#draft-{field}-error") != [message]  # the French page said it in French
    kept = _fields(response.text)
    for name, typed in BLOCK.items():
        if name != field:
            assert kept[name.removeprefix("block_")] == typed
    assert one(tree, "#draft-section_background").text() == "Mes mots soignés."
    assert _draft(db, url).version == draft.version  # nothing was saved


def test_each_version_keeps_its_own_title_block(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    assert client.post(url, data=_form(_draft(db, url), **BLOCK)).status_code == 303
    assert client.post(url, data=_form(_draft(db, url), block_place="Manila")).status_code == 303
    revisions = db.scalars(select(DraftRevision).order_by(DraftRevision.version)).all()
    places = [Content.of(r.content).title_block.get("place", "") for r in revisions]
    assert places == ["", "Bangkok, Thailand", "Manila"]
    old = markdown_ast(client.get(f"{url}/versions/2/export.md").text)
    assert "Bangkok, Thailand" in [plain(b) for b in old["blocks"][:3]]
    compare = parse(client.get(f"{url}/compare?old=2&new=3").text)
    changed = " ".join(texts(compare, "#compare-title-block ins"))
    assert "Manila" in changed
    assert "Bangkok" in " ".join(texts(compare, "#compare-title-block del"))


def test_a_stale_save_keeps_a_title_block_it_did_not_change(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    stale = _form(_draft(db, url))
    assert client.post(url, data=_form(_draft(db, url), **BLOCK)).status_code == 303
    response = client.post(url, data=stale | {"section_objectives": "Mine."})
    assert response.status_code == 303
    content = Content.of(_draft(db, url).content)
    assert content.title_block["symbol"] == "RRM/2026/BN.1"
    assert content.sections["objectives"] == "Mine."


def test_an_approved_title_block_can_only_be_read(
    client: TestClient, db: Session, world: dict
) -> None:
    url = _create(client)
    assert client.post(url, data=_form(_draft(db, url), **BLOCK)).status_code == 303
    for state in ("in-review", "approved"):
        assert client.post(f"{url}/state", data={"to": state}).status_code == 303
    tree = parse(client.get(url).text)
    assert "disabled" in one(tree, "#draft-title-block").attributes
    response = client.post(url, data=_form(_draft(db, url), block_place="Elsewhere"))
    assert response.status_code == 422
    assert Content.of(_draft(db, url).content).title_block["place"] == "Bangkok, Thailand"
