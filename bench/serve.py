"""Serve the benchmark wrapper exactly as `roundtable serve` serves the app.

Same uvicorn options as `app.cli.serve` (proxy headers from 127.0.0.1, the app's own
JSON logs in every worker), with `bench.asgi:create` as the application factory.
Settings come from the environment (`ROUNDTABLE_*`), as in production.

    .venv/bin/python bench/serve.py --port 8765 --workers 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import uvicorn

    uvicorn.run(
        "bench.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_config=None,  # bench.asgi sets up the app's JSON logs in every worker
    )


if __name__ == "__main__":
    main()
