"""The ASGI application uvicorn serves (settings from the environment)."""

import gc

from app import logs
from app.comments import language
from app.main import create_app

logs.configure()
app = create_app()
# Posting asks the author when the text looks like another language: the detector's
# models are loaded here, before the worker takes requests.
language.warm_up()
# What start-up built (modules, routes, templates) lives as long as the process: keep it
# out of the collector's full sweeps, which otherwise cost milliseconds on a busy page.
gc.freeze()
