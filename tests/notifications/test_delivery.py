"""The worker sends queued mail over real SMTP (aiosmtpd on the loopback)."""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import i18n
from app.cli import main
from app.config import Settings, get_settings
from app.db import create_db_engine, make_session_factory, transaction
from app.models import EmailOptOut, Flag, Follow, OutboxMessage, User
from app.models.spaces import PostingPolicy
from app.notifications import mailer, outbox, worker
from tests.factories import Factory
from tests.notifications import (
    BASE_URL,
    Inbox,
    body,
    free_port,
    mail_settings,
    smtp_server,
    unsubscribe_path,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail(settings: Settings, inbox: Inbox) -> Settings:
    return mail_settings(settings, inbox.port)


def _row(db: Session, message: OutboxMessage) -> OutboxMessage:
    db.expire_all()
    row = db.get(OutboxMessage, message.id)
    assert row is not None
    return row


def _french_catalogue(extra: dict[str, str]) -> gettext_module.GNUTranslations:
    """The real French catalogue plus translations of strings not yet in it."""
    catalog = Catalog(locale="fr")
    for msgid, msgstr in extra.items():
        catalog.add(msgid, msgstr)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext_module.GNUTranslations(buffer)
    translations.add_fallback(i18n.translations("fr"))
    return translations


def test_reply_is_delivered_in_the_recipients_language(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subject = "New reply to your comment in “%(title)s”"
    intro = "Someone replied to your comment in “%(title)s”:"
    french = _french_catalogue(
        {
            subject: "Nouvelle réponse à votre commentaire dans « %(title)s »",
            intro: "Quelqu’un a répondu à votre commentaire dans « %(title)s » :",
        }
    )
    real = i18n.translations
    monkeypatch.setattr(
        i18n, "translations", lambda locale: french if locale == "fr" else real(locale)
    )
    mailer.environment.cache_clear()
    try:
        amelie = factory.user("Amélie Auclair", locale="fr")
        bruno = factory.user("Bruno Barros")
        space = factory.space(slug="mob", titles={"en": "Mobility", "fr": "Mobilité"})
        parent = factory.comment(space, amelie, "Mon avis.", lang="fr")
        reply = factory.comment(space, bruno, "I *agree*.", parent=parent)
        queued = outbox.notify_reply(db, reply, NOW)
        assert queued is not None

        assert worker.drain(session_factory, mail, now=NOW) == 1
    finally:
        mailer.environment.cache_clear()

    [message] = inbox.messages
    assert inbox.envelopes[0].rcpt_tos == [amelie.email]
    assert message["Subject"] == "Nouvelle réponse à votre commentaire dans « Mobilité »"
    assert message["To"].addresses[0].display_name == "Amélie Auclair"
    assert message["From"] == mail.mail_from
    assert message["Content-Language"] == "fr"
    text = body(message)
    assert "Quelqu’un a répondu à votre commentaire dans « Mobilité » :" in text.splitlines()
    assert "> I agree." in text.splitlines()
    assert f"{BASE_URL}/fr/comments/{parent.id}#c-{reply.id}" in text.splitlines()
    assert unsubscribe_path(message).startswith("/fr/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = _row(db, queued)
    assert row.sent_at == NOW
    assert row.failed_at is None
    assert worker.drain(session_factory, mail, now=NOW + timedelta(hours=1)) == 0
    assert len(inbox.messages) == 1


def test_each_language_uses_its_own_catalogue(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
) -> None:
    """With the shipped catalogues: the shared footer line is translated already."""
    author = factory.user("Alice Achieng")
    readers = {lang: factory.user(f"Reader {lang}", locale=lang) for lang in i18n.LOCALES}
    space = factory.space()
    for reader in readers.values():
        db.add(Follow(user_id=reader.id, space_id=space.id))
    db.flush()
    comment = factory.comment(space, author, "News.")
    assert len(outbox.notify_followers(db, comment, NOW)) == 3

    assert worker.drain(session_factory, mail, now=NOW) == 3

    footer = "Roundtable: moderated consultations in English, French and Spanish."
    for lang, reader in readers.items():
        [message] = inbox.to(reader.email)
        assert message["Content-Language"] == lang
        assert i18n.translations(lang).gettext(footer) in body(message).splitlines()
        assert f"{BASE_URL}/{lang}/comments/{comment.id}#c-{comment.id}" in body(message)
    assert i18n.translations("fr").gettext(footer) != footer


def test_decision_mails_say_what_was_decided_and_why(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="decided", moderators=(mod,), titles={"en": "Mobility"})
    space.posting_policy = PostingPolicy.PRE_MODERATION
    db.flush()
    kept = factory.comment(space, alice, "Keep me.")
    dropped = factory.comment(space, alice, "Drop me.")
    outbox.notify_decision(db, kept, True, "", NOW)
    outbox.notify_decision(db, dropped, False, "Personal data of a third person.", NOW)

    assert worker.drain(session_factory, mail, now=NOW) == 2

    by_subject = {m["Subject"]: body(m) for m in inbox.to(alice.email)}
    assert set(by_subject) == {
        "Your comment in “Mobility” is published",
        "Your comment in “Mobility” was not published",
    }
    published = by_subject["Your comment in “Mobility” is published"]
    assert "> Keep me." in published.splitlines()
    assert f"{BASE_URL}/en/comments/{kept.id}#c-{kept.id}" in published.splitlines()
    refused = by_subject["Your comment in “Mobility” was not published"]
    assert "> Drop me." in refused.splitlines()
    assert "Reason given: Personal data of a third person." in refused.splitlines()
    assert f"{BASE_URL}/en/spaces/decided" in refused.splitlines()


def test_digest_is_mailed_once_a_day_by_the_worker_loop(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
) -> None:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="queue", moderators=(mona,), titles={"en": "Mobility"})
    space.posting_policy = PostingPolicy.PRE_MODERATION
    db.flush()
    factory.comment(space, alice, "Pending one.")
    target = factory.comment(space, mona, "Published by the moderator.")
    db.add(Flag(comment_id=target.id, user_id=alice.id, reason="spam"))
    db.flush()

    assert worker.run(session_factory, mail, once=True) == 1
    assert worker.run(session_factory, mail, once=True) == 0  # not twice within 24 hours

    [message] = inbox.messages
    assert message["Subject"] == "Moderation digest: comments need your attention"
    lines = body(message).splitlines()
    assert lines[lines.index("* Mobility") + 1 : lines.index("* Mobility") + 4] == [
        "  1 comment awaits review",
        "  1 flagged comment to review",
        f"  {BASE_URL}/en/spaces/queue",
    ]


def test_unsubscribing_after_queueing_stops_the_mail(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
) -> None:
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    space = factory.space()
    parent = factory.comment(space, alice, "First.")
    queued = outbox.notify_reply(db, factory.comment(space, bruno, "Re.", parent=parent), NOW)
    assert queued is not None
    db.add(EmailOptOut(user_id=alice.id, kind=outbox.ALL_KINDS))
    db.flush()

    assert worker.drain(session_factory, mail, now=NOW) == 0

    assert inbox.messages == []
    row = _row(db, queued)
    assert row.sent_at is None
    assert row.failed_at == NOW
    assert row.last_error == worker.OPTED_OUT


def test_smtp_failure_backs_off_then_gives_up(
    db: Session, factory: Factory, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    down = mail_settings(settings, free_port(), outbox_max_attempts=3)  # nothing listens
    alice = factory.user("Alice Achieng")
    space = factory.space()
    comment = factory.comment(space, alice, "Mine.")
    queued = outbox.notify_decision(db, comment, True, "", NOW)
    assert queued is not None

    assert worker.drain(session_factory, down, now=NOW) == 0
    row = _row(db, queued)
    assert (row.attempts, row.sent_at, row.failed_at) == (1, None, None)
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert "ConnectionRefusedError" in row.last_error

    # Not due again before its time.
    assert worker.drain(session_factory, down, now=NOW + timedelta(seconds=29)) == 0
    assert _row(db, queued).attempts == 1

    second = NOW + timedelta(seconds=30)
    worker.drain(session_factory, down, now=second)
    row = _row(db, queued)
    assert row.attempts == 2
    assert row.next_attempt_at == second + timedelta(minutes=1)

    third = second + timedelta(minutes=1)
    worker.drain(session_factory, down, now=third)
    row = _row(db, queued)
    assert row.attempts == 3
    assert row.failed_at == third  # outbox_max_attempts reached

    with smtp_server() as inbox:
        later = third + timedelta(days=1)
        assert worker.drain(session_factory, mail_settings(down, inbox.port), now=later) == 0
        assert inbox.messages == []


def test_retry_delay_doubles_up_to_six_hours() -> None:
    delays = [worker.retry_delay(n) for n in (1, 2, 3, 4, 12, 100)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[4:] == [timedelta(hours=6)] * 2


def test_a_drain_during_another_finds_nothing_to_claim(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
) -> None:
    """While one worker sends, its claimed messages are leased: a second finds none."""
    alice = factory.user("Alice Achieng")
    space = factory.space()
    for n in range(3):
        outbox.notify_decision(db, factory.comment(space, alice, f"Comment {n}."), True, "", NOW)
    inner: list[int] = []

    def send_and_meanwhile_drain(message: EmailMessage, settings: Settings) -> None:
        if not inner:
            inner.append(worker.drain(session_factory, settings, now=NOW))
        mailer.send_message(message, settings)

    assert worker.drain(session_factory, mail, now=NOW, send=send_and_meanwhile_drain) == 3
    assert inner == [0]
    assert len(inbox.messages) == 3
    assert len({m["Message-ID"] for m in inbox.messages}) == 3


def test_worker_command_sends_what_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: Inbox
) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ROUNDTABLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ROUNDTABLE_SMTP_PORT", str(inbox.port))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(main, ["migrate"]).exit_code == 0
        engine = create_db_engine(url)
        try:
            with transaction(make_session_factory(engine)) as db:
                user = User(
                    email="cli@example.org",
                    display_name="Cli User",
                    display_name_key="cli user",
                    password_hash="-",
                )
                db.add(user)
                db.flush()
                db.add(
                    OutboxMessage(
                        kind=outbox.KIND_DECISION,
                        recipient_id=user.id,
                        payload={
                            "comment_id": 1,
                            "thread_id": 1,
                            "space_slug": "s",
                            "space_title": "Space",
                            "excerpt": "Text.",
                            "approved": True,
                            "reason": "",
                        },
                    )
                )
            result = runner.invoke(main, ["worker", "--once"])
            assert result.exit_code == 0, result.output
            assert "Sent 1 e-mail(s); analysed 0 text(s)." in result.output
            with make_session_factory(engine)() as db:
                assert db.scalar(select(OutboxMessage.sent_at)) is not None
        finally:
            engine.dispose()
    finally:
        get_settings.cache_clear()
    assert [m["To"].addresses[0].addr_spec for m in inbox.messages] == ["cli@example.org"]


def test_a_slow_batch_hands_back_what_it_could_not_send_in_time(
    db: Session,
    factory: Factory,
    session_factory: sessionmaker[Session],
    mail: Settings,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = factory.user("Alice Achieng")
    space = factory.space()
    queued = [
        outbox.notify_decision(db, factory.comment(space, alice, f"C{n}."), True, "", NOW)
        for n in range(3)
    ]
    elapsed = [0.0]
    monkeypatch.setattr(worker.time, "monotonic", lambda: elapsed[0])

    def slow_send(message: EmailMessage, settings: Settings) -> None:
        mailer.send_message(message, settings)
        elapsed[0] += worker.LEASE.total_seconds() * 0.6

    assert worker.drain(session_factory, mail, now=NOW, send=slow_send) == 1
    rows = [_row(db, m) for m in queued if m is not None]
    assert [r.sent_at is not None for r in rows] == [True, False, False]
    assert [r.next_attempt_at for r in rows[1:]] == [NOW, NOW]  # due again at once
    assert [r.attempts for r in rows[1:]] == [0, 0]
    assert worker.drain(session_factory, mail, now=NOW) == 2
    assert len(inbox.messages) == 3
