"""Measuring one URL: wrk under load, and plain sequential requests for the unloaded figures."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass

from bench.asgi import STATEMENTS_HEADER

# What a browser sends on every page view; the proxy in front says it came over HTTPS.
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml",
    "Accept-Encoding": "gzip",
    "Accept-Language": "en",
    "X-Forwarded-Proto": "https",
}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_SOCKET_ERRORS = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
_COMMENT = re.compile(rb'<article\b[^>]*\bid="c-\d+"')

# Post forms carry a fresh idempotency key on every render; the rest must match exactly.
_PER_RENDER = re.compile(rb'(name="idempotency_key" value=")[^"]*"')


def same_page(a: bytes, b: bytes) -> bool:
    """Whether two renderings of a page are the same, per-render keys aside."""
    return _PER_RENDER.sub(rb'\1"', a) == _PER_RENDER.sub(rb'\1"', b)


class WrkMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors plus non-2xx/3xx answers


@dataclass(frozen=True)
class Probe:
    status: int
    body: bytes
    statements: int | None
    gzip_bytes: int | None  # None: the server did not compress
    gzip6_bytes: int  # what gzip -6 would make of the page, for comparison
    cache_control: str

    @property
    def comments(self) -> int:
        return len(_COMMENT.findall(self.body))


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing(
            "wrk is not installed: run `make bench-deps` (Debian: apt-get install -y wrk)."
        )
    return found


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> Load:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise ValueError(f"could not read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    socket = re.search(_SOCKET_ERRORS, output)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Load(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), errors)


def _headers(cookie: str, **extra: str) -> dict[str, str]:
    headers = dict(BROWSER_HEADERS, **extra)
    if cookie:
        headers["Cookie"] = cookie
    return headers


def run_wrk(url: str, *, cookie: str, duration: int, connections: int, threads: int) -> Load:
    headers = _headers(cookie)
    command = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 30, check=True
    )
    return parse_wrk(done.stdout)


def _request(
    conn: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> http.client.HTTPResponse:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response


def probe(host: str, port: int, path: str, *, cookie: str) -> Probe:
    """The page once uncompressed and once as a browser asks; sizes and statement count."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers=_headers(cookie, **{"Accept-Encoding": "identity"}))
        plain = conn.getresponse()
        body = plain.read()
        conn.request("GET", path, headers=_headers(cookie))
        zipped = conn.getresponse()
        zipped_body = zipped.read()
        compressed = zipped.getheader("Content-Encoding") == "gzip"
    finally:
        conn.close()
    # The fewer of the two: now and then a request also writes the per-address counters.
    counts = [r.getheader(STATEMENTS_HEADER) for r in (plain, zipped)]
    return Probe(
        status=plain.status,
        body=body,
        statements=min(int(c) for c in counts) if None not in counts else None,
        gzip_bytes=len(zipped_body) if compressed else None,
        gzip6_bytes=len(gzip.compress(body, compresslevel=6)),
        cache_control=plain.getheader("Cache-Control") or "",
    )


def unloaded_ms(host: str, port: int, path: str, *, cookie: str, n: int) -> float:
    """Median of n sequential requests on one kept-alive connection, after a warm-up."""
    headers = _headers(cookie)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    times: list[float] = []
    try:
        for i in range(n + 5):
            began = time.perf_counter()
            response = _request(conn, path, headers)
            elapsed = (time.perf_counter() - began) * 1000
            if response.status != 200:
                raise RuntimeError(f"GET {path} gave HTTP {response.status}")
            if i >= 5:
                times.append(elapsed)
    finally:
        conn.close()
    return statistics.median(times)
