"""Markdown written by people, turned into HTML that is safe to store and serve."""

from __future__ import annotations

from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

# Raw HTML is escaped by the parser; the sanitiser below is the second wall.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.disable("image")  # images would load third-party content into every reader's page
# The parser's own renderer is typed as any output format; this one is known to give HTML.
_renderer = RendererHTML()

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def _render(source: str) -> str:
    tokens = _parser.parse(source)
    for token in tokens:
        # A comment lives under the page's own h1/h2: its headings start at h3.
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    return _renderer.render(tokens, _parser.options, {})


# Quotes and lists inside each other deeper than this are no longer writing but an attack
# on every reader's browser (and on the parser): refused with a message, not trimmed.
MAX_NESTING = 8
_CONTAINERS = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open"})


def nesting_depth(source: str) -> int:
    """How deep quotes and lists sit inside each other in this Markdown."""
    depth = deepest = 0
    for token in _parser.parse(source):
        if token.type in _CONTAINERS:
            depth += 1
            deepest = max(deepest, depth)
        elif token.nesting == -1 and token.type.replace("_close", "_open") in _CONTAINERS:
            depth -= 1
    return deepest


def render_markdown(source: str) -> str:
    """Safe HTML for a comment, translation, question or space text."""
    html = _render(source)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )


class _TextOf(HTMLParser):
    _BREAKS = frozenset(
        {"p", "br", "hr", "li", "blockquote", "pre", "h3", "h4", "h5", "h6", "ul", "ol"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of sanitised comment HTML, white space collapsed: what a reader selects."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())
