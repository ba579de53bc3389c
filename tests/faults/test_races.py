"""Pairs of saves racing on the same versioned row: one wins, the other is told, nothing is lost.

Two real requests, each with its own session cookie and its own database connection,
against a database of its own whose transactions commit (tests/own_db.py). On PostgreSQL a
rendezvous holds each request at its first write to the row's tables until both have got
there, so both have read the same version: exactly the moment a compare-then-write on a
plain SELECT loses an update. SQLite takes one writer at a time (BEGIN IMMEDIATE), so
there the second request simply finds the new version; the outcomes asserted are the same.
Each race runs for many rounds, because an unprotected save only loses some of them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import transaction
from app.drafts import service as drafts
from app.drafts.syntax import Content
from app.i18n import translations
from app.main import create_app
from app.models import (
    Comment,
    CommentRevision,
    CommentTranslation,
    DraftRevision,
    ModerationEvent,
    NoteDraft,
    Space,
    SpaceText,
    User,
)
from app.models.moderation import ModerationAction
from app.policy import ANONYMOUS, Purpose, read_as
from tests import own_db
from tests.conftest import BrowserLikeClient
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts

pytestmark = pytest.mark.faults

ROUNDS = 20


class Rendezvous:
    """Holds the first write of each racing request to some tables until both are there."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.active = engine.dialect.name == "postgresql"
        self.pattern: re.Pattern[str] | None = None
        self.barrier = threading.Barrier(2, timeout=15)
        self.held: set[int] = set()
        self.lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._hold)

    def arm(self, *tables: str) -> None:
        self.pattern = re.compile(rf"\s*(UPDATE|INSERT INTO) ({'|'.join(tables)})\b")
        self.barrier = threading.Barrier(2, timeout=15)
        self.held = set()

    def disarm(self) -> None:
        self.pattern = None

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hold)

    def _hold(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.active or self.pattern is None or not self.pattern.match(statement):
            return
        key = id(conn.connection.dbapi_connection)
        with self.lock:
            if key in self.held or len(self.held) >= 2:
                return
            self.held.add(key)
        self.barrier.wait()  # both read the row before either writes it


@dataclass
class Racing:
    app: FastAPI
    factory: sessionmaker[Session]
    rendezvous: Rendezvous
    mona: User
    marc: User
    alice: User
    ada: User
    abe: User
    space: Space
    clients: ExitStack

    def client(self, user: User, lang: str) -> TestClient:
        """A browser of its own (its own session cookie), signed in; closed with the module."""
        client = self.clients.enter_context(BrowserLikeClient(self.app, follow_redirects=False))
        sign_in(client, user, lang=lang)
        return client

    def pair(self, people: tuple[User, User], langs: tuple[str, str]) -> list[TestClient]:
        """Two browsers, one per person, each speaking its own language."""
        return [self.client(p, lang) for p, lang in zip(people, langs, strict=True)]

    def look(self) -> Session:
        session = self.factory()
        read_as(session, ANONYMOUS, Purpose.SYSTEM)
        return session


def versions_seen(
    clients: list[TestClient], langs: tuple[str, str], path: str, field: str
) -> list[str]:
    """The version each browser's copy of the form at `/{lang}{path}` holds in `field`."""
    pages = [parse(c.get(f"/{lang}{path}").text) for c, lang in zip(clients, langs, strict=True)]
    return [one(p, f"input[name={field}]").attributes["value"] for p in pages]


@pytest.fixture(scope="module")
def racing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Racing]:
    tmp = tmp_path_factory.mktemp("races")
    url = own_db.create(tmp, "races")
    app = create_app(
        Settings(data_dir=tmp / "data", database_url=url, rate_limits=False, page_comments=20)
    )
    factory: sessionmaker[Session] = app.state.session_factory
    with transaction(factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        people = Factory(db)
        mona, marc, alice = people.user("Mona"), people.user("Marc"), people.user("Alice")
        ada, abe = people.user("Ada", admin=True), people.user("Abe", admin=True)
        space = people.space(slug="races", moderators=(mona, marc))
    rendezvous = Rendezvous(app.state.engine)
    with ExitStack() as clients:
        yield Racing(app, factory, rendezvous, mona, marc, alice, ada, abe, space, clients)
    rendezvous.close()
    app.state.engine.dispose()
    own_db.drop(url)


def race(
    racing: Racing, tables: tuple[str, ...], *sends: Callable[[], httpx.Response]
) -> list[Any]:
    """Send both requests at once; their responses in the order of `sends`."""
    racing.rendezvous.arm(*tables)
    start = threading.Barrier(len(sends), timeout=15)
    answers: list[Any] = [None] * len(sends)

    def run(i: int) -> None:
        start.wait()
        try:
            answers[i] = sends[i]()
        except BaseException as exc:  # reported by the assertions, never swallowed
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    racing.rendezvous.disarm()
    assert not any(t.is_alive() for t in threads)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers


def _message(lang: str, english: str) -> str:
    text = translations(lang).gettext(english)
    assert lang == "en" or text != english
    return " ".join(text.split())


STALE_APPROVAL = (
    "Someone saved this draft after you opened it (version %(number)s now)."
    " Read that version, then choose again."
)
STALE_COMMENT = (
    "This comment was changed elsewhere after you opened it. The current text "
    "is shown above; your text is kept below: merge them and save again."
)
STALE_SETTINGS = (
    "Another moderator changed these settings after you opened them. Your choices "
    "are kept in the form; save again to replace theirs, or reload to see them."
)


def test_racing_edits_of_a_comment_keep_every_text(racing: Racing) -> None:
    """Same author, two sessions, same version: one 303, one 409 with both texts shown."""
    with transaction(racing.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        comment = Factory(db).comment(racing.space, racing.alice, "Round 0.")
    langs = ("en", "fr")
    clients = [racing.client(racing.alice, lang) for lang in langs]
    accepted: list[str] = []
    problems: list[str] = []
    for n in range(1, ROUNDS + 1):
        htmx = {"HX-Request": "true"} if n % 2 else {}
        seen = versions_seen(clients, langs, f"/comments/{comment.id}/edit", "version")
        with racing.look() as db:
            before = db.get_one(Comment, comment.id)
            previous, version = before.body_md, before.version
            kept = db.scalar(select(func.count()).select_from(CommentRevision)) or 0
        assert seen == [str(version)] * 2
        bodies = [f"Round {n}, written in the {lang} session." for lang in langs]

        sends = [
            partial(
                clients[i].post,
                f"/{langs[i]}/comments/{comment.id}/edit",
                data={"body": bodies[i], "lang": "en", "version": seen[i]},
                headers=htmx,
            )
            for i in range(2)
        ]
        answers = race(racing, ("comments", "comment_revisions"), *sends)
        codes = [a.status_code for a in answers]
        winners = [i for i, a in enumerate(answers) if a.status_code in (200, 303)]
        accepted += [bodies[i] for i in winners]
        if sorted(codes) != [200 if htmx else 303, 409]:
            problems.append(f"round {n}: answered {codes}")
            continue
        win, lose = winners[0], 1 - winners[0]
        page = parse(answers[lose].text)
        # The loser gets their own words back, the winner's beside them, and a form based
        # on the version that won, with the reason in their language.
        assert one(page, "textarea[name=body]").text() == bodies[lose]
        assert one(page, ".theirs pre").text() == bodies[win]
        assert one(page, "input[name=version]").attributes["value"] == str(version + 1)
        assert _message(langs[lose], STALE_COMMENT) in texts(page, ".error-summary li")
        with racing.look() as db:
            after = db.get_one(Comment, comment.id)
            revisions = db.scalars(
                select(CommentRevision.body_md)
                .where(CommentRevision.comment_id == comment.id)
                .order_by(CommentRevision.id.desc())
            ).all()
            assert (after.version, after.body_md) == (version + 1, bodies[win])
            assert len(revisions) == kept + 1
            assert revisions[0] == previous
    with racing.look() as db:
        current = db.get_one(Comment, comment.id).body_md
        history = set(
            db.scalars(
                select(CommentRevision.body_md).where(CommentRevision.comment_id == comment.id)
            )
        )
    lost = [text for text in accepted if text != current and text not in history]
    assert (problems, lost) == ([], []), f"{len(lost)} of {len(accepted)} accepted saves lost"


def _settings_form(space: Space, threshold: int, depth: int, version: str) -> dict[str, str]:
    return {
        "posting_policy": space.posting_policy,
        "attribution": space.attribution,
        "opens_on": space.opens_at.date().isoformat(),
        "closes_on": space.closes_at.date().isoformat() if space.closes_at else "",
        "max_shown_depth": str(depth),
        "flag_threshold": str(threshold),
        "version": version,
    }


def test_racing_settings_saves_apply_and_audit_one(racing: Racing) -> None:
    """Two moderators save the settings from the same version: one applies and is audited."""
    langs = ("en", "es")
    clients = racing.pair((racing.mona, racing.marc), langs)
    slug = racing.space.slug
    problems: list[str] = []
    for n in range(1, ROUNDS + 1):
        seen = versions_seen(clients, langs, f"/spaces/{slug}/settings", "version")
        with racing.look() as db:
            space = db.get_one(Space, racing.space.id)
            version = space.version
            audited = db.scalar(
                select(func.count())
                .select_from(ModerationEvent)
                .where(ModerationEvent.action == ModerationAction.SETTINGS)
            )
        assert seen == [str(version)] * 2
        wanted = [(2 * n + 1, 1 + n % 5), (2 * n + 2, 6)]  # (threshold, depth): all differ
        forms = [_settings_form(space, *wanted[i], seen[i]) for i in range(2)]

        sends = [
            partial(clients[i].post, f"/{langs[i]}/spaces/{slug}/settings", data=forms[i])
            for i in range(2)
        ]
        answers = race(racing, ("spaces", "moderation_events"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            space = db.get_one(Space, racing.space.id)
            events = db.scalars(
                select(ModerationEvent.reason)
                .where(ModerationEvent.action == ModerationAction.SETTINGS)
                .order_by(ModerationEvent.id)
            ).all()
            state = (space.version, space.flag_threshold, space.max_shown_depth)
        if sorted(codes) != [303, 409]:
            problems.append(f"round {n}: answered {codes}, {len(events) - audited} audited")
            continue
        win, lose = codes.index(303), codes.index(409)
        assert state == (version + 1, *wanted[win])
        # One change, one audit entry, describing what was applied.
        assert len(events) == audited + 1
        assert f"depth {wanted[win][1]}, threshold {wanted[win][0]}" in events[-1]
        page = parse(answers[lose].text)
        assert one(page, "input[name=flag_threshold]").attributes["value"] == str(wanted[lose][0])
        assert one(page, "input[name=version]").attributes["value"] == str(version + 1)
        assert _message(langs[lose], STALE_SETTINGS) in texts(page, ".error-summary li")
    assert problems == []


def _new_draft(racing: Racing) -> int:
    with transaction(racing.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        people = Factory(db)
        draft = drafts.create_draft(
            db,
            people.viewer(racing.mona),
            db.get_one(Space, racing.space.id),
            template="background-note",
            lang="en",
            title="Note on pathways",
            now=datetime.now(UTC),
        )
        return draft.id


def _draft_form(draft: NoteDraft, base: str, **changed: str) -> dict[str, str]:
    sections = Content.of(draft.content).sections
    form = {"title": draft.title, "base_version": base}
    for key in ("background", "objectives", "guiding-questions"):
        form[f"section_{key}"] = changed.get(key.replace("-", "_"), sections.get(key, ""))
    return form


def test_racing_draft_saves_merge_or_answer_409_with_both_texts(racing: Racing) -> None:
    """Odd rounds touch different sections (both kept), even rounds the same one (409)."""
    draft_id = _new_draft(racing)
    langs = ("en", "fr")
    clients = racing.pair((racing.mona, racing.marc), langs)
    problems: list[str] = []
    accepted: list[str] = []
    for n in range(1, ROUNDS + 1):
        seen = versions_seen(clients, langs, f"/drafts/{draft_id}", "base_version")
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
            version = draft.version
            before = Content.of(draft.content).sections
        assert seen == [str(version)] * 2
        apart = n % 2 == 1
        texts_sent = [f"Round {n}: Mona's paragraph.", f"Round {n}: Marc's paragraph."]
        forms = [
            _draft_form(draft, seen[0], background=texts_sent[0]),
            _draft_form(draft, seen[1], **{"objectives" if apart else "background": texts_sent[1]}),
        ]

        sends = [
            partial(clients[i].post, f"/{langs[i]}/drafts/{draft_id}", data=forms[i])
            for i in range(2)
        ]
        answers = race(racing, ("note_drafts", "draft_revisions"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
            sections = Content.of(draft.content).sections
            numbers = db.scalars(
                select(DraftRevision.version).where(DraftRevision.draft_id == draft_id)
            ).all()
        accepted += [texts_sent[i] for i, code in enumerate(codes) if code == 303]
        if apart:
            if codes != [303, 303]:
                problems.append(f"round {n} (other sections): answered {codes}")
                continue
            assert draft.version == version + 2
            assert sections["background"] == texts_sent[0]
            assert sections["objectives"] == texts_sent[1]
            assert sections["guiding-questions"] == before["guiding-questions"]
        else:
            if sorted(codes) != [303, 409]:
                problems.append(f"round {n} (same section): answered {codes}")
                continue
            win, lose = codes.index(303), codes.index(409)
            assert draft.version == version + 1
            assert sections["background"] == texts_sent[win]
            page = parse(answers[lose].text)
            assert one(page, "textarea[name=section_background]").text() == texts_sent[lose]
            theirs = one(page, "#draft-section_background-theirs pre").text()
            assert theirs == texts_sent[win]
            assert one(page, "input[name=base_version]").attributes["value"] == str(version + 1)
            heading = _message(langs[lose], "Someone saved this draft while you were editing")
            assert heading in texts(page, ".error-summary h2")
        # One revision per accepted save, numbered without gaps or repeats.
        assert sorted(numbers) == list(range(1, draft.version + 1))
    with racing.look() as db:
        kept = [
            Content.of(r.content).sections
            for r in db.scalars(select(DraftRevision).where(DraftRevision.draft_id == draft_id))
        ]
    lost = [t for t in accepted if not any(t in s.values() for s in kept)]
    assert (problems, lost) == ([], [])


def test_racing_state_changes_make_one_transition(racing: Racing) -> None:
    """Two moderators send the same draft for review at once: one moves it, one is told."""
    langs = ("en", "es")
    clients = racing.pair((racing.mona, racing.marc), langs)
    problems: list[str] = []
    for n in range(1, ROUNDS // 2 + 1):
        draft_id = _new_draft(racing)

        sends = [
            partial(
                clients[i].post,
                f"/{langs[i]}/drafts/{draft_id}/state",
                data={"to": "in-review", "note": f"from {langs[i]}"},
            )
            for i in range(2)
        ]
        answers = race(racing, ("note_drafts", "draft_revisions"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
            revisions = db.scalars(
                select(DraftRevision.state).where(DraftRevision.draft_id == draft_id)
            ).all()
        if sorted(codes) != [303, 422]:
            problems.append(f"round {n}: answered {codes}")
            continue
        assert (draft.state, draft.version) == ("in-review", 2)
        assert sorted(revisions) == ["draft", "in-review"]
        page = parse(answers[codes.index(422)].text)
        lang = langs[codes.index(422)]
        refused = _message(lang, "This draft cannot move to that state now.")
        assert refused in texts(page, ".error-summary li")
    assert problems == []


def _approved_draft(racing: Racing) -> int:
    draft_id = _new_draft(racing)
    with transaction(racing.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        draft = db.get_one(NoteDraft, draft_id)
        viewer = Factory(db).viewer(racing.mona)
        for state in ("in-review", "approved"):
            drafts.change_state(db, viewer, draft, to=state, note="", now=datetime.now(UTC))
    return draft_id


def test_racing_new_versions_of_an_approved_draft_make_one(racing: Racing) -> None:
    """Two moderators start a new version of the same approved draft at once: one does."""
    langs = ("en", "fr")
    clients = racing.pair((racing.mona, racing.marc), langs)
    problems: list[str] = []
    for n in range(1, ROUNDS // 2 + 1):
        draft_id = _approved_draft(racing)
        sends = [
            partial(clients[i].post, f"/{langs[i]}/drafts/{draft_id}/state", data={"to": "draft"})
            for i in range(2)
        ]
        answers = race(racing, ("note_drafts", "draft_revisions"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
            states = db.scalars(
                select(DraftRevision.state)
                .where(DraftRevision.draft_id == draft_id)
                .order_by(DraftRevision.version)
            ).all()
        if sorted(codes) != [303, 422]:
            problems.append(f"round {n}: answered {codes}")
            continue
        assert (draft.state, draft.version) == ("draft", 4)
        assert list(states) == ["draft", "in-review", "approved", "draft"]
        lose = codes.index(422)
        refused = _message(langs[lose], "This draft cannot move to that state now.")
        assert refused in texts(parse(answers[lose].text), ".error-summary li")
    assert problems == []


def _in_review(racing: Racing, words: str) -> tuple[int, int, dict[str, object], dict[str, str]]:
    """A new draft sent for review: its id, version and content, and a save form for it
    (based on that version) writing `words` in its first section."""
    draft_id = _new_draft(racing)
    with transaction(racing.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        draft = db.get_one(NoteDraft, draft_id)
        viewer = Factory(db).viewer(racing.mona)
        drafts.change_state(db, viewer, draft, to="in-review", note="", now=datetime.now(UTC))
        form = _draft_form(draft, str(draft.version), background=words)
        return draft_id, draft.version, dict(draft.content), form


def test_racing_save_and_approval_never_change_an_approved_text(racing: Racing) -> None:
    """A save racing an approval either lands before it (and is what was approved) or is
    refused, its text sent back: never a change after the approved version."""
    langs = ("en", "es")
    clients = racing.pair((racing.mona, racing.marc), langs)
    problems: list[str] = []
    for n in range(1, ROUNDS // 2 + 1):
        draft_id, _version, _content, form = _in_review(racing, f"Round {n}: late words.")
        sends = [
            partial(clients[0].post, f"/{langs[0]}/drafts/{draft_id}", data=form),
            partial(
                clients[1].post, f"/{langs[1]}/drafts/{draft_id}/state", data={"to": "approved"}
            ),
        ]
        answers = race(racing, ("note_drafts", "draft_revisions"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
            approved = db.scalars(
                select(DraftRevision).where(
                    DraftRevision.draft_id == draft_id, DraftRevision.state == "approved"
                )
            ).one()
        if codes not in ([303, 303], [422, 303]):
            problems.append(f"round {n}: answered {codes}")
            continue
        # Nothing after the approval: it is the draft's last version, with its words.
        assert draft.state == "approved"
        assert approved.version == draft.version
        assert approved.content == draft.content
        saved = Content.of(draft.content).sections["background"] == form["section_background"]
        assert saved == (codes[0] == 303)
        if codes[0] == 422:
            page = parse(answers[0].text)
            kept = one(page, "textarea[name=section_background]").text()
            assert kept == form["section_background"]
    assert problems == []


def test_racing_save_and_approval_of_the_version_read_make_one_of_them(racing: Racing) -> None:
    """An approval names the version its moderator read: a save racing it either lands
    first (and the approval, of a text nobody read, is refused) or is refused after it."""
    langs = ("en", "fr")
    clients = racing.pair((racing.mona, racing.marc), langs)
    problems: list[str] = []
    for n in range(1, ROUNDS // 2 + 1):
        draft_id, read, read_content, form = _in_review(racing, f"Round {n}: unread words.")
        approval = {"to": "approved", "seen_version": str(read)}
        sends = [
            partial(clients[0].post, f"/{langs[0]}/drafts/{draft_id}", data=form),
            partial(clients[1].post, f"/{langs[1]}/drafts/{draft_id}/state", data=approval),
        ]
        answers = race(racing, ("note_drafts", "draft_revisions"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            draft = db.get_one(NoteDraft, draft_id)
        if sorted(codes) != [303, 422]:
            problems.append(f"round {n}: answered {codes}")
            continue
        assert draft.version == read + 1  # one change only
        if codes[0] == 303:  # the save won: nothing approved that nobody read
            assert draft.state == "in-review"
            said = _message(langs[1], STALE_APPROVAL) % {"number": draft.version}
            assert texts(parse(answers[1].text), ".error-summary li") == [said]
        else:
            assert draft.state == "approved"
            assert draft.content == read_content
    assert problems == []


def test_racing_closings_close_and_audit_once(racing: Racing) -> None:
    """A space closed by two moderators at once is closed, and audited, once."""
    clients = [racing.client(person, "en") for person in (racing.mona, racing.marc)]
    problems: list[str] = []
    for n in range(1, ROUNDS // 2 + 1):
        with transaction(racing.factory) as db:
            read_as(db, ANONYMOUS, Purpose.SYSTEM)
            space = Factory(db).space(slug=f"closing-{n}", moderators=(racing.mona, racing.marc))
            space_id, slug, version = space.id, space.slug, space.version

        sends = [
            partial(clients[i].post, f"/en/spaces/{slug}/close", data={"reason": f"By {i}."})
            for i in range(2)
        ]
        answers = race(racing, ("spaces", "moderation_events"), *sends)
        with racing.look() as db:
            space = db.get_one(Space, space_id)
            reasons = db.scalars(
                select(ModerationEvent.reason).where(
                    ModerationEvent.space_id == space_id,
                    ModerationEvent.action == ModerationAction.CLOSE_SPACE,
                )
            ).all()
        if [a.status_code for a in answers] != [303, 303] or len(reasons) != 1:
            problems.append(f"round {n}: {len(reasons)} closings audited")
            continue
        # The reason on the page is the one audited, and open settings forms are now stale.
        assert space.closed_early_reason == reasons[0]
        assert space.version == version + 1
    assert problems == []


STALE_TEXTS = (
    "Someone else changed these texts after you opened them. Your texts are kept in the "
    "form; save again to replace theirs, or reload to see them."
)


def test_racing_space_text_saves_keep_the_loser_s_texts(racing: Racing) -> None:
    """Two administrators save a space's texts from the same version: one 303, one 409."""
    langs = ("en", "fr")
    clients = racing.pair((racing.ada, racing.abe), langs)
    slug = racing.space.slug
    problems: list[str] = []
    for n in range(1, ROUNDS + 1):
        seen = versions_seen(clients, langs, f"/admin/spaces/{slug}", "texts_version")
        with racing.look() as db:
            version = db.get_one(Space, racing.space.id).texts_version
        assert seen == [str(version)] * 2
        titles = [f"Voies, version {n} d’Ada", f"Voies, version {n} d’Abe"]
        forms = [
            {
                "title_en": "Consultation on labour mobility",
                "title_fr": titles[i],
                "texts_version": seen[i],
            }
            for i in range(2)
        ]
        sends = [
            partial(clients[i].post, f"/{langs[i]}/admin/spaces/{slug}", data=forms[i])
            for i in range(2)
        ]
        answers = race(racing, ("spaces", "space_texts"), *sends)
        codes = [a.status_code for a in answers]
        with racing.look() as db:
            space = db.get_one(Space, racing.space.id)
            shown = db.scalar(
                select(SpaceText.title).where(
                    SpaceText.space_id == space.id, SpaceText.lang == "fr"
                )
            )
        if sorted(codes) != [303, 409]:
            problems.append(f"round {n}: answered {codes}, French title {shown!r}")
            continue
        win, lose = codes.index(303), codes.index(409)
        assert (space.texts_version, shown) == (version + 1, titles[win])
        page = parse(answers[lose].text)
        assert one(page, "#texts-title_fr").attributes["value"] == titles[lose]
        assert one(page, "input[name=texts_version]").attributes["value"] == str(version + 1)
        assert _message(langs[lose], STALE_TEXTS) in texts(page, ".error-summary li")
    assert problems == []


def test_racing_translation_saves_keep_every_text_in_the_history(racing: Racing) -> None:
    """Translations name no version: both saves apply in turn, and neither text is lost."""
    with transaction(racing.factory) as db:
        read_as(db, ANONYMOUS, Purpose.SYSTEM)
        comment = Factory(db).comment(racing.space, racing.alice, "A comment to translate.")
    clients = [racing.client(racing.alice, lang) for lang in ("en", "es")]
    accepted: list[str] = []
    problems: list[str] = []
    for n in range(1, ROUNDS + 1):
        bodies = [f"Ronda {n}, primera sesión.", f"Ronda {n}, segunda sesión."]
        sends = [
            partial(
                clients[i].post,
                f"/en/comments/{comment.id}/translate",
                data={"body": bodies[i], "lang": "es"},
            )
            for i in range(2)
        ]
        # The first round races two first translations: one inserts, the other replaces it.
        answers = race(racing, ("comments", "comment_translations", "comment_revisions"), *sends)
        codes = [a.status_code for a in answers]
        if codes != [303, 303]:
            problems.append(f"round {n}: answered {codes}")
            continue
        accepted += bodies
    with racing.look() as db:
        current = db.get_one(CommentTranslation, (comment.id, "es")).body_md
        replaced = db.scalars(
            select(CommentRevision.body_md).where(
                CommentRevision.comment_id == comment.id, CommentRevision.lang == "es"
            )
        ).all()
    # Every text but the last was replaced exactly once, and is in the history once.
    assert problems == []
    assert current in accepted
    assert sorted([*replaced, current]) == sorted(accepted)
