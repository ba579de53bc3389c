"""The benchmark harness's pieces work (bench/): data generator, server wrapper, wrk parsing.

Nothing here is timed and nothing needs wrk: the runner's measurements are only as good
as the data it generates, the page it compares with, and how it reads wrk's output.
"""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import Comment, CommentTranslation, Space
from bench import asgi, generate, load

SIZE = 12
CSRF = "rt_csrf=" + "c" * 43
WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/en/spaces/bench-200
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    15.20ms    3.10ms  48.00ms   90.00%
    Req/Sec   530.12     40.00   600.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   16.00ms
     90%   18.00ms
     99%    1.20s
  2650 requests in 5.00s, 480.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    529.87
Transfer/sec:     96.00MB
"""


def _space_rows(db: Session, slug: str) -> list[Comment]:
    return list(
        db.scalars(
            select(Comment).join(Space, Space.id == Comment.space_id).where(Space.slug == slug)
        )
    )


def test_generator_makes_the_sizes_depths_and_languages(db: Session) -> None:
    stats, _reader = generate.populate(db, (SIZE,), seed=3)

    rows = _space_rows(db, f"bench-{SIZE}")
    kinds = Counter(c.kind for c in rows)
    assert kinds == {"comment": SIZE, "question": generate.QUESTIONS}
    comments = [c for c in rows if c.kind == "comment"]
    assert max(c.depth for c in comments) == generate.MAX_DEPTH
    assert Counter(c.lang for c in comments) == {"en": 4, "fr": 4, "es": 4}
    assert all(110 <= len(c.body_md.split()) <= 190 for c in comments)
    assert all(c.body_html.startswith("<") for c in comments)  # rendered like a real post
    questions = [c.id for c in rows if c.kind == "question"]
    translated = db.scalars(
        select(CommentTranslation.lang).where(CommentTranslation.comment_id.in_(questions))
    ).all()
    assert Counter(translated) == {"fr": generate.QUESTIONS, "es": generate.QUESTIONS}
    assert stats[SIZE].comments == SIZE
    assert stats[SIZE].max_depth == generate.MAX_DEPTH


def _content(db: Session) -> list[tuple[int, str, str, str]]:
    # Not ids or paths: PostgreSQL does not give sequence numbers back on rollback.
    return sorted(
        (c.depth, c.lang, c.body_md, c.created_at.isoformat())
        for c in _space_rows(db, f"bench-{SIZE}")
    )


def test_generator_is_deterministic(db: Session) -> None:
    generate.populate(db, (SIZE,), seed=3)
    first = _content(db)
    db.rollback()

    generate.populate(db, (SIZE,), seed=3)
    assert _content(db) == first
    db.rollback()

    generate.populate(db, (SIZE,), seed=4)
    assert _content(db) != first


def test_wrapper_serves_the_real_page_precomputed_and_counts_statements(
    app: FastAPI, db: Session, engine: Engine
) -> None:
    generate.populate(db, (SIZE,), seed=3)
    db.flush()
    path = f"/en/spaces/bench-{SIZE}"
    wrapped = asgi.wrap(app, [asgi.Page("page", path, CSRF)], engine=engine)
    client = TestClient(wrapped)
    headers = {"Cookie": CSRF, "Accept-Language": "en", "Accept-Encoding": "identity"}

    real = client.get(path, headers=headers)
    precomputed = client.get(asgi.PRECOMPUTED_PREFIX + "page", headers=headers)

    assert real.status_code == precomputed.status_code == 200
    assert precomputed.content == real.content
    assert precomputed.headers["content-type"] == real.headers["content-type"]
    # As a browser asks: encoded alike (gzip when the app compresses), the same page inside.
    zipped = {**headers, "Accept-Encoding": "gzip"}
    real_zipped = client.get(path, headers=zipped)
    precomputed_zipped = client.get(asgi.PRECOMPUTED_PREFIX + "page", headers=zipped)
    assert precomputed_zipped.headers.get("content-encoding") == real_zipped.headers.get(
        "content-encoding"
    )
    assert precomputed_zipped.content == real_zipped.content == real.content
    stored = app.state.bench_pages["page"].gzip_body
    if real_zipped.headers.get("content-encoding") == "gzip":
        # Sent as stored, not compressed again per request: compressing is the page's cost.
        with client.stream("GET", asgi.PRECOMPUTED_PREFIX + "page", headers=zipped) as raw:
            assert b"".join(raw.iter_raw()) == stored
        assert gzip.decompress(stored) == real.content
    else:
        assert stored is None
    # Both went through the app's middleware: security headers on each.
    assert precomputed.headers["content-security-policy"] == real.headers["content-security-policy"]
    assert int(real.headers[asgi.STATEMENTS_HEADER]) >= 3
    assert precomputed.headers[asgi.STATEMENTS_HEADER] == "0"
    assert client.get(asgi.PRECOMPUTED_PREFIX + "nothing").status_code == 404
    probe = load.Probe(200, real.content, None, None, 0, "")
    assert probe.comments == min(SIZE + generate.QUESTIONS, 20)  # settings.page_comments


def test_pages_differing_only_in_idempotency_keys_are_the_same_page() -> None:
    form = b'<input type="hidden" name="idempotency_key" value="%s"><p>%s</p>'
    assert load.same_page(form % (b"abc", b"x"), form % (b"xyz", b"x"))
    assert not load.same_page(form % (b"abc", b"x"), form % (b"abc", b"y"))


def test_wrk_output_is_read_in_milliseconds_with_errors() -> None:
    result = load.parse_wrk(WRK_OUTPUT)

    assert result.requests_per_s == pytest.approx(529.87)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.errors == 4 + 2 + 1
    with pytest.raises(ValueError, match="could not read"):
        load.parse_wrk("connection refused")


def test_a_missing_wrk_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")

    with pytest.raises(load.WrkMissing, match="make bench-deps"):
        load.wrk_path()
