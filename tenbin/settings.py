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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENBIN_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the workspace")
    lang: str | None = Field(default=None, description="ja | en; default from the locale")
    timezone: str = Field(default="Asia/Tokyo", description="workspace-local time zone")
    import_batch_rows: int = Field(default=5000, ge=100, description="rows per import write batch")


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
