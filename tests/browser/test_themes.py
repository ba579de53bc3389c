"""A moderator walks the themes board in Chromium: renames a theme in place, keeps a
representative passage, accepts a suggested objective on a comment's curation panel and
opens the near-duplicates, with no WCAG violation on the way.

The worker runs in the test process first, on a demo database of this module's own (the
shared live server's walks are left as the demo made them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.config import Settings
from app.db import create_db_engine, make_session_factory, transaction
from app.demo.loader import load_demo
from app.main import create_app
from app.models import Comment, ObjectiveSuggestion, Space, ThemeMember, User
from app.models.analysis import SuggestionState
from app.models.comments import CommentKind, CommentStatus
from app.policy import ANONYMOUS, Purpose, read_as
from app.synthesis import worker
from app.synthesis.embedder import LocalEmbedder
from bench.synthesis_set import load
from tests import own_db
from tests.browser.test_accessibility import violations
from tests.browser.test_curation import sign_in_as_moderator
from tests.factories import Factory
from tests.live import serving
from tests.synthesis.conftest import PER_THEME, THEMES

SLUG = "labour-mobility-roundtable"
BOARD = f"/en/spaces/{SLUG}/themes"


def _labelled() -> list[Any]:
    """Seven comments on each of three subjects, the languages in turn."""
    data = load()
    chosen = []
    for theme in THEMES:
        by_lang = [
            [c for c in data.comments if c.theme == theme and c.lang == lang]
            for lang in ("en", "fr", "es")
        ]
        chosen += [c for row in zip(*by_lang, strict=False) for c in row][:PER_THEME]
    return chosen


@pytest.fixture(scope="module")
def analysed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A served demo whose space has been analysed; with the comment that has a suggestion."""
    data_dir = tmp_path_factory.mktemp("themes")
    url = own_db.create(data_dir, "themes")
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as db:
        load_demo(db, now=datetime.now(UTC))
    with transaction(factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        space = db.scalars(select(Space).where(Space.slug == SLUG)).one()
        space_id = space.id
        # The demo has too few comments per question for themes: the labelled set's.
        question = db.scalars(
            select(Comment)
            .where(Comment.space_id == space_id, Comment.kind == CommentKind.QUESTION)
            .order_by(Comment.path)
        ).first()
        assert question is not None
        people = Factory(db)
        authors: dict[str, User] = {}
        for item in _labelled():
            author = authors.get(item.author) or people.user(f"Contributor {item.author}")
            authors[item.author] = author
            people.comment(space, author, item.text, parent=question, lang=item.lang)
    worker.run(factory, LocalEmbedder(), once=True, auto_every=timedelta(0), space_id=space_id)
    with transaction(factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        suggested = db.scalar(
            select(ObjectiveSuggestion.comment_id)
            .join(Comment, Comment.id == ObjectiveSuggestion.comment_id)
            .where(
                Comment.space_id == space_id,
                ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
            )
            .order_by(ObjectiveSuggestion.comment_id)
        )
        if suggested is None:  # the model suggested nothing for the demo: one, as it would
            suggested = db.scalar(
                select(Comment.id)
                .join(ThemeMember, ThemeMember.comment_id == Comment.id)
                .where(
                    Comment.space_id == space_id,
                    Comment.kind == CommentKind.COMMENT,
                    Comment.status == CommentStatus.PUBLISHED,
                )
                .order_by(Comment.id)
            )
            assert suggested is not None
            db.add(ObjectiveSuggestion(comment_id=suggested, code=20, confidence=0.9))
    engine.dispose()
    settings = Settings(data_dir=data_dir, database_url=url, rate_limits=False)
    try:
        with serving(create_app(settings)) as base:
            yield base, suggested
    finally:
        own_db.drop(url)


def test_a_moderator_works_through_the_themes(
    page: Page, analysed_server: tuple[str, int], axe_source: str
) -> None:
    base, suggested = analysed_server
    sign_in_as_moderator(page, base)
    page.goto(base + BOARD)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#themes-progress .progress-count")).to_contain_text("comments analysed")
    expect(page.locator("#themes-progress .computed")).to_contain_text("Themes computed on")
    assert violations(page, axe_source) == []

    # Rename a theme in place: htmx swaps its question's part, the page stays.
    card = page.locator("article.theme-card:not(.apart)").first
    theme_id = (card.get_attribute("id") or "").removeprefix("theme-")
    field = card.locator(f"#rename-{theme_id}-name")
    field.fill("Recognition of skills abroad")
    field.press("Enter")
    title = page.locator(f"#theme-{theme_id} h4 a")
    expect(title).to_have_text("Recognition of skills abroad")
    assert page.url == base + BOARD

    # Keep its first representative passage as an excerpt.
    passage = page.locator(f"#theme-{theme_id} .passages li.passage").first
    passage_id = passage.get_attribute("id")
    quoted = passage.locator("blockquote").inner_text().strip()
    assert quoted
    passage.get_by_role("button", name="Keep as excerpt").click()
    expect(page.locator(f"#{passage_id} .kept")).to_contain_text("Kept as an excerpt.")
    assert page.url == base + BOARD
    # The excerpt is on the comment's curation panel, word for word.
    page.locator(f"#{passage_id} .kept a").click()
    expect(page.locator(".excerpts q", has_text=" ".join(quoted.split()))).to_have_count(1)

    # Accept a suggested objective on a comment's curation panel, in place.
    page.goto(f"{base}/en/comments/{suggested}/curate")
    panel = page.locator(f"#curation-{suggested}")
    item = panel.locator(".objective-suggestions li").first
    label = item.locator(".tag").inner_text()
    tags_before = panel.locator(".tags .tag").count()
    item.get_by_role("button", name="Accept").click()
    expect(page.locator(f"#curation-{suggested} .tags .tag")).to_have_count(tags_before + 1)
    expect(page.locator(f"#curation-{suggested} .tags .tag", has_text=label)).to_have_count(1)
    assert page.url == f"{base}/en/comments/{suggested}/curate"
    assert violations(page, axe_source) == []

    # The near-duplicates, from the board.
    page.goto(base + BOARD)
    page.get_by_role("link", name="Near-duplicates").first.click()
    expect(page.get_by_role("heading", name="Near-duplicates", level=2)).to_be_visible()
    assert page.url == f"{base}/en/spaces/{SLUG}/near-duplicates"
    assert violations(page, axe_source) == []
