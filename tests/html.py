"""Parsing HTML responses for assertions (never substring matching)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node


def parse(markup: str) -> HTMLParser:
    return HTMLParser(markup)


def texts(tree: HTMLParser | Node, selector: str) -> list[str]:
    """Visible text of each match, with white space collapsed."""
    return [" ".join(node.text(separator=" ").split()) for node in tree.css(selector)]


def one(tree: HTMLParser | Node, selector: str) -> Node:
    nodes = tree.css(selector)
    assert len(nodes) == 1, f"expected one {selector!r}, found {len(nodes)}"
    return nodes[0]
