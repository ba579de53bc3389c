"""Settings read from the environment; the only place that looks at os.environ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (set when served over HTTPS)."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, description="Largest position paper accepted, in bytes."
    )
    max_comment_chars: int = Field(
        default=20_000, description="Longest comment accepted, in characters."
    )
    page_comments: int = Field(
        default=100, description="Comments rendered per chunk of a space page."
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'roundtable.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"


@lru_cache
def get_settings() -> Settings:
    return Settings()
