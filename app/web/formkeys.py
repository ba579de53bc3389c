"""A fresh random key for every form a page draws (its idempotency key).

What a key means, and how a repeated key is answered, is the posting feature's business
(app/comments/idempotency.py); drawing one per form, and standing in for all of them
while the page cache renders a page (app/web/pagecache.py), is the page's.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Set while a page is rendered for the page cache: its forms get this stand-in, and each
# response fills in a key of its own.
_stand_in: ContextVar[str | None] = ContextVar("idempotency_stand_in", default=None)


def new_key() -> str:
    """A key for a form about to be rendered (32 URL-safe characters)."""
    return _stand_in.get() or secrets.token_urlsafe(24)


@contextmanager
def keys_as(value: str) -> Iterator[None]:
    """Render every form's key as `value`, a slot that each response fills afresh."""
    previous = _stand_in.set(value)
    try:
        yield
    finally:
        _stand_in.reset(previous)
