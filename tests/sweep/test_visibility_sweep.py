"""The planted-secret sweep: no route, fragment, API answer, download, export or e-mail
shows a reader anything the visibility rule keeps from them.

tests/sweep/world.py plants, once per module, one item of each kind some readers must
never see (hidden, pending, rejected and deleted questions, comments and replies, their
translations, revisions, attachments, excerpts, drafts citing them, flag details, a name
under the Chatham House rule), each carrying a secret string of its own. Then, for each
reader in `ROLES`, every route the app declares is requested at every address the planted
ids fill it with (tests/sweep/routes.py), as a page and as an htmx fragment (what need not
be sent by every reader is shared out among them: see `Turn`), and every e-mail those
readers could be sent is rendered: no secret may appear in any header or body, DOCX parts
included. The moderator of the space, who may see everything, runs the same
sweep to prove each secret is there to be found.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import reset, verification
from app.accounts.credentials import set_password
from app.comments import posting
from app.config import Settings
from app.drafts import files
from app.exports import digest as digests
from app.exports import jobs
from app.models import Comment, NoteDraft, OutboxMessage, Space, User
from app.models.comments import CommentStatus
from app.moderation import decisions
from app.notifications import mailer, outbox, worker
from app.notifications.outbox import ACCOUNT_KINDS, KINDS
from app.spaces import service as spaces
from tests.conftest import BrowserLikeClient
from tests.factories import PASSWORD
from tests.hostile import savepoint, world_on_connection
from tests.sweep.routes import (
    ALLOWLIST,
    POST_SKIPPED,
    Fill,
    Target,
    fill_for,
    get_targets,
    post_targets,
    routes_of,
    unfilled,
)
from tests.sweep.world import KINDS as SECRET_KINDS
from tests.sweep.world import ROLES, SECRETS, SweepWorld, findable, plant, viewer_of

# --- One planted world per module, a SAVEPOINT per test ----------------------------------


@pytest.fixture(scope="module")
def planted(
    engine: Engine, cheap_password_hashing: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Connection, SweepWorld, Path]]:
    data_dir = tmp_path_factory.mktemp("sweep")
    with world_on_connection(engine, data_dir, partial(plant, password=PASSWORD)) as (
        connection,
        world,
    ):
        yield connection, world, data_dir


@pytest.fixture
def connection(planted: tuple[Connection, SweepWorld, Path]) -> Iterator[Connection]:
    with savepoint(planted[0]) as conn:
        yield conn


@pytest.fixture
def world(planted: tuple[Connection, SweepWorld, Path]) -> SweepWorld:
    return planted[1]


@pytest.fixture
def settings(planted: tuple[Connection, SweepWorld, Path], database_url: str) -> Settings:
    # Every comment of a space on its first page: a later chunk would be a page unswept.
    return Settings(
        data_dir=planted[2], database_url=database_url, page_comments=1000, rate_limits=False
    )


# --- Reading responses for secrets ---------------------------------------------------------


def secrets_in(response: httpx.Response) -> set[str]:
    """The kinds whose secret this response carries, in a header or in its body
    (every part of a DOCX or other zip archive read, as Word would)."""
    parts = [f"{name}: {value}" for name, value in response.headers.multi_items()]
    content = response.content
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    else:
        parts.append(content.decode("utf-8", "replace"))
    text = "\n".join(parts).casefold()
    return {kind for kind, secret in SECRETS.items() if secret in text}


def test_the_reader_finds_secrets_however_they_are_sent() -> None:
    secret = SECRETS["hidden-comment"]
    plain = httpx.Response(200, text=f"<p>{secret.upper()}</p>")
    header = httpx.Response(
        200, headers={"Content-Disposition": f'attachment; filename="{secret}.pdf"'}
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:t>nothing</w:t>")
        archive.writestr("word/footnotes.xml", f"<w:t>{SECRETS['draft-text']}</w:t>")
    docx = httpx.Response(200, content=packed.getvalue())
    assert secrets_in(plain) == {"hidden-comment"}
    assert secrets_in(header) == {"hidden-comment"}
    assert secrets_in(docx) == {"draft-text"}
    assert secrets_in(httpx.Response(200, text="nothing here")) == set()


# --- Sweeping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One reader's share of what the readers send between them.

    Every reader sends every page of a space, and every page of what it wrote, moderates
    or is banned from. The rest (htmx requests, POSTs, translations asked for by a query
    parameter and, for signed-in readers, the pages of single items) is shared out: the
    i-th of n readers sends the targets whose checksum is i modulo n, so each is sent
    once. Anonymous readers, who see what anyone sees, send every page.
    """

    index: int
    of: int
    own: frozenset[str]
    share_items: bool

    def takes(self, target: Target, headers: dict[str, str]) -> bool:
        if self.own.intersection(target.values):
            return True
        if not (headers or target.shared or (self.share_items and target.item)):
            return True
        return self._mine(target, headers)

    def _mine(self, target: Target, headers: dict[str, str]) -> bool:
        key = f"{target.method} {target.url} {target.data} {headers}"
        return zlib.crc32(key.encode()) % self.of == self.index


@dataclass
class Sweep:
    requests: int = 0
    seen: set[str] | None = None  # kinds found anywhere (the control run)

    def __post_init__(self) -> None:
        self.leaks: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
        self.errors: dict[tuple[str, str, int], list[str]] = defaultdict(list)

    def run(
        self,
        client: BrowserLikeClient,
        targets: list[Target],
        *,
        htmx: bool,
        turn: Turn | None = None,
    ) -> None:
        """Send each target as a page (and as an htmx request), or with a `turn`, only
        this reader's share of them."""
        variants = [{}, {"HX-Request": "true"}] if htmx else [{}]
        for target in targets:
            if self.seen is not None and self.seen >= set(SECRETS):
                return  # the control run has found every secret: nothing more to learn
            for headers in variants:
                if turn is not None and not turn.takes(target, headers):
                    continue
                response = self._send(client, target, headers)
                self.requests += 1
                variant = "htmx" if headers else "page"
                if response.status_code >= 500:
                    self.errors[(target.method, target.route, response.status_code)].append(
                        target.url
                    )
                found = secrets_in(response)
                if self.seen is not None:
                    self.seen |= found
                elif found:
                    key = (target.method, target.route, variant, ", ".join(sorted(found)))
                    self.leaks[key].append(target.url)

    @staticmethod
    def _send(client: BrowserLikeClient, target: Target, headers: dict[str, str]) -> httpx.Response:
        if target.method == "GET":
            return client.get(target.url, headers=headers)
        if target.url.startswith("/api/"):
            body = {
                k: (int(v) if k.endswith("_id") and v else v or "A probe.")
                for k, v in (target.data or {}).items()
            }
            return client.post(target.url, json=body, headers=headers)
        return client.post(target.url, data=target.data or {}, headers=headers)

    def report(self, role: str) -> list[str]:
        lines = [
            f"{role}: {method} {route} ({variant}) shows {kinds}: {len(urls)} address(es), "
            f"e.g. {urls[0]}"
            for (method, route, variant, kinds), urls in sorted(self.leaks.items())
        ]
        lines += [
            f"{role}: {method} {route} answered {status}: {len(urls)} address(es), e.g. {urls[0]}"
            for (method, route, status), urls in sorted(self.errors.items())
        ]
        return lines


def _client(app: FastAPI, world: SweepWorld, role: str) -> BrowserLikeClient:
    client = BrowserLikeClient(app, follow_redirects=False, raise_server_exceptions=False)
    client.__enter__()
    if role != "anonymous":
        email = world.users[role].email
        signed = client.post("/en/sign-in", data={"email": email, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
    return client


_JOB_FILES: dict[tuple[str, str], tuple[str, bytes]] = {}
_DRAFT_FILES: dict[tuple[int, str], tuple[files.Export, bytes]] = {}


def _jobs(app: FastAPI, db: Session, settings: Settings, world: SweepWorld) -> list[str]:
    """A finished DOCX export job of the main space's moderator, and one of the other
    space's: their ids are parameters like any other."""
    store = jobs.JobStore(settings.data_dir / "exports")
    app.state.export_jobs = store
    made = []
    for role, space_key in (("moderator", "main"), ("moderator_elsewhere", "other")):
        user = db.get(User, world.users[role].id)
        assert user is not None
        space = db.get(Space, world.space_ids[space_key])
        assert space is not None
        if (world.slugs[0], role) not in _JOB_FILES:  # pandoc takes a while: once a module
            digest = digests.build_digest(
                db,
                viewer_of(db, user),
                space,
                "en",
                base_url=settings.base_url,
                now=datetime.now(UTC),
            )
            _JOB_FILES[(world.slugs[0], role)] = (digest.filename("docx"), digests.to_docx(digest))
        filename, data = _JOB_FILES[(world.slugs[0], role)]
        job = store.start(
            owner_id=user.id,
            space_id=space.id,
            key=f"sweep:{space.id}",
            filename=filename,
            content_type="application/octet-stream",
            work=lambda _progress, data=data: data,
        )
        made.append(job.id)
    # And a finished DOCX job of each draft, by its space's moderator.
    for role, draft_id in zip(("moderator", "moderator_elsewhere"), world.draft_ids, strict=True):
        user = db.get(User, world.users[role].id)
        draft = db.get(NoteDraft, draft_id)
        assert user is not None
        assert draft is not None
        if (draft_id, role) not in _DRAFT_FILES:  # pandoc once a module, as above
            now = datetime.now(UTC)
            space_view = spaces.space_of(
                db, viewer_of(db, user), draft.space_id, lang="en", now=now
            )
            # Its drafts cite withdrawn secrets on purpose: marked, never quoted.
            mark = files.Withdrawn.MARK
            prepared = files.prepare(db, draft, space_view, settings.base_url, now, mark)
            _DRAFT_FILES[(draft_id, role)] = (prepared, files.to_word(prepared))
        prepared, data = _DRAFT_FILES[(draft_id, role)]
        job = store.start(
            owner_id=user.id,
            space_id=draft.space_id,
            subject=files.job_subject(draft.id),
            key="sweep",
            filename=prepared.filename("docx"),
            content_type=files.DOCX,
            work=lambda _progress, data=data: data,
        )
        made.append(job.id)
    deadline = time.monotonic() + 10
    while any((j := store.get(i)) is None or store.read(j) is None for i in made):
        assert time.monotonic() < deadline, "the planted export jobs did not finish"
        time.sleep(0.02)
    return made


def _fill(world: SweepWorld, role: str, job_ids: list[str]) -> Fill:
    # Anonymous readers follow a participant's forwarded unsubscribe link.
    token = world.unsubscribe_tokens.get(role) or world.unsubscribe_tokens["participant"]
    return fill_for(world, token, job_ids)


def test_every_route_is_swept(app: FastAPI, world: SweepWorld) -> None:
    """A route with a parameter the sweep cannot fill fails here, by name."""
    routes = routes_of(app)
    fill = _fill(world, "participant", ["job"])
    assert unfilled(routes, fill) == [], "give tests/sweep/routes.py values for these"
    swept = {t.route for t in get_targets(routes, fill, ("en",))}
    swept |= {t.route for t in post_targets(routes, fill)}
    declared = {r.path for r in routes} - set(ALLOWLIST)
    assert declared - swept <= set(POST_SKIPPED), declared - swept
    assert len(ALLOWLIST) + len(POST_SKIPPED) <= 3  # small, each with its reason


# What a page shows depends on the reader and on the language, but a leak depends on the
# two together rarely: each reader sweeps in one language, between them all three, and
# shares out the rest with the others (see Turn), which keeps the sweep to about a
# minute. SWEEP_FULL=1 sends everything, in every language, for every reader (minutes).
FULL = os.environ.get("SWEEP_FULL") == "1"
ROLE_LANGS = {
    "anonymous": "en",
    "participant": "fr",
    "author": "es",
    "banned": "en",
    "moderator_elsewhere": "fr",
}


# Pages the application caches (app/web/pagecache.py) or builds from cached cards.
CACHED = ("/{lang}/spaces/{slug}", "/{lang}/comments/{comment_id}", "/{lang}/")


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_a_reader_what_they_may_not_see(
    app: FastAPI, db: Session, settings: Settings, world: SweepWorld, role: str
) -> None:
    routes = routes_of(app)
    fill = _fill(world, role, _jobs(app, db, settings, world))
    langs = ("en", "fr", "es") if FULL else (ROLE_LANGS[role],)
    turn = None
    if not FULL:
        own = world.own.get(role, frozenset())
        turn = Turn(ROLES.index(role), len(ROLES), own, share_items=role != "anonymous")
    # The space's moderator reads the same pages first, so a cached copy made for them
    # and served to this reader would show here too.
    pages = [t for t in get_targets(routes, fill, langs) if t.route in CACHED and "?" not in t.url]
    warm = _client(app, world, "moderator")
    try:
        for page in pages:
            for headers in ({}, {"HX-Request": "true"}):
                warm.get(page.url, headers=headers)
    finally:
        warm.__exit__(None, None, None)
    sweep = Sweep()
    client = _client(app, world, role)
    try:
        sweep.run(client, get_targets(routes, fill, langs), htmx=True, turn=turn)
        sweep.run(client, post_targets(routes, fill), htmx=True, turn=turn)
    finally:
        client.__exit__(None, None, None)
    problems = sweep.report(role)
    assert problems == [], (
        f"{len(problems)} problem(s) in {sweep.requests} requests:\n" + "\n".join(problems)
    )
    assert sweep.requests > 200


def test_every_secret_is_there_to_be_found(
    app: FastAPI, db: Session, settings: Settings, world: SweepWorld
) -> None:
    """The space's moderator, who may see all of it, finds every planted secret on the
    same routes: the sweep's silence for other readers is not a sweep that sees nothing."""
    routes = routes_of(app)
    fill = _fill(world, "participant", _jobs(app, db, settings, world))
    sweep = Sweep(seen=set())
    # Where the secrets are densest first, so the run stops early (order changes nothing else).
    dense = (
        "/{lang}/spaces/{slug}",
        "/{lang}/drafts/{draft_id}",
        "/{lang}/spaces/{slug}/moderation",
        "/{lang}/comments/{comment_id}/history",
    )
    targets = sorted(get_targets(routes, fill, ("en",)), key=lambda t: t.route not in dense)
    client = _client(app, world, "moderator")
    try:
        sweep.run(client, targets, htmx=False)
    finally:
        client.__exit__(None, None, None)
    assert set(SECRET_KINDS) - sweep.seen == set()


# --- Search, filter by filter -----------------------------------------------------------------

# The sweep above sends one query parameter at a time; a search's status filter only
# means something with words to look for, so it is swept here with each secret's.
SEARCHES = ("/{lang}/search", "/api/v1/search")


def _searches(status: str) -> Iterator[tuple[str, str]]:
    for kind, secret in SECRETS.items():
        for route in SEARCHES:
            url = route.replace("{lang}", "en")
            yield kind, f"{url}?q={findable(secret)}&status={status}"


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_nothing_a_reader_may_not_see(
    app: FastAPI, world: SweepWorld, role: str
) -> None:
    client = _client(app, world, role)
    leaks = []
    try:
        for status in CommentStatus:
            for _kind, url in _searches(status):
                response = client.get(url)
                assert response.status_code == 200, url
                if found := secrets_in(response):
                    leaks.append(f"{url} shows {sorted(found)}")
    finally:
        client.__exit__(None, None, None)
    assert leaks == []


def test_the_moderator_finds_the_secrets_a_search_can_find(app: FastAPI, world: SweepWorld) -> None:
    """What waits, was hidden or refused in the space they moderate, by its words."""
    client = _client(app, world, "moderator")
    found: set[str] = set()
    try:
        for status in CommentStatus:
            for kind, url in _searches(status):
                if kind in secrets_in(client.get(url)):
                    found.add(kind)
    finally:
        client.__exit__(None, None, None)
    # Neither files, drafts, flags, old texts nor names are searched (an excerpt is in its
    # comment's text); the deleted comment is nowhere.
    searched = {
        k
        for k in SECRET_KINDS
        if not k.endswith(("attachment-filename", "revision"))
        and not k.startswith(("draft-", "flag-", "chatham-", "deleted-"))
    }
    assert found == searched


# --- E-mail ----------------------------------------------------------------------------------


def _queue_everything(db: Session, world: SweepWorld, now: datetime) -> None:
    """Every kind of e-mail the sweep's readers could be sent, caused next to the secrets."""
    users = {role: db.get(User, account.id) for role, account in world.users.items()}
    for role, locale in (("participant", "fr"), ("author", "es"), ("banned", "en")):
        user = users[role]
        assert user is not None
        user.locale = locale
    db.flush()
    ids = world.ids
    main = db.get(Space, world.space_ids["main"])
    chatham = db.get(Space, world.space_ids["chatham"])
    assert main is not None
    assert chatham is not None
    viewers = {role: viewer_of(db, u) for role, u in users.items() if u is not None}

    def reply(role: str, space: Space, parent_id: int, text: str) -> Comment:
        return posting.submit_comment(
            db,
            viewers[role],
            space,
            body=text,
            lang="en",
            parent_id=parent_id,
            now=now,
            max_chars=20_000,
        ).comment

    # Replies (and followers' new-comment mail) in threads under hidden items.
    reply("secret_author", main, ids["under_hidden"], "A reply under the withdrawn question.")
    reply("moderator", main, ids["public"], "A moderator answers beside the hidden reply.")
    # Under the Chatham House rule: the unnamed person answers the author.
    reply("chatham", chatham, ids["author_in_chatham"], "Answering without a name again.")
    # Decisions on the author's own comments, sent while the space is pre-moderated.
    main.posting_policy = "pre-moderation"
    db.flush()
    approved = reply("author", main, ids["public"], "The author's reply, approved.")
    refused = reply("author", main, ids["public"], "The author's reply, refused.")
    main.posting_policy = "post-moderation"
    db.flush()
    decisions.approve(db, viewers["moderator"], approved, now=now)
    decisions.reject(db, viewers["moderator"], refused, reason="Said already.", now=now)
    # Whatever path fires the publication hooks again for a secret item queues nothing.
    for comment_id in world.secret_comment_ids:
        secret = db.get(Comment, comment_id)
        if secret is not None:
            outbox.comment_published(db, secret, now)
    # The digest of the other space's moderator (the main space's queue is not theirs).
    outbox.queue_moderator_digest(db, now)
    for role in ("participant", "author", "banned", "moderator_elsewhere"):
        user = users[role]
        assert user is not None
        reset.request_reset(db, user.email, now=now, lifetime=timedelta(hours=1))
        verification.send_link(db, user, now=now)
        set_password(db, user, PASSWORD + " renewed", now=now)
    db.flush()


def test_no_email_to_a_reader_carries_a_secret(
    db: Session, session_factory: sessionmaker[Session], settings: Settings, world: SweepWorld
) -> None:
    now = datetime.now(UTC)
    _queue_everything(db, world, now)
    readers = {world.users[r].id: r for r in ROLES if r in world.users}
    queued = {
        (readers[recipient], kind)
        for recipient, kind in db.execute(select(OutboxMessage.recipient_id, OutboxMessage.kind))
        if recipient in readers
    }
    db.commit()
    wire: list[EmailMessage] = []

    def capture(message: EmailMessage, _settings: Settings) -> None:
        raw = message.as_bytes()  # what an SMTP server receives, read back strictly
        wire.append(message_from_bytes(raw, policy=email_policy.default))  # type: ignore[arg-type]

    mailer.environment.cache_clear()
    while worker.drain(session_factory, settings, now=now, send=capture):
        pass
    addresses = {world.users[r].email: r for r in ROLES if r in world.users}
    leaks = []
    for message in wire:
        role = addresses.get(message["To"].addresses[0].addr_spec)
        if role is None:
            continue
        text = str(message).casefold()
        body = message.get_body(("plain",))
        if body is not None:
            text += body.get_content().casefold()
        found = sorted(kind for kind, secret in SECRETS.items() if secret in text)
        if found:
            leaks.append(f"{role}: e-mail {message['Subject']!r} carries {', '.join(found)}")
    assert leaks == [], "\n".join(leaks)
    # Every kind of e-mail went to these readers, so each template was read.
    assert {kind for _role, kind in queued} == set(KINDS) | set(ACCOUNT_KINDS), queued
