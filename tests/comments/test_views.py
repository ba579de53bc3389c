from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.comments import threads
from app.comments.views import ViewContext, build_views, choose_version
from app.policy import ANONYMOUS


@pytest.mark.parametrize(
    ("wanted", "ui", "expected"),
    [
        (None, "en", "en"),  # reader's language available as a translation
        (None, "fr", "es"),  # nothing in French: the original
        ("es", "en", "es"),  # explicit choice wins
        ("fr", "en", "en"),  # asked for a missing version: the reader's language
    ],
)
def test_choose_version(wanted: str | None, ui: str, expected: str) -> None:
    assert choose_version("es", {"en"}, wanted, ui) == expected


def _row(comment_id: int, path: str, lang: str = "es") -> SimpleNamespace:
    return SimpleNamespace(
        id=comment_id,
        space_id=1,
        author_id=7,
        parent_id=None,
        path=path,
        kind="comment",
        number=None,
        lang=lang,
        body_html=f"<p>{comment_id}</p>",
        created_at=datetime.now(UTC),
        edited_at=None,
        author_name="A",
        parent_author_name=None,
        parent_author_id=None,
        parent_named_consent=None,
        status="published",
        moderated_at=None,
        moderation_reason="",
        pinned=False,
        named_consent=False,
    )


def test_build_views_caps_drawn_depth_and_pairs_translations() -> None:
    path = threads.root_path(is_question=False, number=None, comment_id=1)
    rows = [_row(1, path)]
    for i in range(2, 10):
        path = threads.child_path(path, i)
        rows.append(_row(i, path))
    translation = SimpleNamespace(comment_id=1, lang="en", body_html="<p>one</p>")
    attachment = SimpleNamespace(
        id=5, comment_id=9, filename="p.pdf", content_type="application/pdf", size_bytes=10
    )
    space = SimpleNamespace(id=1, attribution="named")
    ctx = ViewContext(
        viewer=ANONYMOUS, space=space, moderator_ids=frozenset({7}), ui_lang="en", max_shown_depth=6
    )
    views = build_views(rows, [translation], [attachment], ctx)
    assert [v.depth for v in views] == list(range(9))
    assert [v.shown_depth for v in views] == [0, 1, 2, 3, 4, 5, 6, 6, 6]
    assert views[0].shown_lang == "en"
    assert views[0].body_html == "<p>one</p>"
    assert views[0].versions == ("es", "en")
    assert views[1].versions == ("es",)
    assert [a.filename for a in views[8].attachments] == ["p.pdf"]
    assert all(v.author_is_moderator for v in views)
