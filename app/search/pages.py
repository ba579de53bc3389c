"""What the search page hands its templates."""

from __future__ import annotations

from dataclasses import dataclass

from app.search.service import Results
from app.web.templates import PageContext


@dataclass(frozen=True)
class SearchPageContext(PageContext):
    """search/page.html and, for htmx as one types, search/_results.html."""

    results: Results
    objectives: list[tuple[int, str]]  # moderators' filter: number, label in the page's language
