"""The calendar day of a timestamp, as SQLAlchemy constructs for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class day_of(GenericFunction[Any]):  # lower case: it reads as the SQL function it is
    """The day of a timestamp, comparable with a ``Date`` column (``YYYY-MM-DD`` text on SQLite)."""

    type = Date()
    inherit_cache = True


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(day_of, "postgresql")
def _day_postgresql(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"
