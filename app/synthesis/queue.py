"""The embedding queue: claim texts to embed, embed them outside any transaction, store.

Jobs are written by database triggers (migration `synthesis_analysis`). A claim is a
lease, as for the outbox: PostgreSQL workers skip rows another holds, and nobody takes a
leased job before its lease runs out. A vector is stored only for the text it was made
from: if the comment changed while it was being embedded, the job (bumped by the
trigger) stays for the next round, and the stale vector is dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import policy
from app.curation.service import fingerprint
from app.db import transaction, upsert
from app.markup import plain_text
from app.models import AnalysisJob, Comment, CommentTranslation, Embedding, SpaceAnalysis
from app.models.analysis import OWN_TEXT
from app.models.comments import CommentStatus
from app.synthesis import sentences
from app.synthesis.embedder import Embedder
from app.synthesis.vectors import pack

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
RETRY = timedelta(minutes=1)
MAX_ATTEMPTS = 5
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Claim:
    comment_id: int
    text_key: str
    generation: int
    attempts: int


@dataclass(frozen=True)
class Text:
    """What one job embeds, read when it was claimed."""

    claim: Claim
    space_id: int
    lang: str
    comment_version: int
    words: str | None  # None: the text is gone (a translation removed)


def claim(
    session_factory: sessionmaker[Session], now: datetime, limit: int, space_id: int | None = None
) -> list[Claim]:
    """Lease up to `limit` due jobs to this worker (of one space, if given)."""
    due = (
        select(AnalysisJob.comment_id, AnalysisJob.text_key)
        .where(
            or_(AnalysisJob.lease_until.is_(None), AnalysisJob.lease_until <= now),
            AnalysisJob.attempts < MAX_ATTEMPTS,
        )
        .order_by(AnalysisJob.comment_id, AnalysisJob.text_key)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if space_id is not None:
        due = due.where(
            AnalysisJob.comment_id.in_(select(Comment.id).where(Comment.space_id == space_id))
        )
    with transaction(session_factory) as db:
        picked = db.execute(due).all()
        if not picked:
            return []
        claims = []
        for comment_id, text_key in picked:
            row = db.execute(
                update(AnalysisJob)
                .where(AnalysisJob.comment_id == comment_id, AnalysisJob.text_key == text_key)
                .values(lease_until=now + LEASE)
                .returning(AnalysisJob.generation, AnalysisJob.attempts)
                .execution_options(synchronize_session=False)
            ).one()
            claims.append(Claim(comment_id, text_key, row.generation, row.attempts))
    return claims


def read_texts(session_factory: sessionmaker[Session], claims: list[Claim]) -> list[Text]:
    """The words each claimed job embeds: the comment's own text or its translation."""
    ids = sorted({c.comment_id for c in claims})
    with transaction(session_factory, writes=False) as db:
        policy.read_as(db, policy.ANONYMOUS, policy.Purpose.SYSTEM)
        comments = {
            row.id: row
            for row in db.execute(
                select(
                    Comment.id, Comment.space_id, Comment.lang, Comment.version, Comment.body_html
                ).where(Comment.id.in_(ids))
            )
        }
        translations = {
            (row.comment_id, row.lang): row.body_html
            for row in db.execute(
                select(
                    CommentTranslation.comment_id,
                    CommentTranslation.lang,
                    CommentTranslation.body_html,
                ).where(CommentTranslation.comment_id.in_(ids))
            )
        }
    texts = []
    for item in claims:
        comment = comments.get(item.comment_id)
        if comment is None:
            continue  # deleted since: its job went with it
        if item.text_key == OWN_TEXT:
            lang, html = comment.lang, comment.body_html
        else:
            lang, html = item.text_key, translations.get((item.comment_id, item.text_key))
        words = None if html is None else plain_text(html)
        texts.append(Text(item, comment.space_id, lang, comment.version, words))
    return texts


@dataclass(frozen=True)
class Result:
    text: Text
    vector: bytes
    spans: list[list[int]]
    sentence_vectors: bytes


def embed(embedder: Embedder, texts: list[Text]) -> list[Result]:
    """Each text and each of its sentences, in one batch for the model."""
    inputs: list[str] = []
    layout: list[tuple[Text, list[tuple[int, int]]]] = []
    for text in texts:
        if text.words is None:
            continue
        cut = sentences.spans(text.words)
        layout.append((text, cut))
        inputs.append(text.words)
        inputs += [text.words[start:end] for start, end in cut]
    if not inputs:
        return []
    vectors = embedder.embed(inputs)
    results, at = [], 0
    for text, cut in layout:
        own, parts = vectors[at], vectors[at + 1 : at + 1 + len(cut)]
        at += 1 + len(cut)
        results.append(Result(text, pack(own), [[a, b] for a, b in cut], pack(parts)))
    return results


def store(
    session_factory: sessionmaker[Session],
    texts: list[Text],
    results: list[Result],
    model: str,
    now: datetime,
) -> int:
    """Keep the vectors of texts unchanged since they were read; close their jobs.

    Returns how many texts are now current. A job whose generation moved on stays queued
    (its lease released), and its stale vector is not kept.
    """
    made = {(r.text.claim.comment_id, r.text.claim.text_key): r for r in results}
    stored = 0
    with transaction(session_factory) as db:
        policy.read_as(db, policy.ANONYMOUS, policy.Purpose.SYSTEM)
        touched: set[int] = set()
        for text in texts:
            job = text.claim
            key = (AnalysisJob.comment_id == job.comment_id, AnalysisJob.text_key == job.text_key)
            current = db.execute(
                select(AnalysisJob.generation).where(*key).with_for_update()
            ).scalar_one_or_none()
            if current != job.generation:
                # Changed while we worked: leave it to the next round, at once.
                db.execute(update(AnalysisJob).where(*key).values(lease_until=None))
                continue
            db.execute(
                delete(Embedding).where(
                    Embedding.comment_id == job.comment_id, Embedding.text_key == job.text_key
                )
            )
            result = made.get((job.comment_id, job.text_key))
            if result is not None:
                assert text.words is not None
                db.execute(
                    insert(Embedding).values(
                        comment_id=job.comment_id,
                        text_key=job.text_key,
                        lang=text.lang,
                        comment_version=text.comment_version,
                        source_hash=fingerprint(text.words),
                        model=model,
                        vector=result.vector,
                        sentences=result.spans,
                        sentence_vectors=result.sentence_vectors,
                        computed_at=now,
                    )
                )
            # Only the generation embedded: a change committed since keeps its job.
            db.execute(delete(AnalysisJob).where(*key, AnalysisJob.generation == job.generation))
            touched.add(text.space_id)
            stored += 1
        want(db, touched)
    return stored


def want(db: Session, space_ids: set[int]) -> None:
    """The themes of these spaces are to be computed again (by new embeddings, or because
    a moderator asked)."""
    for space_id in sorted(space_ids):
        # content_version -1: never computed. Two writers may both insert: one row wins.
        db.execute(
            upsert(db.get_bind(), SpaceAnalysis)
            .values(
                space_id=space_id,
                content_version=-1,
                comments=0,
                model="",
                wanted=True,
                computed_at=datetime.now(UTC),
            )
            .on_conflict_do_update(index_elements=["space_id"], set_={"wanted": True})
        )


def fail(
    session_factory: sessionmaker[Session], claims: list[Claim], exc: Exception, now: datetime
) -> None:
    message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    with transaction(session_factory) as db:
        for job in claims:
            db.execute(
                update(AnalysisJob)
                .where(
                    AnalysisJob.comment_id == job.comment_id,
                    AnalysisJob.text_key == job.text_key,
                    AnalysisJob.generation == job.generation,
                )
                .values(
                    attempts=job.attempts + 1,
                    last_error=message,
                    lease_until=now + RETRY * 2**job.attempts,
                )
            )


def run_once(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    now: datetime,
    limit: int = 16,
    space_id: int | None = None,
) -> int:
    """Claim, embed and store one batch; returns how many texts were made current."""
    claims = claim(session_factory, now, limit, space_id)
    if not claims:
        return 0
    texts = read_texts(session_factory, claims)
    try:
        results = embed(embedder, texts)
    except Exception as exc:
        log.warning("embedding %d text(s) failed: %s", len(claims), exc)
        fail(session_factory, claims, exc, now)
        return 0
    return store(session_factory, texts, results, embedder.name, now)


def requeue_other_models(session_factory: sessionmaker[Session], model: str) -> int:
    """Queue again every text whose vector another model made (the embedder changed)."""
    with transaction(session_factory) as db:
        stale = select(Embedding.comment_id, Embedding.text_key).where(Embedding.model != model)
        result = db.execute(
            upsert(db.get_bind(), AnalysisJob)
            .from_select(["comment_id", "text_key"], stale)
            .on_conflict_do_nothing()
        )
        return int(getattr(result, "rowcount", 0) or 0)


def pending_in(db: Session, space_id: int) -> int:
    """Published texts of a space still waiting for their vectors."""
    return (
        db.scalar(
            select(func.count())
            .select_from(AnalysisJob)
            .join(Comment, Comment.id == AnalysisJob.comment_id)
            .where(Comment.space_id == space_id, Comment.status == CommentStatus.PUBLISHED)
        )
        or 0
    )
