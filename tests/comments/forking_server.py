"""Start the real server again and again, fast: `python -m tests.comments.forking_server PORT LOG`.

Importing the application and compiling its templates takes seconds on a busy CI
machine, which a test that kills and restarts the server many times cannot afford. This
process builds the application once (settings from the environment, as `roundtable
serve` does, templates compiled, no database connection opened), then, for each `start`
line on stdin, forks a child that serves it with uvicorn as `roundtable serve` does
(JSON logs, its own database connections) and answers with the child's pid. The test
kills that pid with SIGKILL.
"""

from __future__ import annotations

import os
import sys

import uvicorn
from fastapi import FastAPI

from app import logs
from app.comments import language
from app.i18n import LOCALES, translations
from app.main import create_app
from app.markup import render_markdown


def _warm() -> FastAPI:
    application = create_app()
    env = application.state.renderer.templates.env
    # E-mails are rendered by the worker, with filters of its own.
    for name in env.list_templates(filter_func=lambda name: not name.startswith("emails/")):
        env.get_template(name)
    render_markdown("Loads the *Markdown* renderer.")
    language.warm_up()  # as app/asgi.py does: posts detect their text's language
    for locale in LOCALES:
        translations(locale)
    return application


def _serve(application: FastAPI, port: int, log_path: str) -> None:
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(log, 1)
    os.dup2(log, 2)
    logs.configure()
    # Connections must never be shared across a fork (none was opened; be sure).
    application.state.engine.dispose(close=False)
    uvicorn.run(
        application,
        host="127.0.0.1",
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_config=None,
    )


def main() -> None:
    port, log_path = int(sys.argv[1]), sys.argv[2]
    application = _warm()
    child = 0
    for line in sys.stdin:
        if child:
            os.waitpid(child, 0)  # the previous server is dead: its port is free again
            child = 0
        if line.strip() != "start":
            continue
        child = os.fork()
        if child == 0:
            try:
                _serve(application, port, log_path)
            finally:
                os._exit(0)
        print(child, flush=True)
    if child:
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
