"""Each note template exports with the shape of the kind of document it is modelled on.

The four templates follow documents a consultation's secretariat writes: a background
note (headed sections, paragraphs numbered on across them, footnotes at the claim), a
summary of conclusions (numbered headline sentences, each with its bullets), a reporting
template (sections, numbered questions, bullet answers, anonymous quotes) and an insight
report (an introduction, then a titled block per proposal). Each test writes a draft
through the app, exports it as Markdown and as DOCX, and reads the shape back: the
Markdown and the DOCX with pandoc (its AST), the DOCX also with LibreOffice (its HTML
export). The title block above the first section is left to tests/drafts/test_title_block.py.

A shape is written compactly: ("h", level, text), ("p", text), ("quote", [blocks]),
("ol", start, [item blocks…]), ("ul", [item blocks…]); in text, MARK stands where a
footnote mark is and **…** for strong emphasis.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser, LexborNode
from sqlalchemy.orm import Session

from app.curation.note_templates import templates
from app.models import Comment, NoteDraft, User
from tests.exports.background import made_in_background
from tests.exports.readers import LibreOffice, docx_ast, libreoffice, markdown_ast, plain, walk
from tests.factories import Factory, sign_in

MARK = "^"

Shape = list[tuple[Any, ...]]


# -- reading a pandoc AST ---------------------------------------------------------------


def _text(inlines: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for inline in inlines:
        kind = inline["t"]
        if kind == "Str":
            parts.append(inline["c"])
        elif kind in ("Space", "SoftBreak"):
            parts.append(" ")
        elif kind == "Note":
            parts.append(MARK)
        elif kind == "Strong":
            parts.append(f"**{_text(inline['c'])}**")
        elif kind in ("Span", "Link"):
            parts.append(_text(inline["c"][1]))
        else:  # anything else shows in the shape, and fails it
            parts.append(f"<{kind}>")
    return "".join(parts)


def _shape(blocks: list[dict[str, Any]]) -> Shape:
    out: Shape = []
    for block in blocks:
        kind = block["t"]
        c: Any = block.get("c")
        if kind == "Header":
            out.append(("h", c[0], _text(c[2])))
        elif kind in ("Para", "Plain"):
            out.append(("p", _text(c)))
        elif kind == "BlockQuote":
            out.append(("quote", _shape(c)))
        elif kind == "OrderedList":
            out.append(("ol", c[0][0], [_shape(item) for item in c[1]]))
        elif kind == "BulletList":
            out.append(("ul", [_shape(item) for item in c]))
        else:
            out.append((kind,))
    return out


def _body(ast: dict[str, Any], first_section: str) -> Shape:
    """The shape from the first section's heading on (the title block comes before)."""
    blocks = ast["blocks"]
    start = next(
        n
        for n, b in enumerate(blocks)
        if b["t"] == "Header" and b["c"][0] == 2 and plain(b["c"][2]) == first_section
    )
    return _shape(blocks[start:])


def _notes(ast: dict[str, Any]) -> list[str]:
    return [plain(note) for note in walk(ast["blocks"]) if note["t"] == "Note"]


# -- reading LibreOffice's HTML export ----------------------------------------------------


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split()


def _office_text(node: LexborNode) -> str:
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            parts.append(child.text())
        elif child.tag in ("ol", "ul") or "sdfootnotesym" in _classes(child):
            continue
        elif "sdfootnoteanc" in _classes(child):
            parts.append(MARK)
        elif child.tag == "b":
            parts.append(f"**{_office_text(child)}**")
        else:
            parts.append(_office_text(child))
    return " ".join("".join(parts).split())


def _office_list(node: LexborNode, depth: int) -> Shape:
    out: Shape = []
    number = int(node.attributes.get("start") or 1)
    for child in node.iter():
        if child.tag in ("ol", "ul"):
            out.extend(_office_list(child, depth + 1))
        elif child.tag == "li":
            if node.tag == "ol":
                number = int(child.attributes.get("value") or number)
                out.append(("n", depth, number, _office_text(child)))
                number += 1
            else:
                out.append(("•", depth, _office_text(child)))
            for sub in child.iter():
                if sub.tag in ("ol", "ul"):
                    out.extend(_office_list(sub, depth + 1))
    return out


@dataclass
class Office:
    """What LibreOffice lays out: blocks flat, list items with their depth and number."""

    body: Shape
    notes: list[str]


def _office(html: str, first_section: str) -> Office:
    body = LexborHTMLParser(html).body
    assert body is not None
    out: Shape = []
    notes: list[str] = []
    started = False
    for node in body.iter():
        tag = node.tag or ""
        if tag == "div" and (node.attributes.get("id") or "").startswith("sdfootnote"):
            notes.append(_office_text(node))
        elif re.fullmatch(r"h[1-6]", tag):
            started = started or (tag == "h2" and _office_text(node) == first_section)
            if started:
                out.append(("h", int(tag[1]), _office_text(node)))
        elif not started:
            continue
        elif tag == "p":
            out.append(("quote" if "block-text" in _classes(node) else "p", _office_text(node)))
        elif tag in ("ol", "ul"):
            out.extend(_office_list(node, 1))
        else:
            out.append((tag,))
    return Office(out, notes)


def _flat(shape: Shape, depth: int = 0) -> Shape:
    """A pandoc shape as LibreOffice lays it out (see `_office`)."""
    out: Shape = []
    for block in shape:
        kind = block[0]
        if kind == "quote":
            out.extend(("quote", p[1]) for p in block[1])
        elif kind == "ol":
            for number, (first, *rest) in enumerate(block[2], start=block[1]):
                out.append(("n", depth + 1, number, first[1]))
                out.extend(_flat(rest, depth + 1))
        elif kind == "ul":
            for first, *rest in block[1]:
                out.append(("•", depth + 1, first[1]))
                out.extend(_flat(rest, depth + 1))
        else:
            out.append(block)
    return out


# -- writing and exporting a draft ----------------------------------------------------------


@dataclass
class Exported:
    markdown: str
    markdown_ast: dict[str, Any]
    docx: bytes
    docx_ast: dict[str, Any]
    office: Office


@dataclass
class World:
    space_slug: str
    alice: Comment
    bruno: Comment
    chen: Comment
    dara: Comment
    authors: list[User]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    return libreoffice(tmp_path_factory)


@pytest.fixture
def world(client: TestClient, factory: Factory) -> World:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="mobility", moderators=(mona,))
    question = factory.question(space, mona, "What would make labour mobility fairer?")
    authors = [
        factory.user(name) for name in ("Alice Achieng", "Bruno Bianchi", "Chen Wei", "Dara Okafor")
    ]
    bodies = [
        "My nursing diploma took fourteen months to be assessed after I arrived.",
        "I paid the agency three months of wages before I had even left home.",
        "Our union runs a desk at the town hall; people come with every kind of question.",
        "We pay taxes here, but nobody asks us what the bus timetable should be.",
    ]
    alice, bruno, chen, dara = (
        factory.comment(space, author, body, parent=question)
        for author, body in zip(authors, bodies, strict=True)
    )
    sign_in(client, mona)
    return World(space.slug, alice, bruno, chen, dara, authors)


def _write(
    client: TestClient, db: Session, world: World, template: str, sections: dict[str, str]
) -> str:
    response = client.post(
        f"/en/spaces/{world.space_slug}/drafts",
        data={"template": template, "title": "Fairer labour mobility", "lang": "en"},
    )
    assert response.status_code == 303, response.text[:500]
    url = str(response.headers["location"])
    draft = db.get_one(NoteDraft, int(url.rsplit("/", 1)[1]))
    assert set(sections) == {s.key for s in templates()[template].sections}
    form = {f"section_{key}": text for key, text in sections.items()}
    saved = client.post(
        url, data={"title": draft.title, "base_version": str(draft.version), **form}
    )
    assert saved.status_code == 303, saved.text[:500]
    return url


def _export(
    app: FastAPI, client: TestClient, office: LibreOffice, url: str, first_section: str
) -> Exported:
    markdown = client.get(url + "/export.md")
    assert markdown.status_code == 200
    docx = made_in_background(app, client, url + "/export.docx").content
    html = office.convert(docx, "html").decode("utf-8", "replace")
    return Exported(
        markdown.text,
        markdown_ast(markdown.text),
        docx,
        docx_ast(docx),
        _office(html, first_section),
    )


def _cited(notes: list[str]) -> list[tuple[str, str]]:
    """Each footnote as (who it names, the comment it links to)."""
    found = [re.fullmatch(r"(.+?), .+ \S+(/en/comments/\d+)", note) for note in notes]
    assert all(found), notes
    return [(m.group(1), m.group(2)) for m in found if m]


def _link(comment: Comment) -> str:
    return f"/en/comments/{comment.id}"


# -- the templates ---------------------------------------------------------------------------


def _background_sections(world: World) -> dict[str, str]:
    return {
        "background": (
            "Employers in the region report shortages in care, construction and farming, "
            f"while workers who move for these jobs find their qualifications unrecognised "
            f"[c:{world.alice.id}] for a year or more after they arrive. Many take work "
            "below their skills in the meantime.\n\n"
            "Recruitment is the other recurring concern. Fees charged to workers before "
            f"departure [c:{world.bruno.id}] leave some of them in debt for most of their "
            "first contract."
        ),
        "objectives": (
            "This note prepares the regional dialogue on fair mobility. It sets out what "
            "participants said and the questions it leaves open.\n\n"
            "It does not propose a position: the dialogue will decide what to recommend."
        ),
        "guiding-questions": (
            "## Recognition and recruitment\n"
            "Participants may wish to consider how skills could be assessed before "
            f"departure, as several of them asked [c:{world.alice.id}], and by whom."
        ),
    }


BACKGROUND_SHAPE: Shape = [
    ("h", 2, "Background"),
    (
        "ol",
        1,
        [
            [
                (
                    "p",
                    "Employers in the region report shortages in care, construction and "
                    "farming, while workers who move for these jobs find their "
                    f"qualifications unrecognised{MARK} for a year or more after they "
                    "arrive. Many take work below their skills in the meantime.",
                )
            ],
            [
                (
                    "p",
                    "Recruitment is the other recurring concern. Fees charged to workers "
                    f"before departure{MARK} leave some of them in debt for most of their "
                    "first contract.",
                )
            ],
        ],
    ),
    ("h", 2, "Objectives"),
    (
        "ol",
        3,  # numbering runs on from the Background section's (1) and (2)
        [
            [
                (
                    "p",
                    "This note prepares the regional dialogue on fair mobility. It sets "
                    "out what participants said and the questions it leaves open.",
                )
            ],
            [("p", "It does not propose a position: the dialogue will decide what to recommend.")],
        ],
    ),
    ("h", 2, "Guiding questions"),
    ("h", 3, "Recognition and recruitment"),
    (
        "ol",
        5,
        [
            [
                (
                    "p",
                    "Participants may wish to consider how skills could be assessed before "
                    f"departure, as several of them asked,{MARK} and by whom.",
                )
            ]
        ],
    ),
]


def test_background_note_numbers_paragraphs_across_sections_with_footnotes_in_place(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    url = _write(client, db, world, "background-note", _background_sections(world))
    exported = _export(app, client, office, url, "Background")
    for ast in (exported.markdown_ast, exported.docx_ast):
        assert _body(ast, "Background") == BACKGROUND_SHAPE
        # Named as the space's attribution rule allows; the third cites Alice again, but
        # not right after her first: not "Ibid.".
        assert _cited(_notes(ast)) == [
            ("Alice Achieng", _link(world.alice)),
            ("Bruno Bianchi", _link(world.bruno)),
            ("Alice Achieng", _link(world.alice)),
        ]
    assert exported.office.body == _flat(BACKGROUND_SHAPE)
    assert exported.office.notes == _notes(exported.markdown_ast)


def test_background_note_bullets_belong_to_the_paragraph_that_introduces_them(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    sections = {
        "background": "Participants proposed three first steps:\n"
        "- one assessment, recognised in both countries;\n"
        f"- recruitment free of charge to workers [c:{world.bruno.id}]; and\n"
        "- a single desk for newcomers' questions.\n\n"
        "Each is taken up below.",
        "objectives": "",
        "guiding-questions": "",
    }
    url = _write(client, db, world, "background-note", sections)
    exported = _export(app, client, office, url, "Background")
    expected: Shape = [
        ("h", 2, "Background"),
        (
            "ol",
            1,
            [
                [
                    ("p", "Participants proposed three first steps:"),
                    (
                        "ul",
                        [
                            [("p", "one assessment, recognised in both countries;")],
                            [("p", f"recruitment free of charge to workers;{MARK} and")],
                            [("p", "a single desk for newcomers' questions.")],
                        ],
                    ),
                ],
                [("p", "Each is taken up below.")],
            ],
        ),
        ("h", 2, "Objectives"),
        ("h", 2, "Guiding questions"),
    ]
    assert _body(exported.markdown_ast, "Background") == expected
    assert _body(exported.docx_ast, "Background") == expected
    assert exported.office.body == _flat(expected)


def _conclusions(world: World) -> str:
    return (
        "Some sixty people from ministries, employers, trade unions and migrant "
        "associations took part over four weeks. This summary sets out the conclusions "
        "they reached.\n\n"
        "## Skills must be recognised before departure, not after arrival.\n"
        f"- Workers described assessments that took over a year [c:{world.alice.id}].\n"
        "- Employers asked for one assessment valid in both countries.\n\n"
        "## Recruitment fees keep workers in debt.\n"
        f"- Some had paid fees equal to months of wages [c:{world.bruno.id}].\n"
        "- Trade unions called for employers to pay every recruitment cost.\n\n"
        "## Local authorities belong in every partnership.\n"
        f"- Cities run the services newcomers need first [c:{world.chen.id}], yet are "
        "rarely consulted."
    )


CONCLUSIONS_SHAPE: Shape = [
    ("h", 2, "Conclusions"),
    (
        "p",
        "Some sixty people from ministries, employers, trade unions and migrant "
        "associations took part over four weeks. This summary sets out the conclusions "
        "they reached.",
    ),
    (
        "ol",
        1,
        [
            [
                ("p", "**Skills must be recognised before departure, not after arrival.**"),
                (
                    "ul",
                    [
                        [("p", f"Workers described assessments that took over a year.{MARK}")],
                        [("p", "Employers asked for one assessment valid in both countries.")],
                    ],
                ),
            ],
            [
                ("p", "**Recruitment fees keep workers in debt.**"),
                (
                    "ul",
                    [
                        [("p", f"Some had paid fees equal to months of wages.{MARK}")],
                        [("p", "Trade unions called for employers to pay every recruitment cost.")],
                    ],
                ),
            ],
            [
                ("p", "**Local authorities belong in every partnership.**"),
                (
                    "ul",
                    [
                        [
                            (
                                "p",
                                f"Cities run the services newcomers need first,{MARK} yet are "
                                "rarely consulted.",
                            )
                        ]
                    ],
                ),
            ],
        ],
    ),
]


def test_summary_of_conclusions_numbers_headline_sentences_each_with_its_bullets(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    sections = {"conclusions": _conclusions(world)}
    url = _write(client, db, world, "summary-of-conclusions", sections)
    exported = _export(app, client, office, url, "Conclusions")
    for ast in (exported.markdown_ast, exported.docx_ast):
        assert _body(ast, "Conclusions") == CONCLUSIONS_SHAPE
        assert _cited(_notes(ast)) == [
            ("Alice Achieng", _link(world.alice)),
            ("Bruno Bianchi", _link(world.bruno)),
            ("Chen Wei", _link(world.chen)),
        ]
    assert exported.office.body == _flat(CONCLUSIONS_SHAPE)
    assert exported.office.notes == _notes(exported.markdown_ast)


def _report_sections(world: World) -> dict[str, str]:
    return {
        "session": (
            "The session asked how people who move for work can take part in local life, "
            "and what stands in their way.\n\n"
            f"> “We pay taxes here, but nobody asks us.” [c:{world.dara.id}]"
        ),
        "questions": (
            "## What are the main concerns?\n"
            f"- Workers learn their rights too late, in a dispute [c:{world.alice.id}].\n"
            f"- Debts to recruiters [c:{world.bruno.id}] make it hard to change employer.\n\n"
            "## Which practices already work?\n"
            f"- Welcome desks run jointly by cities and unions [c:{world.chen.id}].\n"
            "- Courses before departure that name a contact at destination."
        ),
        "recommendations": (
            "- Publish the recruitment fees charged in each corridor.\n"
            "- Give migrant associations a seat on local employment boards."
        ),
    }


REPORT_SHAPE: Shape = [
    ("h", 2, "About the session"),
    (
        "p",
        "The session asked how people who move for work can take part in local life, and "
        "what stands in their way.",
    ),
    ("quote", [("p", f"“We pay taxes here, but nobody asks us.”{MARK}")]),
    ("h", 2, "Questions and answers"),
    (
        "ol",
        1,
        [
            [
                ("p", "**What are the main concerns?**"),
                (
                    "ul",
                    [
                        [
                            (
                                "p",
                                f"Workers learn their rights too late, in a dispute.{MARK}",
                            )
                        ],
                        [("p", f"Debts to recruiters{MARK} make it hard to change employer.")],
                    ],
                ),
            ],
            [
                ("p", "**Which practices already work?**"),
                (
                    "ul",
                    [
                        [("p", f"Welcome desks run jointly by cities and unions.{MARK}")],
                        [("p", "Courses before departure that name a contact at destination.")],
                    ],
                ),
            ],
        ],
    ),
    ("h", 2, "Recommendations"),
    (
        "ul",
        [
            [("p", "Publish the recruitment fees charged in each corridor.")],
            [("p", "Give migrant associations a seat on local employment boards.")],
        ],
    ),
]


def test_reporting_template_numbers_questions_with_bullet_answers_and_names_nobody(
    app: FastAPI,
    client: TestClient,
    db: Session,
    world: World,
    office: LibreOffice,
) -> None:
    """The space names its participants in exports; the template's Chatham House rule
    wins: no name anywhere in either file, every footnote "A participant"."""
    url = _write(client, db, world, "reporting-template", _report_sections(world))
    exported = _export(app, client, office, url, "About the session")
    cited = [world.dara, world.alice, world.bruno, world.chen]
    for ast in (exported.markdown_ast, exported.docx_ast):
        assert _body(ast, "About the session") == REPORT_SHAPE
        assert _cited(_notes(ast)) == [("A participant", _link(c)) for c in cited]
    assert exported.office.body == _flat(REPORT_SHAPE)
    assert exported.office.notes == _notes(exported.markdown_ast)
    parts = zipfile.ZipFile(BytesIO(exported.docx))
    files = {
        "export.md": exported.markdown,
        "LibreOffice": office.text(exported.docx),
        **{name: parts.read(name).decode("utf-8", "replace") for name in parts.namelist()},
    }
    for author in world.authors:
        for part in author.display_name.split():
            named = re.compile(rf"\b{re.escape(part)}\b")
            assert [where for where, text in files.items() if named.search(text)] == [], part


def test_reporting_template_numbers_questions_afresh_in_each_section(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    sections = _report_sections(world) | {
        "recommendations": "## What should governments do first?\n"
        "- Publish the recruitment fees charged in each corridor."
    }
    url = _write(client, db, world, "reporting-template", sections)
    exported = _export(app, client, office, url, "About the session")
    recommendations = [
        ("p", "**What should governments do first?**"),
        ("ul", [[("p", "Publish the recruitment fees charged in each corridor.")]]),
    ]
    expected = [*REPORT_SHAPE[:-1], ("ol", 1, [recommendations])]  # not 3
    assert _body(exported.markdown_ast, "About the session") == expected
    assert _body(exported.docx_ast, "About the session") == expected
    assert exported.office.body == _flat(expected)


def _indent_of(numbering: str, num_id: str, level: str) -> tuple[str, str]:
    """The marker text and left indent a numbering instance gives a list level."""
    abstract = re.search(rf'<w:num w:numId="{num_id}"><w:abstractNumId w:val="(\d+)"', numbering)
    assert abstract is not None
    found = re.search(
        rf'<w:abstractNum w:abstractNumId="{abstract.group(1)}">.*?<w:lvl w:ilvl="{level}">'
        r'.*?<w:lvlText w:val="([^"]*)" />.*?<w:ind w:left="(\d+)"',
        numbering,
        re.S,
    )
    assert found is not None
    return found.group(1), found.group(2)


def test_a_quote_under_a_question_stays_with_it_in_word(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    sections = _report_sections(world) | {
        "session": "The session asked what stands in the way of taking part in local life.",
        "questions": "## Who is asked about local services?\n"
        "- Rarely the people who move for work.\n"
        f"> “We pay taxes here, but nobody asks us.” [c:{world.dara.id}]",
        "recommendations": "",
    }
    url = _write(client, db, world, "reporting-template", sections)
    exported = _export(app, client, office, url, "About the session")
    expected: Shape = [
        ("h", 2, "About the session"),
        ("p", "The session asked what stands in the way of taking part in local life."),
        ("h", 2, "Questions and answers"),
        (
            "ol",
            1,
            [
                [
                    ("p", "**Who is asked about local services?**"),
                    ("ul", [[("p", "Rarely the people who move for work.")]]),
                    ("quote", [("p", f"“We pay taxes here, but nobody asks us.”{MARK}")]),
                ]
            ],
        ),
        ("h", 2, "Recommendations"),
    ]
    assert _body(exported.markdown_ast, "About the session") == expected
    # Word has no block inside a list item: pandoc writes the quote as a "Block Text"
    # paragraph on a list level with a blank marker, indented as the item's own text
    # (pandoc's reader then sees a bullet list of its own; Word and LibreOffice draw it
    # under the question, with no mark).
    document = zipfile.ZipFile(BytesIO(exported.docx))
    body = document.read("word/document.xml").decode()
    numbering = document.read("word/numbering.xml").decode()
    paragraphs = re.findall(r"<w:p>.*?</w:p>", body, re.S)
    question = next(p for p in paragraphs if "Who is asked about local services?" in p)
    quote = next(p for p in paragraphs if "nobody asks us" in p)
    assert paragraphs.index(quote) > paragraphs.index(question)
    assert '<w:pStyle w:val="BlockText" />' in quote
    item = re.search(r'<w:ilvl w:val="(\d+)" /><w:numId w:val="(\d+)" />', question)
    held = re.search(r'<w:ilvl w:val="(\d+)" /><w:numId w:val="(\d+)" />', quote)
    assert item is not None
    assert held is not None
    marker, left = _indent_of(numbering, held.group(2), held.group(1))
    assert marker.strip() == ""
    assert left == _indent_of(numbering, item.group(2), item.group(1))[1]


def _insight_sections(world: World) -> dict[str, str]:
    return {
        "introduction": (
            "Over six weeks, participants proposed ways to make labour mobility fairer. "
            "Three proposals gathered the most support; each is described below with the "
            "reasons given for it."
        ),
        "themes": (
            "## A skills passport: one assessment, recognised in both countries\n"
            "A worker's skills would be assessed once, before departure, by a body both "
            f"countries trust [c:{world.alice.id}]. Supporters expect it to end waits that "
            "now run past a year.\n\n"
            "Employers asked to help set the standards it would assess.\n\n"
            "## Recruitment free of charge to workers\n"
            "Governments would license only recruiters that charge workers nothing, and "
            f"publish the list [c:{world.bruno.id}].\n\n"
            "## A welcome desk in every town hall\n"
            "Cities and trade unions would staff one desk for newcomers' questions on "
            f"housing, banking and rights [c:{world.chen.id}]."
        ),
    }


INSIGHT_SHAPE: Shape = [
    ("h", 2, "Introduction"),
    (
        "p",
        "Over six weeks, participants proposed ways to make labour mobility fairer. Three "
        "proposals gathered the most support; each is described below with the reasons "
        "given for it.",
    ),
    ("h", 2, "Themes and proposals"),
    ("h", 3, "A skills passport: one assessment, recognised in both countries"),
    (
        "p",
        "A worker's skills would be assessed once, before departure, by a body both "
        f"countries trust.{MARK} Supporters expect it to end waits that now run past a year.",
    ),
    ("p", "Employers asked to help set the standards it would assess."),
    ("h", 3, "Recruitment free of charge to workers"),
    (
        "p",
        "Governments would license only recruiters that charge workers nothing, and "
        f"publish the list.{MARK}",
    ),
    ("h", 3, "A welcome desk in every town hall"),
    (
        "p",
        "Cities and trade unions would staff one desk for newcomers' questions on housing, "
        f"banking and rights.{MARK}",
    ),
]


def test_insight_report_has_an_introduction_then_a_titled_block_per_proposal(
    app: FastAPI, client: TestClient, db: Session, world: World, office: LibreOffice
) -> None:
    url = _write(client, db, world, "insight-report", _insight_sections(world))
    exported = _export(app, client, office, url, "Introduction")
    for ast in (exported.markdown_ast, exported.docx_ast):
        assert _body(ast, "Introduction") == INSIGHT_SHAPE  # nothing numbered
        assert _cited(_notes(ast)) == [
            ("Alice Achieng", _link(world.alice)),
            ("Bruno Bianchi", _link(world.bruno)),
            ("Chen Wei", _link(world.chen)),
        ]
    assert exported.office.body == _flat(INSIGHT_SHAPE)
    assert exported.office.notes == _notes(exported.markdown_ast)
