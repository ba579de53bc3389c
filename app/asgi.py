"""The ASGI application uvicorn serves (settings from the environment)."""

from app import logs
from app.main import create_app

logs.configure()
app = create_app()
