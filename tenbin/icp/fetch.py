"""Large result sets as plain driver tuples, for the columns discovery loads into numpy.

SQLAlchemy's ``Row`` objects cost about 1.5 µs a row on this machine, as much as the driver's own
fetch; discovery reads a few million values. :func:`fetch_tuples` compiles a Core ``select`` for the
connection's dialect (no SQL is built from strings; parameters stay bound, converted by their types'
bind processors as ``Connection.execute`` would) and runs it on the DBAPI cursor: rows come back as
the driver's tuples, without SQLAlchemy's result processing. So values arrive as the driver gives
them: SQLite gives dates as ``YYYY-MM-DD`` text and booleans as 0/1, PostgreSQL gives
``datetime.date`` and ``bool`` (:func:`dates` reads both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Select
from sqlalchemy.sql.compiler import SQLCompiler

PLAIN = (int, float, str, type(None))


def fetch_tuples(conn: Connection, query: Select[Any]) -> Sequence[tuple[Any, ...]]:
    """All rows of ``query`` as driver tuples (no result processing; parameters are bound as
    :meth:`Connection.execute` binds them, through each type's bind processor)."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})  # IN lists
    named = {name: _bound(compiled, name, value) for name, value in compiled.construct_params().items()}
    params: Any = tuple(named[name] for name in compiled.positiontup or ()) if compiled.positional else named
    if not conn.in_transaction():
        conn.begin()  # what conn.execute would do: the caller's transaction, not one the driver opens alone
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def _bound(compiled: SQLCompiler, name: str, value: Any) -> Any:
    """The driver form of a parameter, through its type's bind processor (SQLite: dates as text)."""
    # an IN list rendered item by item (render_postcompile) names its items "<the list's name>_<n>"
    bind = compiled.binds.get(name)
    if bind is None:
        bind = compiled.binds.get(name.rsplit("_", 1)[0])
    if bind is None:
        if isinstance(value, PLAIN):
            return value
        raise TypeError(f"fetch_tuples: no bound parameter named {name!r}")
    process = bind.type.dialect_impl(compiled.dialect).bind_processor(compiled.dialect)
    return process(value) if process else value


def columns_of(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Driver rows turned into ``width`` column lists (empty lists when there are no rows)."""
    return [[row[k] for row in rows] for k in range(width)]  # 5× faster than zip(*rows) for 10⁵ rows


def int_array(values: Sequence[Any]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def float_array(values: Sequence[Any]) -> np.ndarray:
    """float64 with ``None`` → nan; each value converted as ``float()`` does (PostgreSQL sums are Decimal)."""
    return np.array(values, dtype=object).astype(np.float64) if len(values) else np.zeros(0)


def dates(values: Sequence[Any]) -> np.ndarray:
    """``datetime64[D]`` from driver dates (``datetime.date`` or ISO text); ``None`` → NaT."""
    return np.array(values, dtype="datetime64[D]")


def months_between(start: np.ndarray, end: np.ndarray | np.datetime64) -> np.ndarray:
    """Calendar months from ``start`` to ``end`` (``(y2 − y1)·12 + m2 − m1``, days ignored), element-wise."""
    months: np.ndarray = (np.asarray(end).astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
    return months


def slots(ids: np.ndarray, found: np.ndarray) -> np.ndarray:
    """For each of ``ids``, its position in the sorted array ``found``, or −1 when it is not there."""
    if not len(found):
        return np.full(len(ids), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(found, ids), len(found) - 1)
    located: np.ndarray = np.where(found[at] == ids, at, -1)
    return located
