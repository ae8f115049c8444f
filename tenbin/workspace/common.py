"""Validation of settings input and the ``workspace_settings`` key/value store (internal helpers).

Validators take what a form or the API sent (text or numbers) and return clean values or raise a
coded :class:`TenbinError` naming the field, so web forms, the API and the CLI share one set of rules.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Connection, insert, select, update

from tenbin.db import schema
from tenbin.errors import Place, TenbinError
from tenbin.workspace.errors import (
    SETTINGS_CAPACITY_INVALID,
    SETTINGS_EMAIL_INVALID,
    SETTINGS_TEXT_INVALID,
    SETTINGS_VOLUME_INVALID,
)

# field → (English, Japanese): error messages name the field in the reader's language
FIELDS: dict[str, tuple[str, str]] = {
    "code": ("Code", "コード"),
    "name": ("Name", "名前"),
    "name_ja": ("Name (Japanese)", "名前(日本語)"),
    "name_en": ("Name (English)", "名前(英語)"),
    "description": ("Description", "説明"),
    "capacity_per_day": ("Capacity per day", "1日あたりの対応件数"),
    "capacity_per_week": ("Capacity per week", "1週あたりの対応件数"),
    "leads_per_month": ("Leads per month", "月間リード数"),
    "opportunities_per_month": ("Opportunities per month", "月間商談数"),
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_CAPACITY = 100_000
MAX_VOLUME = 10_000_000


def field_params(name: str) -> dict[str, str]:
    en, ja = FIELDS.get(name, (name, name))
    return {"field": en, "field_ja": ja}


def clean_text(value: object, field: str, max_len: int, *, required: bool = True) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text and not required:
        return None
    if not text or len(text) > max_len:
        raise TenbinError(SETTINGS_TEXT_INVALID, {**field_params(field), "max": max_len}, Place(field=field))
    return text


def required_text(value: object, field: str, max_len: int) -> str:
    text = clean_text(value, field, max_len)
    assert text is not None
    return text


def clean_count(value: object, field: str, *, high: int = MAX_CAPACITY, volume: bool = False) -> int | None:
    """A whole number 0…high, or None for an empty value (no limit / no target)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value.replace(",", "")):
        number = int(value.replace(",", ""))
    if number is None or not 0 <= number <= high:
        error = SETTINGS_VOLUME_INVALID if volume else SETTINGS_CAPACITY_INVALID
        raise TenbinError(error, {**field_params(field), "value": value}, Place(field=field))
    return number


def clean_email(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if len(text) > 320 or not EMAIL.fullmatch(text):
        raise TenbinError(SETTINGS_EMAIL_INVALID, {"email": text}, Place(field="email"))
    return text


def read_setting(conn: Connection, key: str) -> Any:
    table = schema.workspace_settings
    return conn.execute(select(table.c.value).where(table.c.key == key)).scalar_one_or_none()


def write_setting(conn: Connection, key: str, value: Any) -> None:
    table = schema.workspace_settings
    now = dt.datetime.now().replace(microsecond=0)
    if conn.execute(select(table.c.key).where(table.c.key == key)).first() is None:
        conn.execute(insert(table).values(key=key, value=value, updated_at=now))
    else:
        conn.execute(update(table).where(table.c.key == key).values(value=value, updated_at=now))
