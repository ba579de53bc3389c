"""From posted comments to themes: the queue the triggers keep, the worker, the grouping."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.comments import editing
from app.models import AnalysisJob, Embedding, SpaceAnalysis, Theme, ThemeMember
from app.models.analysis import OWN_TEXT, ThemeKind
from app.synthesis import service, worker
from app.synthesis.embedder import Embedder, Vectors
from tests.factories import Factory
from tests.synthesis.conftest import Consultation


def _themes(db: Session, c: Consultation) -> dict[int, set[str]]:
    by_comment = {comment.id: key for key, comment in c.comments.items()}
    found: dict[int, set[str]] = {}
    for theme_id, comment_id in db.execute(
        select(ThemeMember.theme_id, ThemeMember.comment_id)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(Theme.space_id == c.space.id, Theme.kind == ThemeKind.THEME)
    ):
        if comment_id in by_comment:
            found.setdefault(theme_id, set()).add(by_comment[comment_id])
    return found


def test_posting_queues_each_text_and_the_worker_embeds_it(
    db: Session, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    ids = {c.id for c in consultation.comments.values()}
    queued = set(db.scalars(select(AnalysisJob.comment_id).where(AnalysisJob.text_key == OWN_TEXT)))
    assert ids <= queued
    made = analyse()
    assert made >= len(ids)
    assert not set(db.scalars(select(AnalysisJob.comment_id))) & ids
    stored = {e.comment_id: e for e in db.scalars(select(Embedding))}
    assert ids <= set(stored)
    some = stored[min(ids)]
    assert len(some.vector) == 384 * 4
    assert some.sentences
    assert len(some.sentence_vectors) == 384 * 4 * len(some.sentences)


def test_themes_group_one_subject_across_languages(
    db: Session, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    analyse()
    themes = _themes(db, consultation)
    assert themes, "no theme was found"
    langs = {key: consultation.comments[key].lang for key in consultation.comments}
    mixed = [t for t in themes.values() if {langs[k] for k in t} == {"en", "fr", "es"}]
    assert mixed, "no theme holds comments in all three languages"
    # Mostly one subject per theme: the largest subject of each holds most of it.
    pure = sum(
        max(
            sum(1 for k in t if consultation.themes[k] == s)
            for s in set(consultation.themes.values())
        )
        for t in themes.values()
    )
    assert pure >= 0.7 * sum(len(t) for t in themes.values())


def test_an_edit_queues_the_text_again_and_a_stale_vector_is_not_kept(
    db: Session, factory: Factory, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    analyse()
    comment = next(iter(consultation.comments.values()))
    author = db.get(type(consultation.moderator), comment.author_id)
    assert author is not None
    editing.edit_comment(
        db,
        factory.viewer(author),
        comment,
        consultation.space,
        body="Entirely new words about something else, written again for the test.",
        lang="en",
        now=datetime.now(UTC),
        max_chars=20_000,
    )
    db.flush()
    job = db.get(AnalysisJob, (comment.id, OWN_TEXT))
    assert job is not None
    assert job.generation == 1
    analyse()
    embedding = db.get(Embedding, (comment.id, OWN_TEXT))
    assert embedding is not None
    assert embedding.comment_version == comment.version == 2


def test_progress_counts_what_is_analysed(
    db: Session, factory: Factory, consultation: Consultation, analyse: Callable[[], int]
) -> None:
    viewer = factory.viewer(consultation.moderator)
    before = service.progress(db, viewer, consultation.space)
    assert (before.analysed, before.total) == (0, len(consultation.comments))
    assert before.computed_at is None
    analyse()
    db.refresh(consultation.space)
    after = service.progress(db, viewer, consultation.space)
    assert after.analysed == after.total == len(consultation.comments)
    assert after.computed_at is not None
    assert not after.stale


class _Renamed:
    """The same model under another name, as if the operator switched embedders."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return "another-model"

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self.inner.embed(texts)


def test_another_model_embeds_everything_again(
    db: Session,
    consultation: Consultation,
    analyse: Callable[[], int],
    session_factory: sessionmaker[Session],
    embedder: Embedder,
) -> None:
    analyse()
    ids = {c.id for c in consultation.comments.values()}
    db.flush()
    worker.run(session_factory, _Renamed(embedder), once=True, auto_every=timedelta(0))
    db.expire_all()
    models = {e.model for e in db.scalars(select(Embedding).where(Embedding.comment_id.in_(ids)))}
    assert models == {"another-model"}
    analysis = db.get(SpaceAnalysis, consultation.space.id)
    assert analysis is not None
    assert analysis.model == "another-model"


def test_analysis_in_the_background_runs_below_the_pages_and_the_mail(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    seen: list[int] = []

    def analyse_here(background: bool) -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        worker.run(session_factory, embedder, once=True, background=background)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) - before)

    for background in (True, False):
        thread = threading.Thread(target=analyse_here, args=(background,))
        thread.start()
        thread.join()
    # `roundtable worker`'s analysis thread yields; a command's own thread keeps its place.
    assert seen == [worker.NICENESS, 0]
