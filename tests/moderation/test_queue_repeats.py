"""The moderation queue shows which waiting comments repeat others (near-duplicates)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import NearDuplicate
from app.models.comments import CommentStatus
from app.moderation import queries
from tests.factories import Factory, sign_in
from tests.html import parse, texts


def test_a_queued_near_duplicate_says_how_many_it_repeats(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="repeats", moderators=(mod,))
    question = factory.question(space, mod, "What should change first?")
    texts_posted = ["Lower the fees.", "Baissez les frais.", "Bajen las comisiones.", "Alone."]
    comments = [factory.comment(space, alice, t, parent=question) for t in texts_posted]
    for c in comments:
        c.status = CommentStatus.PENDING
    group = comments[0].id
    for c in comments[:3]:
        db.add(NearDuplicate(comment_id=c.id, space_id=space.id, group_id=group, similarity=0.95))
    db.flush()
    assert queries.repeats_of(db, [c.id for c in comments]) == {c.id: 2 for c in comments[:3]}

    sign_in(client, mod)
    page = parse(client.get("/en/spaces/repeats/moderation?show=pending").text)
    items = page.css("ul.queue > li")
    assert len(items) == 4
    by_id = {
        int(i.css_first("input[name=ids]").attributes["value"] or 0): texts(i, ".repeats")
        for i in items
    }
    for c in comments[:3]:
        assert by_id[c.id] == ["Repeats 2 other comments · See the near-duplicates"]
    assert by_id[comments[3].id] == []
    link = items[0].css_first(".repeats a")
    assert link is not None
    assert link.attributes["href"] == "/en/spaces/repeats/near-duplicates"
