"""SQL functions that differ between SQLite and PostgreSQL, as SQLAlchemy constructs (no SQL strings)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String
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


class json_text_array_contains(GenericFunction[bool]):
    """True when a JSON array of texts (``challenges.tags``) holds the given text exactly.

    SQLite: ``EXISTS (SELECT 1 FROM json_each(col) WHERE value = ?)``; PostgreSQL: ``col::jsonb ? v``.
    """

    type = Boolean()
    inherit_cache = True


@compiles(json_text_array_contains, "sqlite")
def _contains_sqlite(element: json_text_array_contains, compiler: Any, **kw: Any) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    # column and value are compiled SQL (a column and a bound parameter), never user text
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"  # noqa: S608


@compiles(json_text_array_contains, "postgresql")
def _contains_postgresql(element: json_text_array_contains, compiler: Any, **kw: Any) -> str:
    column, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({column} AS JSONB) ? {value})"


class json_text_array_like(GenericFunction[bool]):
    """True when some text of a JSON array, lower-cased, is LIKE the pattern (escape character ``/``)."""

    type = Boolean()
    inherit_cache = True


@compiles(json_text_array_like, "sqlite")
def _like_sqlite(element: json_text_array_like, compiler: Any, **kw: Any) -> str:
    column, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE lower(json_each.value) LIKE {pattern} ESCAPE '/')"  # noqa: S608


@compiles(json_text_array_like, "postgresql")
def _like_postgresql(element: json_text_array_like, compiler: Any, **kw: Any) -> str:
    column, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST({column} AS JSONB)) AS tag(v) "  # noqa: S608
        f"WHERE lower(tag.v) LIKE {pattern} ESCAPE '/')"
    )


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped by ``/`` (for :class:`json_text_array_like`)."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"
