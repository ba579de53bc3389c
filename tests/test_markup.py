from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from app.markup import render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<img src=x onerror="alert(1)">',
        "![i](https://tracker.example/pixel.png)",
        '<iframe src="https://example.org"></iframe>',
        "<style>body{display:none}</style>",
    ],
)
def test_nothing_active_survives(source: str) -> None:
    tree = LexborHTMLParser(render_markdown(source))
    assert not tree.css("script, img, iframe, style, [onerror], [style]")
    for link in tree.css("a"):
        assert link.attributes["href"].startswith(("http://", "https://", "mailto:"))


def test_links_are_marked_untrusted() -> None:
    tree = LexborHTMLParser(render_markdown("See [the report](https://example.org/r)."))
    link = tree.css_first("a")
    assert link is not None
    assert link.attributes["rel"] == "nofollow ugc noopener"


def test_structure_is_kept_and_headings_sit_below_the_page() -> None:
    tree = LexborHTMLParser(render_markdown("# Title\n\n- one\n- **two**\n\n> quoted"))
    assert [n.tag for n in tree.css("h3, ul, li, strong, blockquote")] == [
        "h3",
        "ul",
        "li",
        "li",
        "strong",
        "blockquote",
    ]


def test_nesting_depth_counts_quotes_and_lists_inside_each_other() -> None:
    from app.markup import nesting_depth

    assert nesting_depth("plain words") == 0
    assert nesting_depth("> quoted\n\n> again") == 1
    assert nesting_depth("> > > three") == 3
    assert nesting_depth("- a\n  - b\n    > c") == 3
    assert nesting_depth("- a\n- b\n- c") == 1
