"""The ASGI application uvicorn serves (settings from the environment)."""

import gc

from app import logs
from app.main import create_app

logs.configure()
app = create_app()
# What start-up built (modules, routes, templates) lives as long as the process: keep it
# out of the collector's full sweeps, which otherwise cost milliseconds on a busy page.
gc.freeze()
