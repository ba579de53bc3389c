"""Every kind of e-mail, made from payload names, titles, bodies and reasons, as sent.

The worker renders and serialises them; the test parses the bytes a server would get.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from app.accounts import reset, verification
from app.accounts.credentials import set_password
from app.config import Settings
from app.models import User
from app.notifications import mailer, outbox, subscriptions, worker
from tests import hostile
from tests.hostile import REASON, HostileWorld
from tests.notifications import BASE_URL, body

# The shared hostile fixtures: one seeding per module, a SAVEPOINT per test.
connection = hostile.connection
hostile_seeded = hostile.hostile_seeded
settings = hostile.settings
world = hostile.world


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# Headers a payload could try to add by breaking a line (CRLF in a title, a name, a reason).
INJECTED = ("bcc", "cc", "x-injected", "reply-to", "sender")


def _queue_everything(db: Session, world: HostileWorld) -> None:
    outbox.notify_reply(db, world.reply, NOW)
    subscriptions.follow(db, world.moderator.id, world.space.id, NOW)
    outbox.notify_followers(db, world.reply, NOW)
    outbox.notify_decision(db, world.pending, False, REASON, NOW)
    outbox.queue_moderator_digest(db, NOW)
    reset.request_reset(db, world.participant.email, now=NOW, lifetime=timedelta(hours=1))
    other, moderator = db.get(User, world.other.id), db.get(User, world.moderator.id)
    assert other is not None
    assert moderator is not None
    verification.send_link(db, other, now=NOW)
    set_password(db, moderator, "an entirely new and long passphrase", now=NOW)
    db.flush()


def test_every_email_keeps_payloads_inert(
    db: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    world: HostileWorld,
) -> None:
    # Recipients in each language, so one run renders every template in all three.
    for user, locale in (
        (world.participant, "fr"),
        (world.moderator, "es"),
        (world.other, "en"),
    ):
        row = db.get(User, user.id)
        assert row is not None
        row.locale = locale
    db.flush()
    _queue_everything(db, world)
    db.commit()
    wire: list[EmailMessage] = []

    def capture(message: EmailMessage, _settings: Settings) -> None:
        # What an SMTP server receives, read back by a strict parser.
        raw = message.as_bytes()
        wire.append(message_from_bytes(raw, policy=email_policy.default))  # type: ignore[arg-type]

    mail = settings.model_copy(update={"base_url": BASE_URL})
    mailer.environment.cache_clear()
    sent = worker.drain(session_factory, mail, now=NOW, send=capture)
    assert sent == len(wire)
    assert {m["X-Kind"] for m in wire} <= {None}
    subjects = {str(m["Subject"]) for m in wire}
    assert any(w in s for s in subjects for w in ("<script>", "{{7*7}}")), subjects
    assert {str(m["Content-Language"]) for m in wire} == {"en", "fr", "es"}
    for message in wire:
        names = [name.lower() for name in message]
        for header in INJECTED:
            assert header not in names, (header, message["Subject"])
        for name, value in message.items():
            assert "\r" not in str(value), (name, value)
            assert "\n" not in str(value), (name, value)
        assert message.get_content_type() == "text/plain"
        assert not message.is_multipart()
        assert message["To"].addresses[0].addr_spec.endswith("@example.org")
        text = body(message)
        # Plain text has no links but what a client makes of a bare address: the site's
        # own lines only. A Markdown link's hidden target never reaches the mail.
        assert "attacker.example.net" not in text
        link_lines = [line for line in text.splitlines() if line.startswith(("http", BASE_URL))]
        assert all(line.startswith(BASE_URL + "/") for line in link_lines), link_lines
    # Reply, new comment, decision, digest, reset, verification, password changed.
    assert len(wire) >= 7, [m["Subject"] for m in wire]
