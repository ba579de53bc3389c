# Roundtable web server. Configure with DATABASE_URL (default: SQLite in /data).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ROUNDTABLE_DATA_DIR=/data

WORKDIR /srv/roundtable
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY locales ./locales
# Editable install: templates, locales and migrations stay beside the package.
RUN pip install -e . \
    && useradd --system --home-dir /srv/roundtable --shell /usr/sbin/nologin roundtable \
    && mkdir -p /data && chown roundtable /data

USER roundtable
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/en/', timeout=2)"
# Migrations are idempotent: run them at start so a new image upgrades its database.
CMD ["sh", "-c", "roundtable migrate && exec uvicorn app.asgi:app --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --proxy-headers --forwarded-allow-ips='*'"]
