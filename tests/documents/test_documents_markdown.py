"""User text in a MarkdownDocument stays text, whatever Markdown it holds, wherever it goes.

Each hostile string goes through pandoc's own reader (the one DOCX export uses) and must
come back as the same characters, in plain-text runs only, with nothing but the blocks
and notes the document itself made.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.documents import Emph, MarkdownDocument, Ref, Source, Strong, escape, escape_block
from tests.exports.readers import kinds, markdown_ast, normalized, plain, walk

HOSTILE = [
    "# heading",
    "## heading ##",
    "[link](javascript:x)",
    "[link][ref]\n\n[ref]: javascript:alert(1)",
    "<script>alert(1)</script>",
    "<div>block html</div>",
    "<!-- comment -->",
    "<https://evil.example/>",
    "![image](/etc/passwd)",
    "[^1]",
    "^[an inline note]",
    "@cite and [@cite, p. 3]",
    "| table | row |\n|---|---|\n| a | b |",
    "+---+---+\n| a | b |\n+---+---+",
    "`code`{=openxml}",
    "```{=openxml}\n<w:p><w:r><w:t>raw</w:t></w:r></w:p>\n```",
    "[raw]{=html}",
    "`",
    "``",
    "\\",
    "\\\\",
    "ends with a backslash \\",
    "\\newcommand{\\x}{y} \\begin{document} $x^2$ $$y$$",
    "1. ordered",
    "1) ordered",
    "(@) example (@label)",
    "a. lettered\ni. roman\n#. hash",
    "- bullet",
    "* bullet",
    "+ bullet",
    "- [ ] task",
    "> quote",
    ">> nested",
    "---",
    "***",
    "* * *",
    "___",
    "    indented code",
    "\tindented with a tab",
    "text\n===",
    "text\n---",
    "Term\n: definition",
    "::: warning\nfenced div\n:::",
    "[span]{.class #id}",
    "# heading {#id .class}",
    "% title\n% author",
    "---\ntitle: injected\n---",
    "&amp; &#x41; &lt;",
    "*em* _em_ **strong** __strong__ ~~strike~~ ^sup^ ~sub~",
    "line one  \nline two\\\nline three",
    "| pipes | everywhere |",
    "::smile:: :smile:",
    "[[wiki link]]",
    'word\'s "quoted" -- dash --- ... ellipsis',
    "'single' quote",
    "\x00nul\x07bell\x1bescape\x7fdel",
    "Élan, naïve — « guillemets » ¿qué? ¡sí!",
    "a\u2028line separator and a\u2029paragraph separator",
    "tab\tinside",
    "   leading and trailing spaces   ",
]
# Made by the document itself, never by user text.
STRUCTURE = {
    "Header",
    "Link",
    "Image",
    "Note",
    "RawInline",
    "RawBlock",
    "Code",
    "CodeBlock",
    "Math",
    "Cite",
    "Emph",
    "Strong",
    "Strikeout",
    "Superscript",
    "Subscript",
    "Span",
    "Div",
    "BlockQuote",
    "BulletList",
    "OrderedList",
    "DefinitionList",
    "LineBlock",
    "Table",
    "HorizontalRule",
    "Figure",
    "Quoted",
}
TEXT_ONLY = {"Str", "Space", "SoftBreak", "LineBreak"}


def _words(text: str) -> str:
    """What must survive: every visible character (control characters are dropped)."""
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text)
    return re.sub(r"[\s\u2028\u2029]+", "", text)


def _inline(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text)
    return " ".join(re.split(r"[ \t\n\r\f\v\u2028\u2029]+", text)).strip()


def _blocks(markdown: str) -> list[dict[str, Any]]:
    return markdown_ast(markdown)["blocks"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_is_one_plain_run(text: str) -> None:
    escaped = escape(text)
    assert "\n" not in escaped
    blocks = _blocks(f"Before {escaped} after.\n")
    assert [b["t"] for b in blocks] == ["Para"]
    assert kinds(blocks) <= TEXT_ONLY | {"Para"}
    assert plain(blocks) == f"Before {_inline(text)} after.".replace(
        "Before  after", "Before after"
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_at_the_start_of_a_line_is_a_paragraph(text: str) -> None:
    blocks = _blocks(escape(text) + "\n") if escape(text) else []
    if blocks:
        assert [b["t"] for b in blocks] == ["Para"]
        assert kinds(blocks) <= TEXT_ONLY | {"Para"}
        assert plain(blocks) == _inline(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_every_block_keeps_user_text_literal(text: str) -> None:
    doc = MarkdownDocument(text, "en", {"date": text, "author": text})
    doc.heading(1, text)
    doc.paragraph(text, [Source(text)])
    doc.numbered(text, [text], label="first")
    doc.paragraph(text, in_item=True)
    doc.quote(text, Source(text), in_item=True)
    doc.numbered([Strong(text), " · ", text, " · ", Emph(text), " ", Ref("first")])
    doc.quote(text)
    doc.bullets([text, [Emph(text)]])
    doc.table([text, "n"], [[text, "1"]])
    ast = markdown_ast(doc.render())
    blocks = ast["blocks"]

    # Exactly the structure the document made: no more blocks, no stray notes or links.
    paragraphs = max(1, len(escape_block(text).split("\n\n")))
    assert [b["t"] for b in blocks] == [
        "Header",
        *["Para"] * paragraphs,
        "OrderedList",
        "BlockQuote",
        "BulletList",
        "Table",
    ]
    listed = blocks[1 + paragraphs]
    assert len(listed["c"][1]) == 2  # both numbered paragraphs, in one list
    everything = list(walk(blocks))
    counts = {k: sum(e["t"] == k for e in everything) for k in STRUCTURE}
    assert counts["Note"] == 3
    assert counts["Emph"] == 2
    assert counts["Strong"] == 1
    assert counts["Header"] == 1
    assert counts["BlockQuote"] == 2
    for made_by_user in (
        "Link",
        "Image",
        "RawInline",
        "RawBlock",
        "Code",
        "CodeBlock",
        "Math",
        "Cite",
        "Span",
        "Div",
        "Strikeout",
        "Superscript",
        "Subscript",
        "HorizontalRule",
        "DefinitionList",
        "LineBlock",
        "Figure",
        "Quoted",
    ):
        assert counts[made_by_user] == 0, made_by_user

    words = _words(text)
    header = blocks[0]
    assert _words(plain(header["c"][2])) == words
    assert _words(plain(blocks[1 : 1 + paragraphs], notes=False)) == words
    assert header["c"][0] == 1
    for note in (e for e in everything if e["t"] == "Note"):
        assert _words(plain(note["c"])) == words
    first_item = listed["c"][1][0]
    # The numbered paragraph, its continuation and its quote; the notes left out.
    # The numbered text, then the same text again as the paragraph added in_item.
    texts = [b for b in first_item if b["t"] != "BlockQuote"]
    assert _words(plain(texts, notes=False)) == words * 2
    in_item_quotes = [b for b in first_item if b["t"] == "BlockQuote"]
    assert _words(plain(in_item_quotes, notes=False)) == words
    second_item = listed["c"][1][1]
    assert _words(plain(second_item)) == f"{words}·{words}·{words}(1)"
    quote, bullets, table = blocks[-3:]
    assert _words(plain(quote)) == words
    assert _words(plain(bullets)) == words * 2
    assert _words(plain(table)) == words + "n" + words + "1"
    meta = ast["meta"]
    for key in ("title", "date", "author"):
        assert _words(plain(meta[key])) == words, key
    assert kinds(meta) <= TEXT_ONLY | {"MetaInlines", "MetaString"}


def test_plain_text_keeps_its_paragraphs_and_lines() -> None:
    doc = MarkdownDocument("t", "en")
    doc.paragraph("First line\n- not a list\n\n\n  Second paragraph  \r\nwith a line")
    blocks = _blocks(doc.render())
    assert [b["t"] for b in blocks] == ["Para", "Para"]
    assert plain(blocks[0]) == "First line\n- not a list"
    assert plain(blocks[1]) == "Second paragraph\nwith a line"


def test_escape_block_drops_blank_lines_and_controls() -> None:
    assert escape_block("\n\n a \x00\n\n\t\n\n\nb.\r\nc \n") == "a\n\nb\\.\\\nc"
    assert escape_block("   \n\n") == ""


def test_numbered_paragraphs_count_on_across_headings() -> None:
    doc = MarkdownDocument("t", "en")
    doc.heading(1, "One")
    doc.numbered("first", label="a")
    doc.paragraph("continued", in_item=True)
    doc.numbered("second")
    doc.heading(1, "Two")
    doc.paragraph("an ordinary paragraph")
    doc.numbered(["third, in reply to ", Ref("a")])
    blocks = _blocks(doc.render())
    lists = [b for b in blocks if b["t"] == "OrderedList"]
    # (start, number of items): numbering runs on, whatever comes in between.
    assert [(ls["c"][0][0], len(ls["c"][1])) for ls in lists] == [(1, 2), (3, 1)]
    assert {ls["c"][0][1]["t"] for ls in lists} == {"DefaultStyle"}  # decimal
    assert plain(lists[1]) == "third, in reply to (1)"
    assert doc.numbered_count == 3


def test_items_past_nine_hundred_keep_their_blocks() -> None:
    """Continuation blocks line up with the item's text, however wide its number."""
    doc = MarkdownDocument("t", "en")
    for n in range(1, 1002):
        doc.numbered(f"item {n}", label=f"i{n}")
    doc.paragraph("second paragraph\nwith a line", in_item=True)
    doc.quote("a quote", in_item=True)
    doc.numbered(["after, in reply to ", Ref("i1001")])
    items = [item for b in _blocks(doc.render()) if b["t"] == "OrderedList" for item in b["c"][1]]
    assert len(items) == 1002
    assert [b["t"] for b in items[1000]] == ["Para", "Para", "BlockQuote"]
    assert plain(items[1000][1]) == "second paragraph\nwith a line"
    assert plain(items[1001]) == "after, in reply to (1001)"


def test_footnotes_carry_their_sources_with_a_link() -> None:
    doc = MarkdownDocument("t", "en")
    url = "https://example.org/en/comments/12"
    doc.paragraph("A point.", [Source("Comment by Kate Barth, 27 January 2022 —", url)])
    doc.paragraph("Another.", [Source("Bad address", "javascript:alert(1)"), "Plain source"])
    notes = [e for e in walk(_blocks(doc.render())) if e["t"] == "Note"]
    assert [plain(n["c"]) for n in notes] == [
        f"Comment by Kate Barth, 27 January 2022 — {url}",
        "Bad address",
        "Plain source",
    ]
    links = [e for e in walk(notes) if e["t"] == "Link"]
    assert [link["c"][2][0] for link in links] == [url]


def test_yaml_block_holds_title_lang_and_date() -> None:
    doc = MarkdownDocument("It's a 'title': # [x]", "fr", {"date": "1 mai 2024"})
    meta = markdown_ast(doc.render())["meta"]
    assert plain(meta["title"]) == "It's a 'title': # [x]"
    assert plain(meta["date"]) == "1 mai 2024"
    assert plain(meta["lang"]) == "fr"


@pytest.mark.parametrize("lang", ["", "en\n", "x", "en'", "fr; rm"])
def test_language_tags_are_checked(lang: str) -> None:
    with pytest.raises(ValueError, match="language"):
        MarkdownDocument("t", lang)


def test_misuse_is_refused() -> None:
    doc = MarkdownDocument("t", "en")
    with pytest.raises(ValueError, match="unsupported"):
        MarkdownDocument("t", "en", {"header-includes": "x"})
    with pytest.raises(ValueError, match="in_item"):
        doc.paragraph("orphan", in_item=True)
    with pytest.raises(ValueError, match="labelled"):
        doc.numbered(["reply to ", Ref("missing")])
    doc.numbered("one", label="one")
    with pytest.raises(ValueError, match="label"):
        doc.numbered("again", label="one")
    with pytest.raises(ValueError, match="label"):
        doc.numbered("bad", label="no spaces")
    with pytest.raises(ValueError, match="heading"):
        doc.heading(7, "too deep")
    with pytest.raises(ValueError, match="cell"):
        doc.table(["a", "b"], [["only one"]])
    with pytest.raises(ValueError, match="citations"):
        doc.bullets(["a", "b"], [["one source"]])


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_and_ast_say_the_same(text: str) -> None:
    """What pandoc reads from render() is what render_ast() hands it for DOCX."""
    doc = MarkdownDocument(text, "en", {"date": text})
    doc.heading(2, text)
    doc.paragraph(text, [Source(text, "https://example.org/en/comments/1")])
    doc.numbered(
        [Strong(text), " · ", text, " ", Emph(text), Emph(text), Strong(text)],
        [text],
        label="first",
    )
    doc.paragraph(text, in_item=True)
    doc.quote(text, Source(text), in_item=True)
    doc.bullets([text, [Emph(text), " x"]], [[text], []], in_item=True)
    doc.numbered(text)
    doc.numbered(["in reply to ", Ref("first")])
    doc.heading(1, "")
    doc.numbered("")
    doc.paragraph("", ["only a note"])
    doc.quote(text)
    doc.bullets([text, "second"])
    doc.bullets(["merged into the list above"])
    doc.table([text, "n"], [[text, "1"], ["", "2"]])
    read = markdown_ast(doc.render())
    made = doc.render_ast(read["pandoc-api-version"])
    assert normalized(made["blocks"]) == normalized(read["blocks"])
    assert normalized(made["meta"]) == normalized(read["meta"])
