"""SQL functions that differ between SQLite and PostgreSQL, as SQLAlchemy constructs (no SQL strings)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class month_of(GenericFunction[str]):  # lower case: it reads as the SQL function it is
    """The calendar month of a date or timestamp as text ``YYYY-MM`` (sorts and groups correctly)."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"
