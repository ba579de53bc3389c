"""The answer to an e-mailed link that no longer works (used, expired, replaced, mistyped)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.web.security import TOKEN_PAGE_HEADERS
from app.web.templates import Renderer


def invalid_link(request: Request, render: Renderer, purpose: str) -> Response:
    """`purpose` is "reset" or "verify": the page offers to ask for a new link of that kind."""
    return render(
        request,
        "accounts/link_invalid.html",
        # On a verification page the layout's "please confirm" notice would say it twice.
        {"purpose": purpose, "about_verification": purpose == "verify"},
        status_code=400,
        headers=TOKEN_PAGE_HEADERS,
    )
