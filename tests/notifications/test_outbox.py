"""Which messages are queued, for whom, with what payload (no sending here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import EmailOptOut, Flag, Follow, OutboxMessage, Space
from app.models.comments import CommentStatus
from app.models.spaces import PostingPolicy
from app.notifications import outbox
from tests.factories import Factory

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _outbox(db: Session) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _pre_moderated(db: Session, space: Space) -> Space:
    space.posting_policy = PostingPolicy.PRE_MODERATION
    db.flush()
    return space


def test_reply_notifies_the_parent_author_in_their_language(db: Session, factory: Factory) -> None:
    amelie = factory.user("Amélie Auclair", locale="fr")
    bruno = factory.user("Bruno Barros")
    space = factory.space(
        slug="mobility", titles={"en": "Labour mobility", "fr": "Mobilité du travail"}
    )
    parent = factory.comment(space, amelie, "Mon avis.", lang="fr")
    reply = factory.comment(space, bruno, "**Agreed** & more: " + "word " * 100, parent=parent)

    message = outbox.notify_reply(db, reply, NOW)

    assert message is not None
    assert _outbox(db) == [message]
    assert message.kind == outbox.KIND_REPLY
    assert message.recipient_id == amelie.id
    assert message.created_at == NOW
    assert message.next_attempt_at == NOW
    assert message.sent_at is None
    assert message.attempts == 0
    payload = message.payload
    assert payload["comment_id"] == reply.id
    assert payload["thread_id"] == parent.id
    assert payload["space_slug"] == "mobility"
    assert payload["space_title"] == "Mobilité du travail"
    excerpt = str(payload["excerpt"])
    assert excerpt.startswith("Agreed & more: word word")  # plain text, not Markdown or HTML
    assert len(excerpt) <= outbox.EXCERPT_CHARS
    assert excerpt.endswith("…")
    assert "Bruno" not in str(payload)  # never the author's name


def test_no_reply_mail_to_oneself_for_a_root_or_an_unpublished_reply(
    db: Session, factory: Factory
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    space = _pre_moderated(db, factory.space(moderators=(mod,)))
    root = factory.comment(space, mod, "A moderator's comment is published at once.")
    own = factory.comment(space, mod, "Answering myself.", parent=root)
    pending = factory.comment(space, alice, "Waiting for review.", parent=root)
    assert pending.status == CommentStatus.PENDING

    assert outbox.notify_reply(db, root, NOW) is None
    assert outbox.notify_reply(db, own, NOW) is None
    assert outbox.notify_reply(db, pending, NOW) is None
    assert _outbox(db) == []
    # Once approved, the same reply is worth a mail.
    pending.status = "published"
    assert outbox.notify_reply(db, pending, NOW) is not None
    assert bruno.id not in {m.recipient_id for m in _outbox(db)}


def test_decision_goes_to_the_author_with_the_reason(db: Session, factory: Factory) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng", locale="es")
    space = _pre_moderated(
        db, factory.space(moderators=(mod,), titles={"en": "Mobility", "es": "Movilidad"})
    )
    comment = factory.comment(space, alice, "Please publish me.")

    rejected = outbox.notify_decision(db, comment, False, "Off topic.", NOW)
    approved = outbox.notify_decision(db, comment, True, "", NOW)

    assert rejected is not None
    assert approved is not None
    assert {rejected.recipient_id, approved.recipient_id} == {alice.id}
    assert rejected.kind == approved.kind == outbox.KIND_DECISION
    assert rejected.payload["approved"] is False
    assert rejected.payload["reason"] == "Off topic."
    assert rejected.payload["space_title"] == "Movilidad"
    assert rejected.payload["excerpt"] == "Please publish me."
    assert approved.payload["approved"] is True


def test_followers_except_the_author_hear_of_published_comments(
    db: Session, factory: Factory
) -> None:
    author = factory.user("Alice Achieng")
    parent_author = factory.user("Bruno Barros")
    follower = factory.user("Chen Chao", locale="fr")
    unfollowing = factory.user("Dara Diallo")
    space = factory.space(titles={"en": "Mobility", "fr": "Mobilité"})
    other = factory.space()
    parent = factory.comment(space, parent_author, "First.")
    for user in (author, parent_author, follower):
        db.add(Follow(user_id=user.id, space_id=space.id))
    db.add(Follow(user_id=unfollowing.id, space_id=other.id))
    db.flush()

    root = factory.comment(space, author, "A new thread.")
    messages = outbox.notify_followers(db, root, NOW)
    assert sorted(m.recipient_id for m in messages) == sorted([parent_author.id, follower.id])
    by_recipient = {m.recipient_id: m for m in messages}
    assert by_recipient[follower.id].payload["space_title"] == "Mobilité"
    assert by_recipient[follower.id].kind == outbox.KIND_NEW_COMMENT
    assert by_recipient[follower.id].payload["thread_id"] == root.id

    # A reply: its parent's author gets the reply mail instead, not both.
    reply = factory.comment(space, author, "A reply.", parent=parent)
    assert [m.recipient_id for m in outbox.notify_followers(db, reply, NOW)] == [follower.id]


def test_followers_hear_nothing_of_a_pending_comment(db: Session, factory: Factory) -> None:
    mod = factory.user("Moderator Mona")
    author = factory.user("Alice Achieng")
    follower = factory.user("Chen Chao")
    space = _pre_moderated(db, factory.space(moderators=(mod,)))
    db.add(Follow(user_id=follower.id, space_id=space.id))
    db.flush()
    pending = factory.comment(space, author, "Awaiting review.")
    assert outbox.notify_followers(db, pending, NOW) == []


def test_opt_outs_are_respected_by_kind_and_for_all(db: Session, factory: Factory) -> None:
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    space = factory.space()
    db.add(Follow(user_id=alice.id, space_id=space.id))
    parent = factory.comment(space, alice, "First.")
    reply = factory.comment(space, bruno, "Second.", parent=parent)
    db.add(EmailOptOut(user_id=alice.id, kind=outbox.KIND_REPLY))
    db.flush()

    assert outbox.notify_reply(db, reply, NOW) is None
    # Opted out of replies only: the followed space still tells her.
    assert [m.recipient_id for m in outbox.notify_followers(db, reply, NOW)] == [alice.id]
    assert outbox.notify_decision(db, parent, True, "", NOW) is not None

    db.add(EmailOptOut(user_id=alice.id, kind=outbox.ALL_KINDS))
    db.flush()
    before = len(_outbox(db))
    assert outbox.notify_followers(db, reply, NOW) == []
    assert outbox.notify_decision(db, parent, True, "", NOW) is None
    assert len(_outbox(db)) == before


def test_moderator_digest_counts_per_space_once_a_day(db: Session, factory: Factory) -> None:
    mona = factory.user("Moderator Mona", locale="fr")
    idle = factory.user("Idle Moderator")
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    busy = _pre_moderated(
        db, factory.space(moderators=(mona,), titles={"en": "Busy", "fr": "Chargé"})
    )
    flagged_space = factory.space(moderators=(mona,), titles={"en": "Flagged"})
    factory.space(moderators=(idle,))
    factory.comment(busy, alice, "Pending one.")
    factory.comment(busy, bruno, "Pending two.")
    target = factory.comment(flagged_space, alice, "Something contested.")
    db.add(Flag(comment_id=target.id, user_id=bruno.id, reason="spam"))
    db.add(Flag(comment_id=target.id, user_id=mona.id, reason="other"))
    resolved = factory.comment(flagged_space, bruno, "Settled.")
    db.add(Flag(comment_id=resolved.id, user_id=alice.id, reason="spam", resolved_at=NOW))
    db.flush()

    [digest] = outbox.queue_moderator_digest(db, NOW)

    assert digest.recipient_id == mona.id
    assert digest.kind == outbox.KIND_DIGEST
    assert digest.payload == {
        "spaces": [
            {"space_slug": busy.slug, "space_title": "Chargé", "pending": 2, "flagged": 0},
            {
                "space_slug": flagged_space.slug,
                "space_title": "Flagged",
                "pending": 0,
                "flagged": 1,
            },
        ],
        "pending": 2,
        "flagged": 1,
    }
    assert outbox.queue_moderator_digest(db, NOW + timedelta(hours=23)) == []
    [later] = outbox.queue_moderator_digest(db, NOW + timedelta(hours=24, minutes=1))
    assert later.recipient_id == mona.id
    count = db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "digest"))
    assert count == 2


def test_no_digest_for_a_moderator_who_opted_out(db: Session, factory: Factory) -> None:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = _pre_moderated(db, factory.space(moderators=(mona,)))
    factory.comment(space, alice, "Pending.")
    db.add(EmailOptOut(user_id=mona.id, kind=outbox.KIND_DIGEST))
    db.flush()
    assert outbox.queue_moderator_digest(db, NOW) == []


def test_excerpt_is_plain_text_within_the_limit() -> None:
    html = "<p>One &amp; <em>two</em></p><ul><li>three</li><li>four</li></ul><p>x</p>"
    assert outbox.excerpt(html) == "One & two three four x"
    long = outbox.excerpt("<p>" + "a" * 500 + "</p>")
    assert len(long) == outbox.EXCERPT_CHARS
    assert long.endswith("…")
