# Roundtable web server. Configure with DATABASE_URL (default: SQLite in /data).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/srv/roundtable/.venv \
    PATH=/srv/roundtable/.venv/bin:$PATH \
    ROUNDTABLE_DATA_DIR=/data

WORKDIR /srv/roundtable
# uv, at the Makefile's UV_VERSION, installs exactly what uv.lock records (versions, hashes).
RUN pip install uv==0.13.9
COPY pyproject.toml uv.lock README.md ./
# Dependencies first, in a layer of their own that a code change does not rebuild.
RUN uv sync --locked --no-install-project --python /usr/local/bin/python3
COPY alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY locales ./locales
# Editable install: templates, locales and migrations stay beside the package.
RUN uv sync --locked --python /usr/local/bin/python3 \
    && useradd --system --home-dir /srv/roundtable --shell /usr/sbin/nologin roundtable \
    && mkdir -p /data && chown roundtable /data

USER roundtable
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/en/', timeout=2)"
# Migrations are idempotent: run them at start so a new image upgrades its database.
CMD ["sh", "-c", "roundtable migrate && exec uvicorn app.asgi:app --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --proxy-headers --forwarded-allow-ips='*'"]
