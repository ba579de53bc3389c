"""Files handed to the reader: always as a download, never sniffed, never cached by others."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

# A download opened in the browser anyway runs nothing and loads nothing.
SANDBOX = "sandbox; default-src 'none'"


def content_disposition(filename: str) -> str:
    """An attachment with an ASCII fallback name and the exact UTF-8 one (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download_headers(filename: str, cache: str = "private, no-store") -> dict[str, str]:
    return {
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Cache-Control": cache,
    }


def download(body: str | bytes, filename: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers=download_headers(filename))
