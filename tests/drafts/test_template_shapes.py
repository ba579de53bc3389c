from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import NoteDraft
from tests.exports.background import made_in_background
from tests.exports.readers import docx_ast, libreoffice, markdown_ast
from tests.factories import Factory, sign_in


def test_explore(app: FastAPI, client: TestClient, db: Session, factory: Factory, tmp_path_factory: pytest.TempPathFactory) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="shapes", moderators=(mona,))
    c1 = factory.comment(space, factory.user("Alice Achieng"), "Skills partnerships work.")
    c2 = factory.comment(space, factory.user("Bruno Bianchi"), "Recognition takes too long.")
    sign_in(client, mona)
    texts = {
        "background-note": {
            "background": f"Partnerships on skills [c:{c1.id}] have grown in the region since 2020. More text here.\n\nA second paragraph:\n- bullet one\n- bullet two",
            "objectives": "Objective paragraph.\n\n## Sub heading\n\nAnother.",
            "guiding-questions": "How to widen?",
        },
        "summary-of-conclusions": {
            "conclusions": f"An introduction paragraph.\n\n## Pathways must widen.\n- for workers [c:{c1.id}]\n- for students\n\n## Fees must fall.\n- now\n> a quote [c:{c2.id}]",
        },
        "reporting-template": {
            "session": "The session theme.",
            "questions": f"## What are the priorities?\n- answer one [c:{c1.id}]\n- answer two\n\n## Which practices work?\n- answer three\n> “Quote.” [c:{c2.id}]",
            "recommendations": "## Recommend this\n- because",
        },
        "insight-report": {
            "introduction": "Intro paragraph.\n\nSecond intro.",
            "themes": "## Proposal one: subtitle\nParagraph one.\n\nParagraph two.\n\n## Proposal two\nParagraph three.",
        },
    }
    out = {}
    lo = libreoffice(tmp_path_factory)
    for template, sections in texts.items():
        response = client.post("/en/spaces/shapes/drafts", data={"template": template, "title": template, "lang": "en"})
        url = response.headers["location"]
        draft = db.get_one(NoteDraft, int(url.rsplit("/", 1)[1]))
        r = client.post(url, data={"title": template, "base_version": str(draft.version), **{f"section_{k}": v for k, v in sections.items()}})
        assert r.status_code == 303, r.text[:300]
        md = client.get(url + "/export.md").text
        docx = made_in_background(app, client, url + "/export.docx").content
        out[template] = {"md": md, "md_ast": markdown_ast(md), "docx_ast": docx_ast(docx)}
        (tmp_path_factory.getbasetemp() / f"{template}.docx").write_bytes(docx)
        out[template]["lo_txt"] = lo.convert(docx, "txt:Text (encoded):UTF8").decode("utf-8-sig")
        out[template]["lo_html"] = lo.convert(docx, "html").decode("utf-8", "replace")
    with open("/tmp/shapes/out.json", "w") as f:
        json.dump(out, f, indent=1)
