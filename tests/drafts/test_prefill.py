"""What a new draft starts with: whole sentences with "[…]" where words were left out,
paragraphs kept, the author's version in the note's language, the note's quote marks,
and the space's numbered questions under Guiding questions. Published words only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.curation import service as curation
from app.curation.note_templates import templates
from app.drafts import prefill, service
from app.drafts.prefill import ELISION, NBSP
from app.markup import render_markdown
from app.models import Comment, CommentTranslation, Space, User
from app.models.comments import CommentStatus
from tests.conftest import StatementCounter
from tests.exports.readers import markdown_ast, plain, walk
from tests.factories import Factory, sign_in

NOW = datetime(2026, 2, 7, 12, tzinfo=UTC)


@pytest.fixture
def mona(factory: Factory) -> User:
    return factory.user("Moderator Mona")


@pytest.fixture
def alice(factory: Factory) -> User:
    return factory.user("Alice Achieng")


@pytest.fixture
def space(factory: Factory, mona: User) -> Space:
    return factory.space(slug="pathways", moderators=(mona,))


@pytest.fixture
def question(factory: Factory, space: Space, mona: User) -> Comment:
    return factory.question(space, mona, "How can pathways be widened?")


def _assign(
    db: Session, factory: Factory, mona: User, comment: Comment, section: str = "background"
) -> None:
    curation.assign(
        db,
        factory.viewer(mona),
        comment,
        section=f"background-note/{section}",
        excerpt_id=None,
        now=NOW,
    )


def _translate(db: Session, comment: Comment, lang: str, body: str) -> None:
    db.add(
        CommentTranslation(
            comment_id=comment.id, lang=lang, body_md=body, body_html=render_markdown(body)
        )
    )
    db.flush()


def _draft(
    db: Session, factory: Factory, mona: User, space: Space, lang: str = "en"
) -> dict[str, str]:
    draft = service.create_draft(
        db,
        factory.viewer(mona),
        space,
        template="background-note",
        lang=lang,
        title="Widening pathways",
        now=NOW,
    )
    sections = draft.content["sections"]
    assert isinstance(sections, dict)
    return sections


# --- sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith came. He left.", ["Mr. Smith came.", "He left."]),
        ("They told me. Then I left.", ["They told me.", "Then I left."]),
        ("J. K. Smith wrote. Others read.", ["J. K. Smith wrote.", "Others read."]),
        ("See e.g. Article 5 there. It is clear.", ["See e.g. Article 5 there.", "It is clear."]),
        (
            "M. Dupont et Mme Durand sont là. Ils parlent.",
            ["M. Dupont et Mme Durand sont là.", "Ils parlent."],
        ),
        ("Il dit : « Bonjour ! » Puis il part.", ["Il dit : « Bonjour ! »", "Puis il part."]),
        (
            "La Sra. Pérez vino. ¿Por qué? ¡Porque sí!",
            ["La Sra. Pérez vino.", "¿Por qué?", "¡Porque sí!"],
        ),
        ("“It works.” Then it stopped.", ["“It works.”", "Then it stopped."]),
        ("(See above. This matters.) Next one.", ["(See above. This matters.)", "Next one."]),
        ("Wait… Then it came.", ["Wait…", "Then it came."]),
        # In doubt, no cut: before a number or a small letter, a full stop may be anything.
        ("It rose. 3.5 per cent did.", ["It rose. 3.5 per cent did."]),
        ("Fees, visas, etc. and more.", ["Fees, visas, etc. and more."]),
    ],
)
def test_sentences_end_where_a_capital_follows_and_no_abbreviation_stands(
    text: str, expected: list[str]
) -> None:
    assert list(prefill.sentences(text)) == expected


def test_a_long_text_is_cut_after_a_whole_sentence_and_marked() -> None:
    text = "One short sentence. " + "Another sentence that goes on. " * 20
    [cut] = prefill.shortened([text], limit=100)
    assert (
        cut
        == "One short sentence. Another sentence that goes on. Another sentence that goes on. […]"
    )
    # A first sentence longer than the limit: its first whole words, still marked.
    [words] = prefill.shortened(["A prospective partnership " * 30], limit=60)
    assert words.endswith(f" {ELISION}")
    kept = words.removesuffix(f" {ELISION}")
    assert len(kept) <= 60
    assert ("A prospective partnership " * 30).startswith(kept + " ")


# --- quotes in a new draft -------------------------------------------------------------


def test_quotes_are_whole_sentences_and_keep_their_paragraphs(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    first = "Recognition of skills takes years. Employers lose patience."
    second = (
        "The lack of data hides the problem from policy makers in every region we know. "
        "A prospective partnership between cities and employers could change that for good, "
        "if it came with money and a plan that people can follow from the start to the end, "
        "and if the cities, the employers, the unions and the migrants' own associations "
        "were all asked at the outset what they need."
    )
    third = "A third paragraph nobody reads."
    comment = factory.comment(space, alice, f"{first}\n\n{second}\n\n{third}", parent=question)
    _assign(db, factory, mona, comment)
    kept = "The lack of data hides the problem from policy makers in every region we know."
    assert _draft(db, factory, mona, space)["background"] == (
        f"> “{first}\n> “{kept} {ELISION}” [c:{comment.id}]"
    )


def test_an_excerpt_keeps_the_paragraph_break_it_spans(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    comment = factory.comment(
        space, alice, "Fees are high for families.\n\nVisas take months.", parent=question
    )
    excerpt = curation.mark_excerpt(
        db,
        factory.viewer(mona),
        comment,
        lang="en",
        passage="high for families. Visas take",
        start=None,
        now=NOW,
    )
    curation.assign(
        db,
        factory.viewer(mona),
        comment,
        section="background-note/objectives",
        excerpt_id=excerpt.id,
        now=NOW,
    )
    assert _draft(db, factory, mona, space)["objectives"] == (
        f"> “high for families.\n> “Visas take” [e:{excerpt.id}]"
    )


def test_an_excerpt_of_a_translation_keeps_its_paragraphs_too(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    spanish = factory.comment(
        space, alice, "Faltan datos.\n\nY visados.", parent=question, lang="es"
    )
    _translate(db, spanish, "en", "Data are missing.\n\nAnd visas.")
    excerpt = curation.mark_excerpt(
        db, factory.viewer(mona), spanish, lang="en", passage="missing. And", start=None, now=NOW
    )
    curation.assign(
        db,
        factory.viewer(mona),
        spanish,
        section="background-note/background",
        excerpt_id=excerpt.id,
        now=NOW,
    )
    assert _draft(db, factory, mona, space, "fr")["background"] == (
        f"> «{NBSP}missing.\n> «{NBSP}And{NBSP}» [e:{excerpt.id}]"
    )


def test_a_note_quotes_the_authors_version_in_its_language(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    spanish = factory.comment(space, alice, "Los datos faltan.", parent=question, lang="es")
    _translate(db, spanish, "en", "Data are missing.")
    french = factory.comment(
        space, alice, "Les frais sont trop élevés.", parent=question, lang="fr"
    )
    excerpt = curation.mark_excerpt(
        db, factory.viewer(mona), spanish, lang="es", passage="Los datos", start=None, now=NOW
    )
    for comment in (spanish, french):
        _assign(db, factory, mona, comment)
    curation.assign(
        db,
        factory.viewer(mona),
        spanish,
        section="background-note/objectives",
        excerpt_id=excerpt.id,
        now=NOW,
    )
    english = _draft(db, factory, mona, space, "en")
    assert english["background"] == (
        f"- “Data are missing.” [c:{spanish.id}/en]\n"
        f"- “Les frais sont trop élevés.” [c:{french.id}]"
    )
    # An excerpt is quoted as it was taken, from whichever version.
    assert english["objectives"] == f"- “Los datos” [e:{excerpt.id}]"
    # A Spanish note quotes the Spanish original, and the French one that has no Spanish.
    assert _draft(db, factory, mona, space, "es")["background"] == (
        f"- «Los datos faltan.» [c:{spanish.id}]\n- «Les frais sont trop élevés.» [c:{french.id}]"
    )


@pytest.mark.parametrize(
    ("lang", "one", "several"),
    [
        ("en", "- “Fees are high.” [c:{id}]", "> “Fees are high.\n> “Visas are slow.” [c:{id}]"),
        (
            "fr",
            f"- «{NBSP}Fees are high.{NBSP}» [c:{{id}}]",
            f"> «{NBSP}Fees are high.\n> «{NBSP}Visas are slow.{NBSP}» [c:{{id}}]",
        ),
        ("es", "- «Fees are high.» [c:{id}]", "> «Fees are high.\n> »Visas are slow.» [c:{id}]"),
    ],
)
def test_quote_marks_are_the_notes_language(
    db: Session,
    factory: Factory,
    mona: User,
    alice: User,
    space: Space,
    question: Comment,
    lang: str,
    one: str,
    several: str,
) -> None:
    short = factory.comment(space, alice, "Fees are high.", parent=question)
    longer = factory.comment(space, alice, "Fees are high.\n\nVisas are slow.", parent=question)
    _assign(db, factory, mona, short, "background")
    _assign(db, factory, mona, longer, "objectives")
    sections = _draft(db, factory, mona, space, lang)
    assert sections["background"] == one.format(id=short.id)
    assert sections["objectives"] == several.format(id=longer.id)


def test_hidden_inputs_are_not_quoted_whoever_drafts(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    shown = factory.comment(space, alice, "Fees are high.", parent=question)
    hidden = factory.comment(space, alice, "A withheld view.", parent=question)
    for comment in (shown, hidden):
        _assign(db, factory, mona, comment)
    hidden.status = CommentStatus.HIDDEN
    db.flush()
    assert _draft(db, factory, mona, space)["background"] == f"- “Fees are high.” [c:{shown.id}]"


# --- guiding questions -----------------------------------------------------------------


def test_guiding_questions_are_the_spaces_numbered_questions_in_the_notes_language(
    db: Session, factory: Factory, mona: User, alice: User, space: Space, question: Comment
) -> None:
    _translate(db, question, "fr", "Comment élargir les voies ?")
    # Questions that state their own number, as a list and as text.
    factory.question(space, mona, "2. Which fees should fall?")
    factory.question(space, mona, "3\\. Why now?")
    withdrawn = factory.question(space, mona, "A question taken back?")
    withdrawn.status = CommentStatus.HIDDEN
    db.flush()
    reply = factory.comment(space, alice, "Fees are high.", parent=question)
    _assign(db, factory, mona, reply, "guiding-questions")
    assert _draft(db, factory, mona, space, "en")["guiding-questions"] == (
        "How can pathways be widened?\n\nWhich fees should fall?\n\nWhy now?\n\n"
        f"- “Fees are high.” [c:{reply.id}]"
    )
    assert _draft(db, factory, mona, space, "fr")["guiding-questions"] == (
        "Comment élargir les voies ?\n\nWhich fees should fall?\n\nWhy now?\n\n"
        f"- «{NBSP}Fees are high.{NBSP}» [c:{reply.id}]"
    )


@pytest.mark.parametrize(
    ("numbering", "expected"),
    [
        ("paragraphs", "Why?\n\nHow?"),
        ("headlines", "## Why?\n## How?"),
        ("none", "1. Why?\n\n2. How?"),
    ],
)
def test_questions_are_written_as_the_template_numbers_them(numbering: str, expected: str) -> None:
    assert prefill.numbered_list(["Why?", "How?"], numbering) == expected


def test_exported_guiding_questions_are_numbered_once(
    client: TestClient, factory: Factory, mona: User, space: Space, question: Comment
) -> None:
    factory.question(space, mona, "2. Which fees should fall?")
    sign_in(client, mona)
    response = client.post(
        "/en/spaces/pathways/drafts",
        data={"template": "background-note", "title": "Widening pathways", "lang": "en"},
    )
    assert response.status_code == 303
    markdown = client.get(response.headers["location"] + "/export.md").text
    blocks = markdown_ast(markdown)["blocks"]
    items = [
        plain(item)
        for block in walk(blocks, notes=False)
        if block["t"] == "OrderedList"
        for item in block["c"][1]
    ]
    assert items == ["How can pathways be widened?", "Which fees should fall?"]


def test_prefilling_reads_a_fixed_number_of_statements(
    db: Session,
    factory: Factory,
    mona: User,
    alice: User,
    space: Space,
    question: Comment,
    count_statements: StatementCounter,
) -> None:
    spec = templates()["background-note"]

    def statements() -> int:
        db.flush()
        count_statements.count = 0
        prefill.prefilled(db, space, spec, "en")
        return count_statements.count

    comment = factory.comment(space, alice, "Los datos faltan.", parent=question, lang="es")
    _translate(db, comment, "en", "Data are missing.")
    _assign(db, factory, mona, comment)
    few = statements()
    for n in range(5):
        more = factory.comment(space, alice, f"View {n}.", parent=question, lang="fr")
        _translate(db, more, "en", f"View {n} in English.")
        _assign(db, factory, mona, more, ("background", "objectives", "guiding-questions")[n % 3])
        factory.question(space, mona, f"Question {n}?")
    db.flush()
    assert statements() == few


def test_participants_words_never_become_draft_syntax() -> None:
    from app.drafts import syntax
    from app.drafts.prefill import inert, quote_lines

    typed = "Cite me [c:5] and [e:7/en]."
    line = quote_lines([typed], "[c:1]", "en")
    assert [c.key for c in syntax.citations(line)] == ["c:1"]
    assert inert(typed).replace("\u2060", "") == typed
    for start in ("## Heading", "- bullet", "> quote"):
        blocks = syntax.parse(inert(start))
        assert [b.kind for b in blocks] == ["paragraph"]
