"""Benchmark: space pages served by the real server under load, against precomputed bytes.

For each database: generate (or reuse) the data, start the server with production
settings and 2 workers (`bench/serve.py`, the app wrapped by `bench/asgi.py`), then from
this process measure each page with wrk and with sequential requests, and the same
bytes served precomputed by the same server. Prints Markdown; `--record` appends it,
with the machine and the command, to bench/RESULTS.md.

    .venv/bin/python bench/run.py --db sqlite --db postgresql --duration 10
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.db import create_db_engine  # noqa: E402
from bench import dataset, load, report  # noqa: E402
from bench.asgi import PRECOMPUTED_PREFIX  # noqa: E402

HOST = "127.0.0.1"
SIZES = (200, 2000)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# A fixed CSRF cookie, as a returning browser sends: the page (which embeds the token)
# is then the same on every request, and the same as the precomputed copy.
CSRF_COOKIE = "rt_csrf=" + "b" * 43
RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    path: str
    signed_in: bool


PAGES = (
    PageSpec("space200", "200-comment space, anonymous", "/en/spaces/bench-200", False),
    PageSpec("space200-signed", "200-comment space, signed in", "/en/spaces/bench-200", True),
    PageSpec("space2000", "2,000-comment space, first screen", "/en/spaces/bench-2000", False),
)


_STARTED = time.monotonic()


def _say(message: str) -> None:
    """Progress on stderr, with the seconds since start: stdout carries only the report."""
    print(f"[{time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _server_env(
    url: str, data_dir: Path, pages: list[dict[str, str]], page_cache: bool
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROUNDTABLE_")}
    env.pop("DATABASE_URL", None)  # it would win over ROUNDTABLE_DATABASE_URL
    env.update(
        ROUNDTABLE_DATABASE_URL=url,
        ROUNDTABLE_DATA_DIR=str(data_dir),
        ROUNDTABLE_SECURE_COOKIES="true",  # production behind HTTPS: Secure cookies, HSTS
        ROUNDTABLE_SQL_ECHO="false",
        # One load generator stands for many readers: the per-address limit stays on (and is
        # counted) but set out of its reach.
        ROUNDTABLE_REQUESTS_PER_MINUTE=str(10**9),
        BENCH_PAGES=json.dumps(pages),
        # Off: every request draws its page, the cost of the first view after a change.
        **({} if page_cache else {"ROUNDTABLE_PAGE_CACHE_MB": "0"}),
        PYTHONPATH=str(ROOT),
    )
    return env


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        time.sleep(0.3)
    raise RuntimeError(f"the server did not answer in 90 s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def server(
    url: str, pages: list[dict[str, str]], workers: int, *, page_cache: bool = True
) -> Iterator[int]:
    """Start bench/serve.py on a free port; stop it (and only it) afterwards."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="roundtable-bench-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "bench" / "serve.py"),
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                cwd=ROOT,
                env=_server_env(url, Path(tmp) / "data", pages, page_cache),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers share its process group
            )
            try:
                _wait_ready(port, process, log)
                yield port
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _database_version(url: str) -> str:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                return "SQLite " + str(connection.scalar(text("select sqlite_version()")))
            return "PostgreSQL " + str(connection.scalar(text("show server_version")))
    finally:
        engine.dispose()


def _warm_up(port: int, paths: list[tuple[str, str]]) -> None:
    """Fill both workers' caches (templates, translations, connection pools)."""
    for path, cookie in paths:
        for _ in range(10):
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", path, headers=load._headers(cookie))
            conn.getresponse().read()
            conn.close()


def _stylesheet(body: bytes) -> str:
    """The page's stylesheet link: the asset the browser fetches next (hashed or not)."""
    match = re.search(rb'<link rel="stylesheet" href="([^"]+)"', body)
    if not match:
        raise RuntimeError("the page links no stylesheet")
    return match.group(1).decode()


def _settle(limit_s: float = 75.0) -> None:
    """Let the load of a previous run (this script's own) fade before measuring again.

    The one-minute load average recorded with each database should speak of other work.
    """
    deadline = time.monotonic() + limit_s
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


def measure_database(name: str, url: str, args: argparse.Namespace) -> report.DatabaseRun:
    _say(f"{name}: preparing data ({url.split('@')[-1]})")
    data = dataset.ensure(url, SIZES, fresh=args.fresh)
    note = (
        f"Data generated in {data.seconds:.0f} s."
        if data.generated
        else "Data reused from an earlier run (same generator, seed and schema)."
    )
    cookies = {
        False: CSRF_COOKIE,
        True: f"{CSRF_COOKIE}; rt_session={data.session_token}",
    }
    captured = [{"name": p.key, "path": p.path, "cookie": cookies[p.signed_in]} for p in PAGES]
    _settle()
    run = report.DatabaseRun(
        database=name,
        version=_database_version(url),
        load_average=os.getloadavg(),
        data_note=note,
    )
    _say(f"{name}: starting the server")
    with server(url, captured, args.workers) as port:
        _say(f"{name}: server ready, warming up")
        _warm_up(port, [(p.path, cookies[p.signed_in]) for p in PAGES])
        # A first load, not measured: the first seconds under load ran slower than the rest,
        # the precomputed page included, which made the first ratio of a run unreliable.
        for path in (PAGES[0].path, PRECOMPUTED_PREFIX + PAGES[0].key):
            load.run_wrk(
                f"http://{HOST}:{port}{path}",
                cookie=cookies[PAGES[0].signed_in],
                duration=3,
                connections=args.connections,
                threads=args.threads,
            )
        for page in PAGES:
            _say(f"{page.label}: probes and unloaded requests")
            cookie = cookies[page.signed_in]
            run.pages[page.key] = _measure(port, page.path, page.label, cookie, args, page.key)
        asset = _stylesheet(run.pages["space200"].probe.body)
        run.pages["static"] = _measure(port, asset, f"static asset `{asset}`", CSRF_COOKIE, args)
    _say(f"{name}: server stopped; again with the page cache off")
    with server(url, [], args.workers, page_cache=False) as port:
        _warm_up(port, [(p.path, cookies[p.signed_in]) for p in PAGES])
        for page in PAGES:
            label = f"{page.label}, drawn for every request (page cache off)"
            run.pages[page.key + report.DRAWN] = _measure(
                port, page.path, label, cookies[page.signed_in], args
            )
    _say(f"{name}: server stopped")
    return run


def _measure(
    port: int,
    path: str,
    label: str,
    cookie: str,
    args: argparse.Namespace,
    precomputed: str | None = None,
) -> report.PageResult:
    """Probe, unloaded and loaded figures for `path` (and its precomputed copy, if named)."""

    def loaded(path: str) -> load.Load:
        _say(f"wrk {path}")
        return load.run_wrk(
            f"http://{HOST}:{port}{path}",
            cookie=cookie,
            duration=args.duration,
            connections=args.connections,
            threads=args.threads,
        )

    def unloaded(path: str) -> float:
        return load.unloaded_ms(HOST, port, path, cookie=cookie, n=args.unloaded)

    probe = load.probe(HOST, port, path, cookie=cookie)
    if probe.status != 200:
        raise RuntimeError(f"GET {path} gave HTTP {probe.status}")
    result = report.PageResult(
        label=label, probe=probe, unloaded_ms=unloaded(path), load=loaded(path)
    )
    if precomputed:
        precomputed_path = PRECOMPUTED_PREFIX + precomputed
        pre_probe = load.probe(HOST, port, precomputed_path, cookie=cookie)
        if not load.same_page(pre_probe.body, probe.body):
            _say(f"warning: {precomputed} differs from its precomputed copy")
        result.precomputed_unloaded_ms = unloaded(precomputed_path)
        result.precomputed = loaded(precomputed_path)
    return result


def render(runs: list[report.DatabaseRun], args: argparse.Namespace, command: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Space pages under load, {when}",
        "",
        f"- Command: `{command}`",
        *(
            f"- {label}: {line}"
            for label, line in zip(("Machine", "Versions"), report.machine(), strict=True)
        ),
        f"- Server: `bench/serve.py` (uvicorn, {args.workers} workers, production settings, "
        "Secure cookies, JSON request logs), data from `bench/generate.py` (seed 7)",
        f"- Load: wrk, {args.threads} thread(s), {args.connections} connections, "
        f"{args.duration} s per row, from 127.0.0.1; unloaded = median of {args.unloaded} "
        "sequential requests on one connection",
        "",
    ]
    for run in runs:
        lines += report.database_section(run)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", action="append", choices=("sqlite", "postgresql"), help="repeatable"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL URL (emptied!)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per row")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unloaded", type=int, default=30, help="sequential requests")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    parser.add_argument("--record", action="store_true", help=f"append to {RESULTS.name}")
    args = parser.parse_args()
    try:
        load.wrk_path()
    except load.WrkMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    urls = {"sqlite": dataset.sqlite_url(), "postgresql": args.pg_url}
    runs = [measure_database(name, urls[name], args) for name in (args.db or ["sqlite"])]
    command = "python bench/run.py " + shlex.join(sys.argv[1:])
    output = render(runs, args, command)
    print(output)
    _say("done")
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write("\n" + output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
