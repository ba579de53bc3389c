"""One outbox message as an e-mail in its recipient's language, and its way to SMTP."""

from __future__ import annotations

import smtplib
import ssl
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import i18n
from app.config import Settings
from app.i18n import gettext
from app.notifications.outbox import (
    ACCOUNT_KINDS,
    ALL_KINDS,
    KIND_DECISION,
    KIND_DIGEST,
    KIND_NEW_COMMENT,
    KIND_PASSWORD_CHANGED,
    KIND_PASSWORD_RESET,
    KIND_REPLY,
    KIND_VERIFY_EMAIL,
)
from app.notifications.subscriptions import make_token, unsubscribe_url
from app.web import urls

EMAIL_TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "emails"
SMTP_TIMEOUT = 20  # seconds, for each step of the conversation
LINE_WIDTH = 72
# RFC 5322's hard limit: a List-Unsubscribe address has no space to fold at, and under
# the 78-character default it would be turned into an encoded word clients cannot use.
_POLICY = email_policy.default.clone(max_line_length=998)


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    display_name: str
    locale: str


@dataclass(frozen=True)
class Outgoing:
    """A claimed outbox message with its recipient: all that rendering needs."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    created_at: datetime
    recipient: Recipient


def _quote(text: object) -> str:
    return textwrap.fill(
        str(text),
        LINE_WIDTH,
        initial_indent="> ",
        subsequent_indent="> ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _wrap(text: object) -> str:
    return textwrap.fill(str(text), LINE_WIDTH, break_long_words=False, break_on_hyphens=False)


@cache
def environment(locale: str) -> Environment:
    """Plain-text templates with gettext bound to this locale's catalogue."""
    env = Environment(
        loader=FileSystemLoader(EMAIL_TEMPLATES_DIR),
        autoescape=False,  # noqa: S701 - plain text: there is no markup to escape
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(locale), newstyle=True
    )
    env.filters.update(quote=_quote, wrap=_wrap)
    return env


def _subject(kind: str, payload: Mapping[str, Any]) -> str:
    title = " ".join(str(payload.get("space_title", "")).split())
    if kind == KIND_REPLY:
        return gettext("New reply to your comment in “%(title)s”", title=title)
    if kind == KIND_DECISION:
        if payload["approved"]:
            return gettext("Your comment in “%(title)s” is published", title=title)
        return gettext("Your comment in “%(title)s” was not published", title=title)
    if kind == KIND_NEW_COMMENT:
        return gettext("New in “%(title)s”", title=title)
    if kind == KIND_DIGEST:
        return gettext("Moderation digest: comments need your attention")
    if kind == KIND_PASSWORD_RESET:
        return gettext("Choose a new password for Roundtable")
    if kind == KIND_VERIFY_EMAIL:
        return gettext("Confirm your e-mail address for Roundtable")
    if kind == KIND_PASSWORD_CHANGED:
        return gettext("Your Roundtable password was changed")
    raise ValueError(f"unknown kind of e-mail: {kind!r}")


def _message_id(outgoing: Outgoing, mail_from: str) -> str:
    # The same on every attempt, so a receiver can tell a repeated delivery.
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<outbox.{outgoing.id}.{int(outgoing.created_at.timestamp())}@{domain}>"


def render_message(outgoing: Outgoing, settings: Settings, now: datetime) -> EmailMessage:
    """The e-mail for one outbox message, in its recipient's language."""
    locale = outgoing.recipient.locale
    if locale not in i18n.LOCALES:
        locale = i18n.DEFAULT_LOCALE
    # The caller's own locale is left as it was.
    with i18n.using(locale):
        return _render(outgoing, settings, now, locale)


def _render(outgoing: Outgoing, settings: Settings, now: datetime, locale: str) -> EmailMessage:
    base = settings.base_url.rstrip("/")
    payload = outgoing.payload
    recipient = outgoing.recipient
    secret = settings.resolved_secret_key
    # Account e-mails (reset, verification) answer the person's own request: no opt-out.
    account = outgoing.kind in ACCOUNT_KINDS
    stop_kind = stop_all = ""
    if not account:
        stop_kind = unsubscribe_url(base, locale, make_token(secret, recipient.id, outgoing.kind))
        stop_all = unsubscribe_url(base, locale, make_token(secret, recipient.id, ALL_KINDS))

    def url_for(name: str, **params: Any) -> str:
        return urls.absolute_url(base, name, lang=locale, **params)

    context: dict[str, Any] = {
        "recipient": recipient,
        "p": payload,
        "locale": locale,
        "unsubscribe_url": stop_kind,
        "unsubscribe_all_url": stop_all,
        "url_for": url_for,
        # Account links are queued without a language (urls.path_after_language).
        "page_url": lambda path: base + urls.with_language(path, locale),
    }
    if "comment_id" in payload:
        context["comment_url"] = url_for(
            "comment", comment_id=payload["thread_id"], fragment=f"c-{payload['comment_id']}"
        )
    body = environment(locale).get_template(f"{outgoing.kind}.txt").render(context)

    message = EmailMessage(policy=_POLICY)
    message["Subject"] = _subject(outgoing.kind, payload)
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=recipient.display_name, addr_spec=recipient.email)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = _message_id(outgoing, settings.mail_from)
    message["Auto-Submitted"] = "auto-generated"
    if not account:
        message["List-Unsubscribe"] = f"<{stop_kind}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body, cte="quoted-printable")  # clears Content-* headers
    message["Content-Language"] = locale
    return message


def send_message(message: EmailMessage, settings: Settings) -> None:
    """Hand one e-mail to the configured SMTP server; raises when it is not accepted."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)
