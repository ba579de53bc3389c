"""Draft exports: footnoted Markdown and a Word file that real readers understand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import i18n
from app.models import CommentTranslation, NoteDraft, User
from tests.exports.background import made_in_background
from tests.exports.readers import docx_ast, docx_part, libreoffice, markdown_ast, plain, walk
from tests.factories import Factory, sign_in
from tests.html import parse, texts

HOSTILE = "<script>alert(1)</script> # not a heading [link](javascript:x) {=openxml} `code` *x*"


@pytest.fixture
def drafted(client: TestClient, db: Session, factory: Factory) -> dict:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways", moderators=(mona,))
    question = factory.question(space, mona, "Which pathways?")
    comment = factory.comment(space, alice, "Skills partnerships work.", parent=question)
    sign_in(client, mona)
    response = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": "background-note", "title": "Widening pathways", "lang": "en"},
    )
    url = response.headers["location"]
    draft = db.scalars(select(NoteDraft)).one()
    client.post(
        url,
        data={
            "title": "Widening pathways",
            "base_version": str(draft.version),
            "section_background": f"Participants valued skills partnerships [c:{comment.id}].\n\n"
            "A second paragraph.",
            "section_objectives": f"A third paragraph.\n\n> {HOSTILE} [c:{comment.id}]",
            "section_guiding-questions": "## Which pathways next?\n- faster recognition",
        },
    )
    return {"url": url, "space": space, "comment": comment}


def test_markdown_has_numbered_paragraphs_across_sections_and_footnotes(
    client: TestClient, drafted: dict
) -> None:
    response = client.get(drafted["url"] + "/export.md")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "private, no-store"
    ast = markdown_ast(response.text)
    headers = [plain(h) for h in walk(ast["blocks"]) if h["t"] == "Header"]
    assert headers == ["Background", "Objectives", "Guiding questions", "Which pathways next?"]
    numbered = [b for b in walk(ast["blocks"], notes=False) if b["t"] == "OrderedList"]
    starts = [lst["c"][0][0] for lst in numbered]
    assert starts == [1, 3]  # (1) (2) in Background, (3) continues in Objectives
    notes = [plain(n) for n in walk(ast["blocks"]) if n["t"] == "Note"]
    assert len(notes) == 2
    assert notes[0].startswith("Alice Achieng, ")
    assert f"/en/comments/{drafted['comment'].id}" in notes[0]
    # What people wrote stays text: no raw HTML, link, code or emphasis was created from it
    # (the title block's lines above the first heading are in italics by design).
    first_heading = next(n for n, b in enumerate(ast["blocks"]) if b["t"] == "Header")
    found = {e["t"] for e in walk(ast["blocks"][first_heading:], notes=False)}
    assert not found & {"RawInline", "RawBlock", "Link", "Code", "Emph", "CodeBlock"}
    assert HOSTILE in plain(ast["blocks"], notes=False)


def test_chatham_house_drafts_name_nobody(client: TestClient, db: Session, drafted: dict) -> None:
    drafted["space"].attribution = "chatham-house"
    db.flush()
    text = client.get(drafted["url"] + "/export.md").text
    notes = [plain(n) for n in walk(markdown_ast(text)["blocks"]) if n["t"] == "Note"]
    assert notes[0].startswith("A participant, ")
    assert notes[1:] == ["Ibid."]  # the same source, cited again right after itself
    assert "Alice" not in text


def test_docx_survives_pandoc_and_libreoffice(
    app: FastAPI, client: TestClient, drafted: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    response = made_in_background(app, client, drafted["url"] + "/export.docx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = response.content
    ast = docx_ast(document)
    headers = [plain(h) for h in walk(ast["blocks"]) if h["t"] == "Header"]
    assert "Background" in headers
    assert "Objectives" in headers
    assert len([n for n in walk(ast["blocks"]) if n["t"] == "Note"]) == 2
    assert "<w:footnoteReference" in docx_part(document, "word/document.xml")
    assert "Widening pathways" in docx_part(document, "docProps/core.xml")
    assert "w:instrText" not in docx_part(document, "word/document.xml")  # no fields
    text = libreoffice(tmp_path_factory).text(document)
    assert "Participants valued skills partnerships" in text
    assert "Alice Achieng" in text  # the footnote, as LibreOffice lays it out
    assert HOSTILE.split(" # ")[0] in text


def test_exports_are_for_moderators_only(
    client: TestClient, factory: Factory, drafted: dict
) -> None:
    sign_in(client, factory.user("Someone Else"))
    assert client.get(drafted["url"] + "/export.md").status_code == 404
    assert client.get(drafted["url"] + "/export.pdf").status_code == 404


def test_summary_of_conclusions_numbers_headlines_with_their_bullets(
    client: TestClient, db: Session, drafted: dict
) -> None:
    response = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": "summary-of-conclusions", "title": "Conclusions", "lang": "en"},
    )
    url = response.headers["location"]
    draft = db.scalars(
        select(NoteDraft).where(NoteDraft.template == "summary-of-conclusions")
    ).one()
    text = "## Pathways must widen\n- for workers\n- for students\n\n## Fees must fall\n- now"
    client.post(
        url,
        data={
            "title": "Conclusions",
            "base_version": str(draft.version),
            "section_conclusions": text,
        },
    )
    ast = markdown_ast(client.get(url + "/export.md").text)
    lists = [b for b in walk(ast["blocks"], notes=False) if b["t"] == "OrderedList"]
    items = [item for lst in lists for item in lst["c"][1]]
    assert [plain(item[0]) for item in items] == ["Pathways must widen", "Fees must fall"]
    assert [lst["c"][0][0] for lst in lists] == [1, 2][: len(lists)]
    bullets = [
        [plain(b) for b in block["c"]] for block in walk(items[0]) if block["t"] == "BulletList"
    ]
    assert bullets == [["for workers", "for students"]]


def test_live_word_count(client: TestClient, drafted: dict) -> None:
    response = client.post(
        drafted["url"] + "/words",
        data={"section_background": "one two three [c:1]", "section_objectives": "four"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert texts(parse(response.text), "#word-count") == ["4 of 1,000 words"]


def test_an_export_points_at_published_words_only(
    client: TestClient, db: Session, factory: Factory, drafted: dict
) -> None:
    """A note leaves the site: a source hidden since it was quoted is no longer available,
    for its moderators too, and an id from another space resolves as nothing."""
    elsewhere = factory.space(slug="elsewhere", moderators=(factory.user("Moderator Omar"),))
    stranger = factory.comment(elsewhere, factory.user("Bob Baptiste"), "Another space's words.")
    draft = db.scalars(select(NoteDraft)).one()
    db.refresh(draft)
    client.post(
        drafted["url"],
        data={
            "title": "Widening pathways",
            "base_version": str(draft.version),
            "section_background": f"Skills partnerships [c:{drafted['comment'].id}].",
            "section_objectives": f"From elsewhere [c:{stranger.id}].",
            "section_guiding-questions": "",
        },
    )
    drafted["comment"].status = "hidden"
    db.flush()
    # Never cited silently: the export lists them and asks what to do.
    asked = client.get(drafted["url"] + "/export.md")
    assert asked.status_code == 409
    listed = [n.attributes["id"] for n in parse(asked.text).css("#withdrawn li")]
    assert listed == [f"withdrawn-c-{drafted['comment'].id}", f"withdrawn-c-{stranger.id}"]
    assert texts(parse(asked.text), "#withdrawn .warning") == [
        "Hidden or unpublished.",
        "No longer exists.",
    ]
    marked = client.get(drafted["url"] + "/export.md?withdrawn=mark")
    assert marked.status_code == 200
    notes = [plain(n) for n in walk(markdown_ast(marked.text)["blocks"]) if n["t"] == "Note"]
    assert notes == ["Source withdrawn.", "Source withdrawn."]
    removed = markdown_ast(client.get(drafted["url"] + "/export.md?withdrawn=remove").text)
    assert not [n for n in walk(removed["blocks"]) if n["t"] == "Note"]
    paragraphs = [plain(b) for b in walk(removed["blocks"]) if b["t"] == "Plain"]
    assert "Skills partnerships." in paragraphs  # no stray space where the mark stood
    assert "From elsewhere." in paragraphs
    # The editor still shows its moderators why.
    page = parse(client.get(drafted["url"]).text)
    warnings = {n.attributes["id"]: texts(n, ".warning") for n in page.css(".sources li")}
    assert warnings == {
        f"source-c-{drafted['comment'].id}": [
            "Warning: the source comment is hidden or unpublished."
        ],
        f"source-c-{stranger.id}": ["Warning: the source no longer exists."],
    }


def _draft(client: TestClient, db: Session, slug: str, lang: str, sections: dict) -> str:
    response = client.post(
        f"/en/spaces/{slug}/drafts",
        data={"template": "background-note", "title": "Une note : la mobilité", "lang": lang},
    )
    url = response.headers["location"]
    draft = db.scalars(select(NoteDraft).order_by(NoteDraft.id.desc())).first()
    assert draft is not None
    client.post(
        url,
        data={
            "title": "Une note : la mobilité",
            "base_version": str(draft.version),
            **{f"section_{key}": text for key, text in sections.items()},
        },
    )
    return url


def _notes(ast: dict) -> list[str]:
    return [plain(n) for n in walk(ast["blocks"]) if n["t"] == "Note"]


def test_citations_stay_in_place_and_repeat_as_ibid(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="inplace", moderators=(mona,))
    kate = factory.comment(space, factory.user("Kate Barth"), "Leave no one behind.")
    alice = factory.comment(space, factory.user("Alice Achieng"), "Statistics matter.")
    sign_in(client, mona)
    url = _draft(
        client,
        db,
        "inplace",
        "en",
        {
            "background": f"Leaving no one behind [c:{kate.id}]. Data [c:{kate.id}] "
            f"and statistics [c:{kate.id}][c:{alice.id}] were withheld [c:{alice.id}].",
            "objectives": "1. Which pathways work?",
            "guiding-questions": "",
        },
    )
    markdown = client.get(url + "/export.md").text
    ast = markdown_ast(markdown)
    items = [i for b in ast["blocks"] if b["t"] == "OrderedList" for i in b["c"][1]]
    first = items[0][0]["c"]
    where = [n for n, inline in enumerate(first) if inline["t"] == "Note"]
    # Each mark right after the word or the full stop it follows, no space before it.
    assert [plain(first[n - 1]) for n in where] == ["behind.", "Data", "statistics", "withheld."]
    assert plain(first, notes=False) == (
        "Leaving no one behind. Data and statistics were withheld."
    )
    notes = _notes(ast)
    assert notes[0].startswith("Kate Barth, ")
    assert notes[1] == "Ibid."
    assert notes[2].startswith("Kate Barth, ")
    assert "; Alice Achieng, " in notes[2]
    assert notes[3].startswith("Alice Achieng, ")  # after two sources, not "Ibid."
    # A paragraph stating its own number is numbered once, by the document.
    assert plain(items[1]) == "Which pathways work?"
    assert "\\," not in markdown
    assert "\\." not in markdown


def test_a_french_note_speaks_french(client: TestClient, db: Session, factory: Factory) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(
        slug="francais",
        titles={"en": "Labour mobility", "fr": "La mobilité de la main-d’œuvre"},
        moderators=(mona,),
    )
    susanne = factory.user("Susanne Melde")
    spanish = factory.comment(space, susanne, "Las políticas importan.", lang="es")
    english = factory.comment(space, factory.user("Kate Barth"), "Policies matter.")
    db.add(
        CommentTranslation(
            comment_id=spanish.id,
            lang="fr",
            body_md="Les politiques comptent.",
            body_html="<p>Les politiques comptent.</p>",
        )
    )
    db.flush()
    sign_in(client, mona)
    url = _draft(
        client,
        db,
        "francais",
        "fr",
        {
            "background": f"Elle écrit : « Les politiques comptent » [c:{spanish.id}/fr].\n\n"
            f"Il écrit “Policies matter” [c:{english.id}]; vraiment?",
            "objectives": f"> “Las políticas importan.” [c:{spanish.id}]",
            "guiding-questions": "",
        },
    )
    ast = markdown_ast(client.get(url + "/export.md").text)
    # The subtitle names the space in the note's language, not the page's.
    assert plain(ast["meta"]["subtitle"]).endswith("· La mobilité de la main-d’œuvre")
    notes = _notes(ast)
    assert notes[0].startswith("Susanne Melde, ")
    assert "traduit par l’auteur (original en espagnol)" in notes[0]
    assert f"/fr/comments/{spanish.id}" in notes[0]
    assert "traduit" not in notes[1]
    assert "traduit" not in notes[2]
    items = [i for b in ast["blocks"] if b["t"] == "OrderedList" for i in b["c"][1]]
    second = plain(items[1], notes=False)
    # Guillemets with no-break spaces, and no-break spaces before ; ? in French text.
    assert second == "Il écrit «\u00a0Policies matter\u00a0»\u202f; vraiment\u202f?"
    spans = {
        (plain(s["c"][1]), s["c"][0][2][0][1]) for s in walk(ast["blocks"]) if s["t"] == "Span"
    }
    # Quotes in another language than the note's carry their language; French needs none.
    assert spans == {("Policies matter", "en"), ("Las políticas importan.", "es")}


def test_every_line_of_a_quote_in_another_language_says_it(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="lines", moderators=(mona,))
    spanish = factory.comment(space, factory.user("Ana"), "Primera.\n\nSegunda.", lang="es")
    sign_in(client, mona)
    url = _draft(
        client,
        db,
        "lines",
        "en",
        {"background": f"> “Primera.\n> “Segunda.” [c:{spanish.id}]", "objectives": ""},
    )
    ast = markdown_ast(client.get(url + "/export.md").text)
    spans = [(plain(s["c"][1]), s["c"][0][2]) for s in walk(ast["blocks"]) if s["t"] == "Span"]
    assert spans == [("Primera.", [["lang", "es"]]), ("Segunda.", [["lang", "es"]])]
    quoted = [plain(b, notes=False) for b in walk(ast["blocks"]) if b["t"] == "BlockQuote"]
    assert "“Primera." in quoted[0]


def test_an_edited_source_names_the_wording_it_quotes(
    client: TestClient, db: Session, factory: Factory, drafted: dict
) -> None:
    alice = db.get_one(User, drafted["comment"].author_id)
    comment = factory.comment(drafted["space"], alice, "Skills partnerships work.")
    comment.created_at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    first = factory.comment(drafted["space"], alice, "A first wording.")
    db.flush()
    sign_in(client, alice)
    # The wording the note will quote is written today, after the comment was posted.
    edit = {"body": "Skills partnerships work, and faster.", "lang": "en"}
    assert client.post(f"/en/comments/{comment.id}/edit", data=edit).status_code == 303
    mona = db.scalars(select(User).where(User.display_name == "Moderator Mona")).one()
    sign_in(client, mona)
    draft = db.scalars(select(NoteDraft)).one()
    db.refresh(draft)
    sections = {
        "section_background": f"Faster partnerships [c:{comment.id}]. First words [c:{first.id}].",
        "section_objectives": "",
        "section_guiding-questions": "",
    }
    form = {"title": draft.title, "base_version": str(draft.version), **sections}
    assert client.post(drafted["url"], data=form).status_code == 303
    # Both are edited after the note quoted them.
    sign_in(client, alice)
    for cid in (comment.id, first.id):
        again = {"body": "Something else now.", "lang": "en"}
        assert client.post(f"/en/comments/{cid}/edit", data=again).status_code == 303
    sign_in(client, mona)
    response = client.get(drafted["url"] + "/export.md")
    assert response.status_code == 200  # edited is not withdrawn: nothing to ask
    with i18n.using("en"):
        worded = i18n.format_day(datetime.now(UTC))
        first_day = i18n.format_day(first.created_at)
    notes = [note.split(" http")[0] for note in _notes(markdown_ast(response.text))]
    assert notes == [
        f"Alice Achieng, 5 January 2026, as worded on {worded} (since edited)",
        f"Alice Achieng, {first_day} (since edited)",
    ]


def test_every_export_asks_before_it_cites_a_withdrawn_source(
    app: FastAPI, client: TestClient, db: Session, drafted: dict
) -> None:
    drafted["comment"].status = "hidden"
    db.flush()
    for address in ("/export.docx", "/versions/2/export.md", "/versions/2/export.docx"):
        asked = client.get(drafted["url"] + address)
        assert asked.status_code == 409, address
        choices = [a.attributes["href"] for a in parse(asked.text).css(".choices a")]
        path = drafted["url"] + address
        assert choices == [f"{path}?withdrawn=remove", f"{path}?withdrawn=mark"]
    document = made_in_background(app, client, drafted["url"] + "/export.docx?withdrawn=mark")
    notes = [plain(n) for n in walk(docx_ast(document.content)["blocks"]) if n["t"] == "Note"]
    assert notes == ["Source withdrawn.", "Source withdrawn."]
    removed = made_in_background(app, client, drafted["url"] + "/export.docx?withdrawn=remove")
    assert not [n for n in walk(docx_ast(removed.content)["blocks"]) if n["t"] == "Note"]
