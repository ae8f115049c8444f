"""Deployment settings, read from the environment (prefix ``TENBIN_``) when the program starts.

Built by :func:`load_settings` at start-up and passed down; nothing reads the environment at
import time.
"""

from __future__ import annotations

import locale
import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./tenbin.db"
PLACEHOLDER_SECRET = "change-me"  # refused outside development (WEB_SECRET_PLACEHOLDER)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENBIN_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the workspace")
    lang: str | None = Field(default=None, description="ja | en; default from the locale")
    timezone: str = Field(default="Asia/Tokyo", description="workspace-local time zone")
    import_batch_rows: int = Field(default=5000, ge=100, description="rows per import write batch")
    environment: str = Field(default="development", description="development | production")
    secret_key: str = Field(
        default=PLACEHOLDER_SECRET,
        description="signs session cookies; set a long random value outside development",
    )
    host: str = Field(default="127.0.0.1", description="address `tenbin serve` listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="port `tenbin serve` listens on")
    cookie_secure: bool | None = Field(
        default=None, description="Secure flag on the session cookie (default: on outside development)"
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="a session ends after this many hours")
    upload_max_mb: int = Field(default=300, ge=1, description="largest file the import wizard accepts")

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def secure_cookies(self) -> bool:
        return (not self.is_development) if self.cookie_secure is None else self.cookie_secure


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, then apply non-None overrides (CLI options)."""
    settings = Settings()
    values = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=values) if values else settings


def default_lang(explicit: str | None = None) -> str:
    """``ja`` or ``en``: the explicit choice, else TENBIN_LANG, else the locale (ja locales → ja)."""
    for candidate in (explicit, os.environ.get("TENBIN_LANG")):
        if candidate:
            return "en" if candidate.lower().startswith("en") else "ja"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    loc = locale.getlocale()[0] or ""
    return "ja" if loc.lower().startswith("ja") else "en"
