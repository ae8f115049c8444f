"""Helpers for tests (import as ``from helpers import …``)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tenbin.db import schema


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())  # noqa: S608


def snapshot(engine: Engine) -> dict[str, int]:
    """Row counts of every table: equal before and after proves nothing was written."""
    return {t.name: count(engine, t.name) for t in schema.metadata.sorted_tables if t.name != "import_runs"}
