"""Small guards for values that come back from the browser."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.web.urls import url_for


def safe_next(target: str, lang: str) -> str:
    """Only same-site paths may be redirected to after signing in."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return url_for("space_list", lang=lang)
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return url_for("space_list", lang=lang)
    return target
