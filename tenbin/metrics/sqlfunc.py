"""Period buckets that differ between SQLite and PostgreSQL, as SQLAlchemy constructs (no SQL strings).

``month_of`` lives in :mod:`tenbin.db.sqlfunc`; the quarter and the Japanese fiscal year (年度,
April to March) are defined here because only metrics group by them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class quarter_of(GenericFunction[str]):  # lower case: it reads as the SQL function it is
    """The calendar quarter of a date or timestamp as text ``YYYY-Qn`` (sorts and groups correctly)."""

    type = String()
    inherit_cache = True


@compiles(quarter_of, "sqlite")
def _quarter_sqlite(element: quarter_of, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y', {value}) || '-Q' || ((CAST(strftime('%m', {value}) AS INTEGER) + 2) / 3))"


@compiles(quarter_of, "postgresql")
def _quarter_postgresql(element: quarter_of, compiler: Any, **kw: Any) -> str:
    return f"""to_char({compiler.process(element.clauses, **kw)}, 'YYYY-"Q"Q')"""


class fiscal_year_of(GenericFunction[int]):
    """The Japanese fiscal year (年度) of a date or timestamp: April to March, named by the year it
    starts in (2025-03-31 → 2024, 2025-04-01 → 2025)."""

    type = Integer()
    inherit_cache = True


@compiles(fiscal_year_of, "sqlite")
def _fiscal_year_sqlite(element: fiscal_year_of, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    # the comparison is 0 or 1 in SQLite: one year less for January to March
    return f"(CAST(strftime('%Y', {value}) AS INTEGER) - (CAST(strftime('%m', {value}) AS INTEGER) < 4))"


@compiles(fiscal_year_of, "postgresql")
def _fiscal_year_postgresql(element: fiscal_year_of, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(EXTRACT(YEAR FROM {value}) AS INTEGER) - CASE WHEN EXTRACT(MONTH FROM {value}) < 4 THEN 1 ELSE 0 END)"
    )


class month_start_of(GenericFunction[Any]):
    """The first day of the month of a date or timestamp, as a date (the metrics cells' month)."""

    type = Date()
    inherit_cache = True


@compiles(month_start_of, "sqlite")
def _month_start_sqlite(element: month_start_of, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start_of, "postgresql")
def _month_start_postgresql(element: month_start_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"
