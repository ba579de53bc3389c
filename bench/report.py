"""The runner's figures as Markdown: the machine, one table per database, the issue's targets."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Load, Probe

# Issue 6's targets (2-core machine, sessions, CSRF and i18n middleware on).
TARGET_RATIO = 0.15
TARGET_UNLOADED_200_MS = 10.0
TARGET_UNLOADED_2000_MS = 20.0
TARGET_BYTES_PER_COMMENT = 1300
DRAWN = "-drawn"  # key suffix of a page measured with the page cache off (bench/run.py)


@dataclass
class PageResult:
    label: str
    probe: Probe
    unloaded_ms: float
    load: Load
    precomputed: Load | None = None
    precomputed_unloaded_ms: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.precomputed is None or not self.precomputed.requests_per_s:
            return None
        return self.load.requests_per_s / self.precomputed.requests_per_s

    @property
    def bytes_per_comment(self) -> float | None:
        shown = self.probe.comments
        return len(self.probe.body) / shown if shown else None


@dataclass
class DatabaseRun:
    database: str
    version: str
    load_average: tuple[float, float, float]
    data_note: str
    pages: dict[str, PageResult] = field(default_factory=dict)


def machine() -> list[str]:
    """nproc, CPU model, RAM, OS and the versions that shape the figures."""
    model = "unknown CPU"
    memory = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kib / 2**20:.0f} GiB"
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        wrk_version = (wrk.stdout or wrk.stderr).split()[1]
    except (OSError, IndexError):
        wrk_version = "missing"
    import uvicorn

    return [
        f'{os.cpu_count()} CPUs (`nproc`), "{model}", {memory} RAM, {os_name}',
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"uvicorn {uvicorn.__version__}, wrk {wrk_version}",
    ]


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(run: DatabaseRun) -> list[str]:
    lines = [
        "| page | req/s | p50 ms | p99 ms | unloaded ms | ratio | bytes | comments "
        "| bytes/comment | gzip bytes (server) | gzip -6 bytes | SQL |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in run.pages.values():
        p = result.probe
        server_gzip = "not compressed" if p.gzip_bytes is None else f"{p.gzip_bytes:,}"
        lines.append(
            f"| {result.label} | {result.load.requests_per_s:,.0f} | {result.load.p50_ms:.2f} "
            f"| {result.load.p99_ms:.2f} | {result.unloaded_ms:.2f} | {_num(result.ratio, '.3f')} "
            f"| {len(p.body):,} | {p.comments or '—'} | {_num(result.bytes_per_comment, ',.0f')} "
            f"| {server_gzip} | {p.gzip6_bytes:,} | {_num(p.statements, 'd')} |"
        )
        if result.precomputed is not None:
            pre = result.precomputed
            lines.append(
                f"| ↳ same bytes, precomputed | {pre.requests_per_s:,.0f} | {pre.p50_ms:.2f} "
                f"| {pre.p99_ms:.2f} | {_num(result.precomputed_unloaded_ms, '.2f')} | 1 "
                f"| | | | | | {_num(0, 'd')} |"
            )
    errors = sum(
        r.load.errors + (r.precomputed.errors if r.precomputed else 0) for r in run.pages.values()
    )
    if errors:
        lines.append(f"\n**{errors} failed requests (socket errors or non-2xx) during the load.**")
    return lines


def targets(run: DatabaseRun) -> list[str]:
    """The issue's targets that this run measures, each with its verdict."""
    rows: list[tuple[str, str, str, bool | None]] = []
    small = run.pages.get("space200")
    big = run.pages.get("space2000")
    static = run.pages.get("static")
    if small:
        rows.append(
            (
                "200 comments: req/s ÷ precomputed",
                _num(small.ratio, ".3f"),
                f"≥ {TARGET_RATIO}",
                small.ratio is not None and small.ratio >= TARGET_RATIO,
            )
        )
        rows.append(
            (
                "200 comments: unloaded",
                f"{small.unloaded_ms:.2f} ms",
                f"≤ {TARGET_UNLOADED_200_MS:g} ms",
                small.unloaded_ms <= TARGET_UNLOADED_200_MS,
            )
        )
        per = small.bytes_per_comment
        rows.append(
            (
                "HTML per comment, uncompressed",
                _num(per, ",.0f") + " B",
                f"≤ {TARGET_BYTES_PER_COMMENT:,} B",
                per is not None and per <= TARGET_BYTES_PER_COMMENT,
            )
        )
        rows.append(
            (
                "pages compressed by the server",
                "yes" if small.probe.gzip_bytes is not None else "no",
                "yes",
                small.probe.gzip_bytes is not None,
            )
        )
    if big:
        rows.append(
            (
                "2,000 comments: first screen unloaded",
                f"{big.unloaded_ms:.2f} ms",
                f"≤ {TARGET_UNLOADED_2000_MS:g} ms",
                big.unloaded_ms <= TARGET_UNLOADED_2000_MS,
            )
        )
    small_drawn = run.pages.get("space200" + DRAWN)
    big_drawn = run.pages.get("space2000" + DRAWN)
    # The page cache off: the first view after a change, drawn from the database.
    for result, name, goal in (
        (small_drawn, "200 comments, drawn: unloaded", TARGET_UNLOADED_200_MS),
        (big_drawn, "2,000 comments, first screen drawn: unloaded", TARGET_UNLOADED_2000_MS),
    ):
        if result:
            rows.append(
                (name, f"{result.unloaded_ms:.2f} ms", f"≤ {goal:g} ms", result.unloaded_ms <= goal)
            )
    for pair, name in (
        ((small, big), "SQL statements, 200 vs 2,000 comments (cached page)"),
        ((small_drawn, big_drawn), "SQL statements, 200 vs 2,000 comments (drawn)"),
    ):
        if pair[0] and pair[1]:
            counts = (pair[0].probe.statements, pair[1].probe.statements)
            rows.append(
                (
                    name,
                    f"{counts[0]} vs {counts[1]}",
                    "the same",
                    None not in counts and counts[0] == counts[1],
                )
            )
    if static:
        rows.append(
            (
                "static asset cacheable",
                f"`{static.probe.cache_control or 'no Cache-Control'}`",
                "long max-age, hashed name",
                "immutable" in static.probe.cache_control
                or "max-age=31536000" in static.probe.cache_control,
            )
        )
    lines = ["| target | measured | goal | met |", "|---|---:|---:|---|"]
    for name, measured, goal, met in rows:
        lines.append(f"| {name} | {measured} | {goal} | {'yes' if met else 'NO'} |")
    return lines


def database_section(run: DatabaseRun) -> list[str]:
    la = ", ".join(f"{x:.1f}" for x in run.load_average)
    noisy = (
        " **Other work was running: absolute figures are low, the ratio less affected.**"
        if run.load_average[0] >= 1.0
        else ""
    )
    return [
        f"### {run.database} ({run.version})",
        "",
        f"Load average before the run: {la}.{noisy} {run.data_note}",
        "",
        *table(run),
        "",
        *targets(run),
        "",
    ]
