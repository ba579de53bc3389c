"""Settings read from the environment; the only place that looks at os.environ."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROUNDTABLE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the SQLite database and uploaded files.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ROUNDTABLE_DATABASE_URL"),
        description="SQLAlchemy URL; defaults to a SQLite file in the data directory.",
    )
    default_locale: str = Field(
        default="en", description="UI language when the browser states no preference."
    )
    session_max_age_days: int = Field(
        default=30, description="How long a sign-in lasts without activity, in days."
    )
    session_absolute_days: int = Field(
        default=90, description="How long a sign-in lasts at most, however active, in days."
    )
    password_reset_minutes: int = Field(
        default=60, description="How long a password-reset link works, in minutes."
    )
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (set when served over HTTPS)."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, description="Largest position paper accepted, in bytes."
    )
    rate_limits: bool = Field(
        default=True, description="Apply the rate limits on sign-in, posting, reports and requests."
    )
    requests_per_minute: int = Field(
        default=1200,
        description="Requests one client address may make per minute, pages included.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for rate-limit counters; unset: counted in the database.",
    )
    max_request_bytes: int = Field(
        default=12 * 1024 * 1024,
        description="Largest request body accepted, in bytes (an upload plus its form).",
    )
    max_form_parts: int = Field(
        default=300,
        description="Most fields and files one form may send (the moderation queue sends 200).",
    )
    max_comment_chars: int = Field(
        default=20_000, description="Longest comment accepted, in characters."
    )
    page_comments: int = Field(
        default=100, description="Comments rendered per chunk of a space page."
    )
    page_cache_mb: int = Field(
        default=64,
        description="Memory per worker for space pages kept rendered until they change (0: off).",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    smtp_host: str = Field(
        default="127.0.0.1", description="SMTP server the notification worker sends through."
    )
    smtp_port: int = Field(default=25, description="Port of the SMTP server.")
    smtp_username: str | None = Field(
        default=None, description="SMTP login name; no login when empty."
    )
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    mail_from: str = Field(
        default="Roundtable <noreply@localhost>", description="From address of notifications."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the site, for links in e-mails (no trailing slash).",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "Key that signs unsubscribe links; when empty, one is generated once and kept "
            "in the file secret_key in the data directory."
        ),
    )
    outbox_max_attempts: int = Field(
        default=8, description="Delivery attempts of one e-mail before it is given up."
    )
    embeddings_url: str | None = Field(
        default=None,
        description=(
            "An OpenAI-compatible embeddings service (its base URL, ending in /v1) for the "
            "synthesis workbench; unset: the multilingual model shipped with the app."
        ),
    )
    embeddings_model: str = Field(
        default="", description="Model name sent to the embeddings service."
    )
    embeddings_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the embeddings service."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'roundtable.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def resolved_secret_key(self) -> str:
        """The configured key, or the one kept in the data directory (made on first use).

        Every process (web servers, workers) sharing a data directory signs alike.
        """
        configured = self.secret_key.get_secret_value()
        if configured:
            return configured
        return _stored_secret(self.data_dir / "secret_key")


def _stored_secret(path: Path) -> str:
    with contextlib.suppress(FileNotFoundError):
        stored = path.read_text(encoding="ascii").strip()
        if stored:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: a concurrent first start never reads a half
    # written file, and the first process to link wins for everyone.
    fresh = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(fresh, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
