"""Helpers for the notification tests: a real SMTP server (aiosmtpd) on the loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any, cast
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from app.config import Settings

BASE_URL = "https://roundtable.example"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = 0
        self.envelopes: list[Any] = []
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.envelopes.append(envelope)
        raw = envelope.original_content or envelope.content
        self.messages.append(
            cast(EmailMessage, message_from_bytes(raw, policy=email_policy.default))
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"].addresses[0].addr_spec == address]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_settings(settings: Settings, port: int, **changes: object) -> Settings:
    return settings.model_copy(update={"smtp_port": port, "base_url": BASE_URL, **changes})


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def unsubscribe_path(message: EmailMessage) -> str:
    """The path of the List-Unsubscribe link, to request from the test client."""
    url = str(message["List-Unsubscribe"]).strip("<>")
    assert url.startswith(BASE_URL + "/")
    assert url in body(message).splitlines()
    return urlsplit(url).path
