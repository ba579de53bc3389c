"""Rate limits: counted across processes, answered with 429, Retry-After and kept text."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import ratelimit
from app.config import Settings
from app.db import create_db_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import RateCounter
from app.ratelimit import DatabaseBackend, Limiter, RedisBackend, Rule, TooMany
from tests.conftest import BrowserLikeClient
from tests.factories import PASSWORD, Factory, sign_in
from tests.html import one, parse, texts

RULE = Rule("test", 3, timedelta(minutes=10))
NOW = datetime(2026, 11, 26, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of counters apart from the rolled-back test transaction, as in production
    where counting is its own short transaction."""
    url = f"sqlite:///{tmp_path_factory.mktemp('counters') / 'counters.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def _exhaust(limiter: Limiter, subject: str) -> TooMany:
    for _ in range(RULE.limit):
        limiter.check(RULE, subject, NOW)
    with pytest.raises(TooMany) as refused:
        limiter.check(RULE, subject, NOW)
    return refused.value


def test_database_counts_are_shared_between_processes(counters: Engine) -> None:
    subject = uuid.uuid4().hex
    first = Limiter(DatabaseBackend(counters))
    # A second engine on the same database stands for a second worker process.
    second = Limiter(DatabaseBackend(create_db_engine(str(counters.url))))
    first.check(RULE, subject, NOW)
    second.check(RULE, subject, NOW)
    first.check(RULE, subject, NOW)
    with pytest.raises(TooMany) as refused:
        second.check(RULE, subject, NOW)
    assert refused.value.retry_after == 9 * 60  # the 10-minute window ends at 09:10
    later = NOW + timedelta(minutes=10)
    second.check(RULE, subject, later)  # a new window starts afresh


def test_postgresql_counts(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("runs when the suite runs on PostgreSQL")
    engine = create_db_engine(database_url)
    refused = _exhaust(Limiter(DatabaseBackend(engine)), uuid.uuid4().hex)
    assert refused.retry_after > 0
    engine.dispose()


def test_redis_counts() -> None:
    url = "redis://127.0.0.1:6379/15"
    backend = RedisBackend(url)
    try:
        backend.client.ping()
    except Exception:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    subject = uuid.uuid4().hex
    refused = _exhaust(Limiter(backend), subject)
    assert refused.retry_after == 9 * 60
    keys = backend.client.keys(f"rt:rl:test:{subject}:*")
    assert len(keys) == 1
    assert 0 < backend.client.ttl(keys[0]) <= 600


@pytest.fixture
def limited(app: FastAPI, counters: Engine) -> FastAPI:
    app.state.limiter = Limiter(DatabaseBackend(counters))
    return app


def test_sign_in_guesses_are_limited_per_account(limited: FastAPI, factory: Factory) -> None:
    user = factory.user("Alice Achieng")
    client = BrowserLikeClient(limited, follow_redirects=False)
    for _ in range(ratelimit.SIGN_IN_PER_ACCOUNT.limit):
        bad = client.post("/fr/sign-in", data={"email": user.email, "password": "wrong guess!"})
        assert bad.status_code == 422
    refused = client.post("/fr/sign-in", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    page = parse(refused.text)
    assert texts(page, "#sign-in-email-error")[0].startswith("Trop de tentatives")
    assert one(page, "#sign-in-email").attributes["value"] == user.email


def test_new_accounts_post_less_and_keep_their_text(limited: FastAPI, factory: Factory) -> None:
    newcomer = factory.user("Nora Newcomer")
    factory.space(slug="pathways")
    client = BrowserLikeClient(limited, follow_redirects=False)
    sign_in(client, newcomer)
    for n in range(ratelimit.POSTS_PER_NEW_USER.limit):
        posted = client.post(
            "/en/spaces/pathways/comments", data={"body": f"Post {n}", "lang": "en"}
        )
        assert posted.status_code == 303
    refused = client.post(
        "/en/spaces/pathways/comments", data={"body": "My careful words.", "lang": "en"}
    )
    assert refused.status_code == 429
    assert one(parse(refused.text), "#post-form-body").text() == "My careful words."
    api = client.post("/api/v1/spaces/pathways/comments", json={"body": "By the API."})
    assert api.status_code == 429
    assert "retry-after" in api.headers


def test_reports_per_day_and_writes_per_address(
    limited: FastAPI, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "FLAGS_PER_USER", Rule("flags-test", 1, timedelta(days=1)))
    author, flagger = factory.user("Alice Achieng"), factory.user("Bob Baptiste")
    space = factory.space(slug="pathways")
    first = factory.comment(space, author, "One.")
    second = factory.comment(space, author, "Two.")
    client = BrowserLikeClient(limited, follow_redirects=False)
    sign_in(client, flagger)
    assert (
        client.post(f"/en/comments/{first.id}/report", data={"reason": "spam"}).status_code == 200
    )
    refused = client.post(f"/en/comments/{second.id}/report", data={"reason": "spam"})
    assert refused.status_code == 429
    monkeypatch.setattr(
        "app.web.request_rate.WRITES_PER_IP", Rule("writes-test", 1, timedelta(minutes=1))
    )
    other = BrowserLikeClient(limited, follow_redirects=False)
    other.post("/en/sign-in", data={"email": "x@example.org", "password": "whatever it is"})
    flood = other.post("/es/sign-in", data={"email": "x@example.org", "password": "again"})
    assert flood.status_code == 429
    flooded = parse(flood.text)
    assert one(flooded, "h1").text().strip() == "Demasiadas solicitudes"
    # What was typed comes back, except the password: never written into a page.
    assert one(flooded, "form.resubmit input[name=email]").attributes["value"] == "x@example.org"
    assert flooded.css("[name=password]") == []
    assert "again" not in flood.text


def test_counters_are_pruned(counters: Engine) -> None:
    limiter = Limiter(DatabaseBackend(counters))
    limiter.check(RULE, "old", NOW - timedelta(days=5))
    with Session(counters) as db:
        ratelimit.prune_counters(db, NOW - timedelta(days=2))
        db.commit()
        left = db.scalar(
            select(func.count()).select_from(RateCounter).where(RateCounter.key == "test:old")
        )
    assert left == 0


def test_batched_counts_reach_the_shared_counter_a_batch_at_a_time(counters: Engine) -> None:
    rule = Rule("batched-test", 10, timedelta(minutes=1))
    subject = uuid.uuid4().hex
    # Two limiters on one database: two worker processes counting the same address.
    first = Limiter(DatabaseBackend(counters))
    second = Limiter(DatabaseBackend(create_db_engine(str(counters.url))))

    def shared() -> int:
        with Session(counters) as db:
            return (
                db.scalar(
                    select(RateCounter.count).where(RateCounter.key == f"batched-test:{subject}")
                )
                or 0
            )

    for _ in range(4):
        first.check_batched(rule, subject, 5, NOW)
    assert shared() == 0  # still in memory
    first.check_batched(rule, subject, 5, NOW)
    assert shared() == 5
    for _ in range(5):
        second.check_batched(rule, subject, 5, NOW)
    assert shared() == 10  # at the limit, not past it
    for _ in range(4):
        first.check_batched(rule, subject, 5, NOW)
    with pytest.raises(TooMany) as refused:
        first.check_batched(rule, subject, 5, NOW)
    assert refused.value.retry_after == 60  # the one-minute window ends at 09:02
    assert shared() == 15
    # Known to be over the limit: refused again without another trip to the database.
    with pytest.raises(TooMany):
        first.check_batched(rule, subject, 5, NOW)
    assert shared() == 15
    first.check_batched(rule, subject, 5, NOW + timedelta(minutes=1))  # a new window


def _within_one_window(margin_s: float = 10.0) -> None:
    """The middleware counts in real one-minute windows: a test's burst must not straddle
    two of them (it did once, and its 61 requests counted as two smaller bursts)."""
    left = 60 - time.time() % 60
    if left < margin_s:
        time.sleep(left + 0.1)


def test_pages_are_limited_per_address_with_a_translated_429(
    settings: Settings, session_factory: sessionmaker[Session], counters: Engine
) -> None:
    changed = {"rate_limits": True, "requests_per_minute": 40}
    app = create_app(settings.model_copy(update=changed))
    app.state.session_factory = session_factory
    app.state.limiter = Limiter(DatabaseBackend(counters))
    client = BrowserLikeClient(app, follow_redirects=False)
    _within_one_window()
    statuses = [client.get("/fr/").status_code for _ in range(60)]
    # Counted 20 at a time: the third batch (requests 41-60) finds the address over 40.
    assert statuses[:59] == [200] * 59
    assert statuses[59] == 429
    refused = client.get("/fr/")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert one(parse(refused.text), "h1").text().strip() == "Trop de requêtes"
    assert client.get("/healthz").status_code == 200  # probes are never limited


def test_past_the_write_limit_a_post_keeps_its_form_and_text(
    limited: FastAPI, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No JS: the form comes back with the text. htmx: an alert, the form left as it is.
    The wait is said in the reader's language, with the right plural, on the API too."""
    factory.space(slug="pathways")
    client = BrowserLikeClient(limited, follow_redirects=False)
    sign_in(client, factory.user("Nora Newcomer"))
    monkeypatch.setattr(
        "app.web.request_rate.WRITES_PER_IP", Rule("writes-form", 1, timedelta(minutes=1))
    )
    text = "Mes mots pesés avec soin, sur deux lignes.\nLa seconde."
    first = client.post("/fr/spaces/pathways/comments", data={"body": "Un.", "lang": "fr"})
    assert first.status_code == 303
    refused = client.post("/fr/spaces/pathways/comments", data={"body": text, "lang": "fr"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    page = parse(refused.text)
    message = texts(page, "[role=alert]")[0]
    assert message == (
        "Trop de tentatives en peu de temps. Veuillez patienter 1 minute et réessayer."
    )
    form = one(page, "form.resubmit")
    assert form.attributes["action"] == "/fr/spaces/pathways/comments"
    assert one(form, "textarea[name=body]").text().strip("\n") == text
    assert one(form, "input[name=lang]").attributes["value"] == "fr"

    htmx = client.post(
        "/fr/spaces/pathways/comments",
        data={"body": text, "lang": "fr"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 429
    assert htmx.headers["HX-Retarget"] == "#alerts"
    alert = parse(htmx.text)
    assert alert.css("main, header, h1, form") == []  # a fragment, not a whole page
    assert texts(alert, "[role=alert] p")[-1].startswith("Trop de tentatives")

    api = client.post(
        "/api/v1/spaces/pathways/comments",
        json={"body": "Par l'API."},
        headers={"Accept-Language": "es"},
    )
    assert api.status_code == 429
    assert api.json()["detail"].startswith("Demasiados intentos en poco tiempo. Espere 1 minuto ")


def test_the_wait_is_counted_in_minutes_with_plurals() -> None:
    from app.i18n import using

    with using("en"):
        assert "wait 1 minute and" in TooMany(30).message
        assert "wait 3 minutes and" in TooMany(150).message
    with using("fr"):
        assert "patienter 2 minutes et" in TooMany(61).message
