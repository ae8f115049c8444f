"""Shared plumbing of the demo generator: seeded generators, time columns and the bulk writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Table

from tenbin.demo import gen_params as p
from tenbin.imports.dbio import IdAllocator, insert_rows

Progress: TypeAlias = Callable[[str, int], None]
IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

_EPOCH_MINUTE = np.datetime64(p.WINDOW_START.strftime("%Y-%m-%dT%H:%M"), "m")
_EPOCH_DAY = np.datetime64(p.WINDOW_START.date().isoformat(), "D")
MINUTES_PER_DAY = 24 * 60
NEVER = np.iinfo(np.int64).max // 4  # "not reached" for minute columns; still safe to add to


def rng_for(seed: int, phase: int, chunk: int = 0) -> np.random.Generator:
    """An independent generator per phase and chunk, so a phase's draws never shift another's."""
    return np.random.default_rng([seed, phase, chunk])


def minute_strings(minutes: IntArray) -> list[str]:
    """Minutes since the window start as timestamps, in the text form SQLAlchemy's SQLite dialect
    stores ("YYYY-MM-DD HH:MM:SS.ffffff"; string comparisons in SQL rely on it) and PostgreSQL parses."""
    stamps = np.datetime_as_string(_EPOCH_MINUTE + minutes.astype("timedelta64[m]"), unit="s")
    return [s.replace("T", " ") + ".000000" for s in stamps.tolist()]


def day_strings(days: IntArray) -> list[str]:
    """Days since the window start as ISO dates."""
    return list(np.datetime_as_string(_EPOCH_DAY + days.astype("timedelta64[D]"), unit="D").tolist())


def month_start_days(days: IntArray, months_after: IntArray) -> IntArray:
    """The day index of the first day of the month ``months_after`` months after each day's month."""
    month = (_EPOCH_DAY + days.astype("timedelta64[D]")).astype("datetime64[M]") + months_after.astype("timedelta64[M]")
    return np.asarray((month.astype("datetime64[D]") - _EPOCH_DAY).astype(np.int64), dtype=np.int64)


def month_index(days: IntArray) -> IntArray:
    """Months from the window's first month to each day's month (negative before the window)."""
    months = (_EPOCH_DAY + days.astype("timedelta64[D]")).astype("datetime64[M]") - _EPOCH_DAY.astype("datetime64[M]")
    return np.asarray(months.astype(np.int64), dtype=np.int64)


def top_k_weighted(rng: np.random.Generator, weights: FloatArray, k: int) -> IntArray:
    """``k`` distinct positions drawn with probability proportional to ``weights`` (successive sampling
    without replacement, vectorised with the Gumbel-top-k trick)."""
    keys = np.log(weights) - np.log(-np.log(rng.random(len(weights))))
    if k >= len(weights):
        return np.asarray(np.argsort(-keys, kind="stable"), dtype=np.int64)
    top = np.argpartition(-keys, k - 1)[:k]
    return np.asarray(top[np.argsort(-keys[top], kind="stable")], dtype=np.int64)


def day_months(days: IntArray) -> IntArray:
    """Calendar month (1–12) of each day index."""
    months = (_EPOCH_DAY + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    return months % 12 + 1


def weekdays(days: IntArray) -> IntArray:
    """Weekday of each day index, Monday = 0."""
    return ((_EPOCH_DAY + days.astype("timedelta64[D]")).astype(np.int64) + 3) % 7


def pick(rng: np.random.Generator, options: Sequence[str], size: int) -> list[str]:
    """``size`` uniform picks from ``options``."""
    index = rng.integers(0, len(options), size)
    return [options[i] for i in index.tolist()]


def choice_rows(rng: np.random.Generator, probabilities: FloatArray) -> IntArray:
    """One category per row from a (rows × categories) matrix of weights (inverse-CDF sampling)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities)) * cumulative[:, -1]
    picked = np.minimum((cumulative < u[:, None]).sum(axis=1), probabilities.shape[1] - 1)
    return np.asarray(picked, dtype=np.int64)


class Writer:
    """Allocates ids and bulk-inserts rows inside the build's transaction, counting and reporting."""

    def __init__(self, conn: Connection, progress: Progress | None) -> None:
        self.conn = conn
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._allocators: dict[str, IdAllocator] = {}

    def ids(self, table: Table, n: int) -> IntArray:
        allocator = self._allocators.setdefault(table.name, IdAllocator(self.conn, table))
        return np.asarray(allocator.take(n), dtype=np.int64)

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows whose values are already in storage form: ints, floats, bools, None, and
        strings (timestamps from :func:`minute_strings`, dates from :func:`day_strings`, JSON text)."""
        if self.conn.dialect.name == "sqlite":
            written = self._sqlite_insert(table, columns, rows)
        else:
            written = insert_rows(self.conn, table, columns, rows)
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        if self.progress is not None:
            self.progress(table.name, self.counts[table.name])

    def _sqlite_insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """dbio.insert_rows without its per-value conversion, which would double the time of a large
        build: the generator already writes SQLite's storage forms (same statement, same DBAPI call)."""
        batch = rows if isinstance(rows, list) else list(rows)
        if batch:
            compiled = table.insert().compile(dialect=self.conn.dialect, column_keys=list(columns))
            dbapi = self.conn.connection.driver_connection
            assert dbapi is not None
            dbapi.executemany(str(compiled), batch)
        return len(batch)
