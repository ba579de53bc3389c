"""Checks on a form's raw bytes before any parser decodes them, and the page that gives a
refused form back.

Parsers smooth over what they cannot read: Starlette decodes a multipart text part that is
not UTF-8 as Latin-1 (mojibake) and an urlencoded one with U+FFFD, and a multipart body cut
short (a Content-Length smaller than what was sent) parses as a form without its last
parts. Each would store something other than what was typed, so they are refused here,
and the person gets their text back in a form that sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from app.i18n import gettext
from app.web.error_pages import PageRenderer, htmx_alert

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Never written back into a page: the token is replaced by a fresh one, and a password
# must not sit in the HTML (the person types it again).
_HIDDEN = frozenset({"csrf_token"})


def _dropped(name: str) -> bool:
    return name in _HIDDEN or "password" in name.lower()


@dataclass(frozen=True)
class RawField:
    name: bytes
    value: bytes
    filename: bytes | None = None  # set for a file part; its content is not kept


def _kind(content_type: str) -> tuple[str, dict[bytes, bytes]]:
    kind, params = parse_options_header(content_type)
    return kind.decode("latin-1").lower(), params


def _urlencoded(body: bytes) -> list[RawField]:
    # Latin-1 maps each byte to one character, so encoding back gives the bytes sent.
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return [RawField(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


class _Parts:
    """python-multipart callbacks gathering each part's name, file name and bytes."""

    def __init__(self) -> None:
        self.fields: list[RawField] = []
        self.header = b""
        self.value = b""
        self.disposition = b""
        self.data = bytearray()
        self.ended = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self.disposition, self.data = b"", bytearray()

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.data += data[start:end]

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition = self.value
        self.header = self.value = b""

    def _part_end(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.fields.append(
            RawField(options.get(b"name", b""), bytes(self.data), options.get(b"filename"))
        )

    def _end(self) -> None:
        self.ended = True


def _multipart(body: bytes, boundary: bytes) -> tuple[list[RawField], bool]:
    """The parts, and whether the closing delimiter arrived (the body is whole)."""
    parts = _Parts()
    parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
    parser.write(body)
    parser.finalize()
    return parts.fields, parts.ended


def fields(content_type: str, body: bytes) -> list[RawField]:
    """The fields of a form body as sent (none if it is not a form the parsers read)."""
    kind, params = _kind(content_type)
    try:
        if kind == URLENCODED:
            return _urlencoded(body)
        if kind == MULTIPART and params.get(b"boundary"):
            return _multipart(body, params[b"boundary"])[0]
    except Exception:
        return []
    return []


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    fields: list[RawField]


def check(content_type: str, body: bytes) -> Refusal | None:
    """Why this form body cannot be taken as sent, or None. Malformed bodies are left to
    the parsers (and their own error pages); only what they would silently alter is here."""
    kind, params = _kind(content_type)
    try:
        if kind == URLENCODED:
            fields, whole = _urlencoded(body), True
        elif kind == MULTIPART and params.get(b"boundary"):
            fields, whole = _multipart(body, params[b"boundary"])
        else:
            return None
    except Exception:  # a body the parser cannot read at all: its own error path
        return None
    if not whole:
        return Refusal(
            400,
            gettext(
                "The form arrived incomplete (the connection may have been cut). "
                "Nothing was saved: check your text below and send it again."
            ),
            fields,
        )
    for item in fields:
        try:
            item.name.decode("utf-8")
            if item.filename is None:
                item.value.decode("utf-8")
        except UnicodeDecodeError:
            return Refusal(
                400,
                gettext(
                    "Part of your text could not be read: it was not sent as UTF-8. Nothing "
                    "was saved. The characters that could not be read are shown as �; "
                    "correct them and send the form again."
                ),
                fields,
            )
    return None


def _is_token(raw: bytes) -> bool:
    return len(raw) <= 64 and raw.isascii() and not any(c in raw for c in b" \t\r\n")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def resubmission(
    scope: Scope,
    status: int,
    message: str,
    fields: list[RawField],
    headers: dict[str, str] | None = None,
    *,
    title: str | None = None,
) -> Response:
    """A refused form's answer: JSON on the API, an alert for htmx (the form stays as it
    is on the page), otherwise a page with the message and what was typed, ready to send
    again to the same address."""
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    request = Request(scope)
    if request.headers.get("hx-request") == "true":
        return htmx_alert(request, status, message, headers, title=title)
    shown = [
        {
            "name": _text(item.name),
            "value": _text(item.value),
            "long": len(item.value) > 80 or b"\n" in item.value,
            # A short token (a form key, an id, a language code) is passed on unseen;
            # what a person wrote has spaces or is long, and is shown to be checked.
            "hidden": _is_token(item.value),
        }
        for item in fields
        if item.filename is None and not _dropped(_text(item.name))
    ]
    context = {
        "status": status,
        "title": title or gettext("Your form was not sent"),
        "message": message,
        "action": scope["path"],
        "fields": shown,
        # File parts are not kept (their bytes may be megabytes): offered again, empty.
        "files": [_text(item.name) for item in fields if item.filename is not None],
    }
    renderer: PageRenderer = request.app.state.renderer
    return renderer(request, "errors/resubmit.html", context, status_code=status, headers=headers)


def content_type_of(scope: Scope) -> str:
    return Headers(scope=scope).get("content-type", "")
