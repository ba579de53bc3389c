from __future__ import annotations

from app.drafts import syntax
from app.drafts.syntax import Citation, Point


def test_parse_blocks_and_citations() -> None:
    text = (
        "Participants stressed skills [c:12] and fees [e:5].\n"
        "Same paragraph.\n\n"
        "## Recognise skills earned abroad\n"
        "- faster procedures [c:7]\n"
        "- mutual recognition\n"
        "> “It took me four years.” [e:3]\n"
    )
    blocks = syntax.parse(text)
    assert [b.kind for b in blocks] == ["paragraph", "heading", "bullets", "quote"]
    paragraph = blocks[0].items[0]
    assert paragraph.text == "Participants stressed skills and fees. Same paragraph."
    assert paragraph.citations == [Citation("c", 12), Citation("e", 5)]
    assert [i.text for i in blocks[2].items] == ["faster procedures", "mutual recognition"]
    assert blocks[3].items[0].citations == [Citation("e", 3)]
    assert [c.key for c in syntax.citations(text)] == ["c:12", "e:5", "c:7", "e:3"]


def test_word_count_ignores_markers_and_syntax() -> None:
    assert syntax.word_count("## Two words\n- and three more [c:12]") == 5
    assert syntax.word_count("l’objectif d'accueil, well-being") == 3


def test_citations_stay_where_they_are_written() -> None:
    item = syntax.parse("Leaving no one behind [c:10]. Data [c:5][e:6] were withheld [c:3].")
    assert item[0].items[0].parts == [
        "Leaving no one behind ",
        Point((Citation("c", 10),)),
        ". Data ",
        # Markers one after the other are one point: one footnote citing both.
        Point((Citation("c", 5), Citation("e", 6))),
        " were withheld ",
        Point((Citation("c", 3),)),
        ".",
    ]
    assert item[0].items[0].text == "Leaving no one behind. Data were withheld."


def test_translation_form_names_the_language() -> None:
    text = "As she wrote [c:12/es], and [c:12] [e:4/es]"
    cites = syntax.citations(text)
    assert cites == [Citation("c", 12, "es"), Citation("c", 12)]
    assert [c.key for c in cites] == ["c:12/es", "c:12"]
    # The form is a comment's: an excerpt has its own language, so "[e:4/es]" is text.
    assert syntax.parse(text)[0].items[0].text == "As she wrote, and [e:4/es]"
    assert syntax.word_count("two words [c:12/es]") == 2
