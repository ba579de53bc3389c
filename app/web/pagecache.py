"""Pages rendered once per version of what they show, and per reader.

A page depends only on its address, on data whose version the caller names (a space's
`content_version`, kept by database triggers, and its open or closed phase) and on the
reader: the whole `Viewer` value (account, roles, bans, queue), or nobody, for everyone
not signed in, who share one copy. Per response, the reader's CSRF token and a fresh
idempotency key for each form are stitched in. A hit costs the query that reads the
version (and, for a signed-in reader, the session's) and the copying of bytes already
compressed; the first reader after a change pays for the rendering. Each worker process
keeps its own cache, bounded in bytes, least recently used dropped first.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.db import transaction
from app.policy import ANONYMOUS, Viewer, read_as
from app.web import csrf, formkeys
from app.web.deps import SESSION_COOKIE, viewer_of
from app.web.stitching import StitchedBody

# Stand in for the CSRF token and for forms' idempotency keys while a page is rendered for
# the cache: random and secret, so no text a participant writes can contain them.
TOKEN_SLOT = secrets.token_urlsafe(32)
KEY_SLOT = secrets.token_urlsafe(24)
_STAND_INS = (TOKEN_SLOT, KEY_SLOT)


@dataclass(frozen=True)
class _Entry:
    version: Hashable
    body: StitchedBody


class PageCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        # Routes run in the thread pool: the order and the byte count change together.
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable) -> StitchedBody | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            self._entries.move_to_end(key)
            return entry.body

    def put(self, key: Hashable, version: Hashable, body: StitchedBody) -> None:
        if body.size > self.max_bytes:
            return
        with self._lock:
            # One entry per address: a newer version replaces the page it made stale.
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.body.size
            self._entries[key] = _Entry(version, body)
            self._bytes += body.size
            while self._bytes > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.body.size

    def __len__(self) -> int:
        return len(self._entries)


Draw = Callable[[Session, Viewer], Response]
VersionOf = Callable[[Connection], Hashable]


async def serve(
    request: Request, now: datetime, key: Hashable, version_of: VersionOf, draw: Draw
) -> Response:
    """The page at `key` for this reader, from the cache when it is still right.

    Without a session cookie nothing leaves the event loop but a miss: reading the
    version is one indexed query, and a hit only copies bytes. With one, the session is
    resolved in the thread pool, as for any other page, and the reader's page is cached
    under everything the layout and the tools depend on (the `Viewer` value).
    """
    state = request.app.state
    cache: PageCache = state.page_cache
    if request.cookies.get(SESSION_COOKIE) or not cache.max_bytes:
        return await run_in_threadpool(_signed_in, request, now, key, version_of, draw)
    request.state.viewer = ANONYMOUS
    # A read-only unit of work begun here: a miss draws in the same one, in a thread.
    with transaction(state.session_factory, writes=False) as db:
        read_as(db, ANONYMOUS)
        version = version_of(db.connection())
        body = cache.get((key, ANONYMOUS), version)
        if body is None:
            return await run_in_threadpool(_drawn, request, db, ANONYMOUS, key, version, draw)
    return _response(request, body)


def _signed_in(
    request: Request, now: datetime, key: Hashable, version_of: VersionOf, draw: Draw
) -> Response:
    """Resolve the reader from the session cookie, then draw the page or reuse theirs."""
    state = request.app.state
    with transaction(state.session_factory, writes=False) as db:
        viewer = viewer_of(request, db, state.settings, now)
        if not state.page_cache.max_bytes:
            return draw(db, viewer)
        return _drawn(request, db, viewer, key, version_of(db.connection()), draw)


def _drawn(
    request: Request, db: Session, viewer: Viewer, key: Hashable, version: Hashable, draw: Draw
) -> Response:
    """The reader's cached page at `version`, drawn (and kept) when there is none.

    The version was read before drawing, never after: a page drawn from newer data than
    its version says is only replaced sooner, one drawn from older data would be stale.
    """
    cache: PageCache = request.app.state.page_cache
    body = cache.get((key, viewer), version)
    if body is None:
        with csrf.token_as(TOKEN_SLOT), formkeys.keys_as(KEY_SLOT):
            response = draw(db, viewer)
        if response.status_code != 200 or not isinstance(response.body, bytes):
            # Not a page to keep: drawn again with this reader's own token and keys.
            return draw(db, viewer)
        body = StitchedBody.split(response.body.decode(), _STAND_INS)
        cache.put((key, viewer), version, body)
    return _response(request, body)


def _response(request: Request, body: StitchedBody) -> Response:
    token = csrf.current_token()
    # Every form gets a key of its own, as if the page had just been drawn.
    values = [token if slot == 0 else formkeys.new_key() for slot in body.slots]
    headers = {"Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Already encoded: the compression middleware passes it on untouched.
        headers["Content-Encoding"] = "gzip"
        return HTMLResponse(body.gzip(values), headers=headers)
    return HTMLResponse(body.plain(values), headers=headers)
