"""Benchmark: 20 connections of mixed reads and writes against the real server, 2 workers.

For each database: reuse (or generate) run.py's data, add a space and fresh participants
for this run, start the server as run.py does (bench/serve.py, production settings, rate
limits on), then for `--duration` seconds keep `--connections` keep-alive clients busy:
85 % page views, 10 % posts (a third of them replies), 5 % other writes (edits of one's
own comment, reports). Each client sends from an address of its own (X-Forwarded-For,
trusted from 127.0.0.1 as behind a proxy), so the per-address limits apply as in real
life, and each post comes from one of 300 participants, under the per-person limits.
Prints Markdown: refused writes (any 5xx, 429 or broken connection; the goal is 0), the
latency of posts (p50/p99) and of the other kinds, and each worker's RSS over time.

    .venv/bin/python bench/mixed_load.py --db sqlite --db postgresql --duration 180
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shlex
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app.accounts import names  # noqa: E402
from app.accounts import service as accounts  # noqa: E402
from app.admin import service as admin  # noqa: E402
from app.db import create_db_engine, make_session_factory, transaction  # noqa: E402
from app.models import User  # noqa: E402
from app.policy import Person, Viewer  # noqa: E402
from bench import dataset, report, words  # noqa: E402
from bench.run import CSRF_COOKIE, DEFAULT_PG, HOST, RESULTS, SIZES, server  # noqa: E402

PARTICIPANTS = 300
TOKEN = CSRF_COOKIE.split("=", 1)[1]
POSTED = re.compile(r"posted=(\d+)")
RSS_EVERY = 10.0  # seconds between samples of the workers' memory


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1


@dataclass
class Setup:
    slug: str
    cookies: list[str]  # session cookies of this run's participants
    reader_cookie: str


def _setup(url: str, run_id: str) -> Setup:
    """A space and participants of this run's own (their post limits start afresh)."""
    data = dataset.ensure(url, SIZES)
    engine = create_db_engine(url)
    now = datetime.now(UTC)
    try:
        with transaction(make_session_factory(engine)) as db:
            root = db.scalars(select(User).where(User.is_admin.is_(True))).first()
            assert root is not None
            slug = f"mixed-{run_id}"
            texts = admin.SpaceTexts(
                title={"en": f"Mixed load {run_id}", "fr": "Charge mixte", "es": "Carga mixta"},
                intro={
                    lang: words.paragraphs(random.Random(1), lang, 60)
                    for lang in ("en", "fr", "es")
                },
            )
            admin.create_space(
                db,
                Viewer(user=Person.of(root), moderated_space_ids=frozenset()),
                admin.NewSpace(
                    slug=slug,
                    original_lang="en",
                    opens_on=(now - timedelta(days=1)).date().isoformat(),
                    closes_on=(now + timedelta(days=30)).date().isoformat(),
                    texts=texts,
                ),
                now=now,
            )
            people = [
                User(
                    email=f"load-{run_id}-{i}@bench.example",
                    display_name=f"Load {run_id} {i}",
                    display_name_key=names.display_name_key(f"Load {run_id} {i}"),
                    password_hash="!",  # noqa: S106 - never signs in: sessions are made here
                    locale="en",
                    # Accounts older than a day: the ordinary posting limit applies.
                    created_at=now - timedelta(days=30),
                )
                for i in range(PARTICIPANTS)
            ]
            db.add_all(people)
            db.flush()
            cookies = [
                "rt_session="
                + accounts.start_session(
                    db, person, now=now, max_age=timedelta(days=1), agent="mixed-load"
                )
                for person in people
            ]
    finally:
        engine.dispose()
    return Setup(slug, cookies, f"rt_session={data.session_token}")


class Client(threading.Thread):
    """One keep-alive connection, from an address of its own, sending the mix until told."""

    def __init__(
        self, index: int, port: int, setup: Setup, tally: Tally, stop: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(index)
        self.port, self.setup, self.tally, self.stop = port, setup, tally, stop
        self.address = f"10.0.{index // 250}.{index % 250 + 1}"
        self.mine: dict[str, list[int]] = defaultdict(list)  # cookie -> own comment ids
        self.recent: list[int] = []
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=60)

    def _send(
        self, kind: str, method: str, path: str, cookie: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {
            "Cookie": f"{CSRF_COOKIE}; {cookie}",
            "X-Forwarded-For": self.address,
            "Accept-Language": "en",
        }
        body = None
        if form is not None:
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRF-Token": TOKEN,
                "Origin": f"http://{HOST}:{self.port}",
            }
            body = urlencode(form)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            status, location = response.status, response.getheader("Location") or ""
        except (OSError, http.client.HTTPException) as exc:
            with self.tally.lock:
                self.tally.errors[f"{kind}: {type(exc).__name__}"] += 1
            self.conn.close()
            self.conn = self._connect()
            status, location = 0, ""
        self.tally.note(kind, status, time.perf_counter() - started)
        return status, location

    def run(self) -> None:
        slug = self.setup.slug
        while not self.stop.is_set():
            roll = self.rng.random()
            cookie = self.rng.choice(self.setup.cookies)
            if roll < 0.85:
                self._read()
            elif roll < 0.95:
                parent = self.rng.choice(self.recent) if self.recent and roll < 0.8833 else None
                form = {
                    "body": words.paragraphs(self.rng, "en", self.rng.randint(60, 160)),
                    "lang": "en",
                    "lang_default": "en",
                    "idempotency_key": secrets.token_urlsafe(16),
                }
                if parent is not None:
                    form["parent_id"] = str(parent)
                status, location = self._send(
                    "post", "POST", f"/en/spaces/{slug}/comments", cookie, form
                )
                found = POSTED.search(location) if status == 303 else None
                if found:
                    self.mine[cookie].append(int(found.group(1)))
                    self.recent = [*self.recent[-49:], int(found.group(1))]
            elif roll < 0.975 and self.mine:
                owner = self.rng.choice(list(self.mine))
                comment = self.rng.choice(self.mine[owner])
                form = {
                    "body": words.paragraphs(self.rng, "en", self.rng.randint(60, 160)),
                    "lang": "en",
                }
                self._send("edit", "POST", f"/en/comments/{comment}/edit", owner, form)
            elif self.recent:
                comment = self.rng.choice(self.recent)
                form = {"reason": "off-topic", "details": "Bench report."}
                self._send("report", "POST", f"/en/comments/{comment}/report", cookie, form)

    def _read(self) -> None:
        pick = self.rng.random()
        if pick < 0.4:
            self._send("read", "GET", "/en/spaces/bench-200", "")
        elif pick < 0.6:
            self._send("read", "GET", "/en/spaces/bench-2000", self.setup.reader_cookie)
        elif pick < 0.85 or not self.recent:
            self._send("read", "GET", f"/en/spaces/{self.setup.slug}", "")
        else:
            self._send("read", "GET", f"/en/comments/{self.rng.choice(self.recent)}", "")


def _workers(master: int) -> list[int]:
    """The uvicorn workers: the master's children but multiprocessing's resource tracker."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    workers = []
    for pid in children:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            workers.append(int(pid))
    return workers


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _server_pid(port: int) -> int:
    """The uvicorn master listening on `port` (bench.run.server does not expose it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"--port" in cmdline
            and str(port).encode() in cmdline
            and any(part.endswith(b"serve.py") for part in cmdline)
        ):
            return int(entry.name)
    raise RuntimeError("server process not found")


def run_database(
    label: str, url: str, *, duration: int, connections: int, workers: int
) -> list[str]:
    run_id = secrets.token_hex(3)
    setup = _setup(url, run_id)
    tally = Tally()
    rss: list[tuple[float, list[float | None]]] = []
    with server(url, [], workers) as port:
        master = _server_pid(port)
        stop = threading.Event()
        clients = [Client(i, port, setup, tally, stop) for i in range(connections)]
        started = time.monotonic()
        for client in clients:
            client.start()
        while (elapsed := time.monotonic() - started) < duration:
            rss.append((elapsed, [_rss_mb(pid) for pid in _workers(master)]))
            time.sleep(min(RSS_EVERY, max(0.0, duration - elapsed)))
        rss.append((time.monotonic() - started, [_rss_mb(pid) for pid in _workers(master)]))
        stop.set()
        for client in clients:
            client.join(timeout=90)
    return _section(label, url, tally, rss, duration, connections, workers)


def _section(
    label: str,
    url: str,
    tally: Tally,
    rss: list[tuple[float, list[float | None]]],
    duration: int,
    connections: int,
    workers: int,
) -> list[str]:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"### {label}: {connections} connections, {workers} workers, {duration} s",
        "",
        f"Load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs.",
        "",
        "| kind | requests | per s | refused (5xx, 429, broken) | other non-2xx/3xx "
        "| p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    refused_writes = 0
    for kind in ("read", "post", "edit", "report"):
        statuses = tally.statuses.get(kind, Counter())
        total = sum(statuses.values())
        refused = sum(n for s, n in statuses.items() if s == 0 or s == 429 or s >= 500)
        other = sum(n for s, n in statuses.items() if 400 <= s < 500 and s != 429)
        if kind != "read":
            refused_writes += refused
        values = tally.latencies.get(kind, [])
        lines.append(
            f"| {kind} | {total} | {total / duration:.1f} | {refused} | {other} "
            f"| {_percentile(values, 0.5) * 1000:.0f} | {_percentile(values, 0.99) * 1000:.0f} "
            f"| {max(values, default=0) * 1000:.0f} |"
        )
    codes = {k: dict(sorted(v.items())) for k, v in tally.statuses.items()}
    lines += [
        "",
        f"**Refused writes: {refused_writes}** (goal: 0). Status codes: `{codes}`"
        + (f"; connection errors: `{dict(tally.errors)}`" if tally.errors else ""),
        "",
        "Worker RSS (MiB) over time: "
        + ", ".join(
            f"{t:.0f} s: " + "/".join(f"{m:.0f}" if m else "?" for m in mbs) for t, mbs in rss
        ),
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--duration", type=int, default=180)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--label", default="", help="a note for the report (e.g. 'before')")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    out = [
        f"## Mixed reads and writes ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
        + (f": {args.label}" if args.label else ""),
        "",
        *(f"- {line}" for line in report.machine()),
        f"- command: `{shlex.join(['.venv/bin/python', 'bench/mixed_load.py', *sys.argv[1:]])}`",
        f"- checkout: `{ROOT}`",
        "",
    ]
    for db in args.db or ["sqlite"]:
        url = dataset.sqlite_url() if db == "sqlite" else args.pg_url
        out += run_database(
            "SQLite" if db == "sqlite" else "PostgreSQL",
            url,
            duration=args.duration,
            connections=args.connections,
            workers=args.workers,
        )
    text = "\n".join(out)
    print(text)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
