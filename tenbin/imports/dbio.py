"""Bulk database I/O for imports: id allocation, fast inserts (executemany on SQLite, COPY on
PostgreSQL), updates, and chunked lookups. Never commits: the import service owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from psycopg import sql as pgsql
from sqlalchemy import JSON, Connection, Date, DateTime, Table, any_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql

LOOKUP_CHUNK = 900
PG_LOOKUP_CHUNK = 10_000  # one array parameter per query on PostgreSQL


class IdAllocator:
    """Hands out primary keys before insert, so rows of one file can refer to each other.

    SQLite: max(id)+1 under the write lock the import holds (BEGIN IMMEDIATE). PostgreSQL: values
    drawn from the table's own sequence, safe beside concurrent writers.
    """

    def __init__(self, conn: Connection, table: Table) -> None:
        self.conn, self.table = conn, table
        self.postgres = conn.dialect.name == "postgresql"
        self._next: int | None = None
        self._sequence: str | None = None

    def upcoming(self) -> int | None:
        """The first id the next :meth:`take` returns, when known in advance (SQLite), else None."""
        if self.postgres:
            return None
        if self._next is None:
            self._next = int(self.conn.execute(select(func.coalesce(func.max(self.table.c.id), 0))).scalar_one()) + 1
        return self._next

    def take(self, n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgres:
            if self._sequence is None:  # resolved once: per row it costs more than nextval itself
                found = self.conn.exec_driver_sql("select pg_get_serial_sequence(%(t)s, 'id')", {"t": self.table.name})
                self._sequence = str(found.scalar_one())
            ids = self.conn.exec_driver_sql(
                "select array(select nextval(%(s)s::regclass) from generate_series(1, %(n)s))",
                {"s": self._sequence, "n": n},
            ).scalar_one()
            return [int(i) for i in ids]
        start = self.upcoming()
        assert start is not None
        self._next = start + n
        return list(range(start, start + n))


def _sqlite_value(value: Any) -> Any:
    # The storage formats SQLAlchemy's SQLite dialect writes and reads back.
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _adapted_columns(table: Table, columns: Sequence[str], postgres: bool) -> list[tuple[int, bool]]:
    """(position, values hashable) of the columns whose values need adapting: dates and JSON on
    SQLite, JSON on PostgreSQL. Other columns hold str, int, float, bool or None, which both
    drivers take as they are."""
    adapted = []
    for position, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, JSON) or (not postgres and isinstance(kind, (Date, DateTime))):
            adapted.append((position, not isinstance(kind, JSON)))
    return adapted


def _adapt(
    rows: Iterable[Sequence[Any]], adapted: list[tuple[int, bool]], convert: Callable[[Any], Any], in_place: bool
) -> list[Any]:
    """The rows with the adapted columns' values converted (each distinct date only once)."""
    if not adapted:
        return rows if isinstance(rows, list) else list(rows)
    positional: list[Any] = rows if in_place and isinstance(rows, list) else [list(row) for row in rows]
    for position, hashable in adapted:
        column = list(map(itemgetter(position), positional))
        if hashable:
            formats = {value: convert(value) for value in set(column)}
            column = list(map(formats.__getitem__, column))
        else:
            column = list(map(convert, column))
        for row, value in zip(positional, column, strict=True):
            row[position] = value
    return positional


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, in_place: bool = False
) -> int:
    """Insert positional rows fast; returns the count. ``in_place``: the rows are lists this call may
    modify (their values adapted for the driver) instead of copying them."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        positional = _adapt(rows, _adapted_columns(table, columns, True), _pg_value, in_place)
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns)
        )
        with dbapi.cursor() as cur, cur.copy(statement) as copy:
            for row in positional:
                copy.write_row(row)
        return len(positional)
    positional = _adapt(rows, _adapted_columns(table, columns, False), _sqlite_value, in_place)
    if positional:
        compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
        dbapi.executemany(str(compiled), positional)
    return len(positional)


SQLITE_CACHE_KIB = 256 * 1024  # page cache while an import runs: index pages stay in memory


def tune_session(conn: Connection) -> int | None:
    """Settings for the import's transaction; returns the SQLite cache size to restore afterwards.

    SQLite: a large page cache (the indexes of a big table stay in memory). PostgreSQL: no
    sequential scans for this transaction (``SET LOCAL``): a table filled within it has no
    statistics, so the planner would scan it whole for every key lookup, ever slower as it grows."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return None
    if conn.dialect.name != "sqlite":
        return None
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    return previous


def restore_sqlite(conn: Connection, previous: int | None) -> None:
    if previous is not None:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def update_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Update rows by id; each dict has ``_id`` and every column in ``columns``."""
    if not rows:
        return
    statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
    conn.execute(statement, rows)


def _chunks(conn: Connection, values: Iterable[Any]) -> Iterator[list[Any]]:
    """The distinct non-null values, in chunks of one query each."""
    distinct = list({v for v in values if v is not None})
    size = PG_LOOKUP_CHUNK if conn.dialect.name == "postgresql" else LOOKUP_CHUNK
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]


def _among(conn: Connection, column: Any, part: list[Any]) -> Any:
    """``column IN part``; on PostgreSQL as ``= ANY(array)``: one parameter instead of thousands."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, part, type_=postgresql.ARRAY(column.type)))
    return column.in_(part)


def fetch_by(conn: Connection, table: Table, column: str, values: Iterable[Any]) -> list[dict[str, Any]]:
    """All rows whose ``column`` is in ``values`` (queried in chunks)."""
    result: list[dict[str, Any]] = []
    for part in _chunks(conn, values):
        rows = conn.execute(select(table).where(_among(conn, table.c[column], part)))
        result.extend(dict(r._mapping) for r in rows)
    return result


def fetch_ids(conn: Connection, table: Table, column: str, values: Iterable[Any]) -> dict[Any, list[int]]:
    """Map each value of ``column`` to the ids having it (several when the key is not unique)."""
    found: dict[Any, list[int]] = {}
    for part in _chunks(conn, values):
        query = select(table.c[column], table.c.id).where(_among(conn, table.c[column], part))
        for key, ident in conn.execute(query):
            found.setdefault(key, []).append(int(ident))
    return found


def starts_empty_for_import(conn: Connection, table: Table) -> bool:
    """Whether ``table`` is empty and stays free of other sessions' rows until the transaction ends.

    SQLite: the import's ``BEGIN IMMEDIATE`` already keeps every other writer out. PostgreSQL: an
    empty table is locked ``SHARE ROW EXCLUSIVE`` for the rest of the transaction (others can still
    read it; their inserts, updates and deletes wait until the import commits or rolls back, as
    they would on SQLite), then checked again. A table that holds rows is not locked."""

    def empty() -> bool:
        return conn.execute(select(table.c.id).limit(1)).first() is None

    if conn.dialect.name == "sqlite":
        return empty()
    if conn.dialect.name != "postgresql" or not empty():
        return False
    name = conn.dialect.identifier_preparer.format_table(table)
    conn.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
    return empty()


DEFER_MIN_ROWS = 50_000


class DeferredIndexes:
    """SQLite: while a run inserts many rows into a table, its secondary indexes that no import query
    reads are dropped and, at :meth:`rebuild`, created again from their own ``CREATE INDEX``
    statements, in the same transaction (one sort instead of a random B-tree insert per row and
    index; a rollback brings them back untouched). Only once the run has inserted at least
    DEFER_MIN_ROWS rows and as many as the table held, so a rebuild costs at most about as much as
    the inserts it speeds up. Unique, partial and expression indexes, indexes on ``keep`` columns
    and indexes with ANALYZE statistics are never touched."""

    def __init__(self, conn: Connection, table: Table, keep: set[str]) -> None:
        self.conn, self.table, self.keep = conn, table, keep
        self.active = conn.dialect.name == "sqlite"
        self.inserted = 0
        self.held: int | None = None
        self.dropped: list[str] = []

    def before_insert(self, count: int) -> None:
        if not self.active or not count:
            return
        if self.held is None:
            self.held = int(self.conn.execute(select(func.coalesce(func.max(self.table.c.id), 0))).scalar_one())
        self.inserted += count
        if self.inserted >= max(DEFER_MIN_ROWS, self.held):
            self.active = False
            self._drop()

    def _drop(self) -> None:
        conn, name = self.conn, self.table.name
        has_stats = conn.exec_driver_sql("select 1 from sqlite_master where name = 'sqlite_stat1'").first()
        for index, unique, origin, partial in [
            (r[1], r[2], r[3], r[4]) for r in conn.exec_driver_sql(f'PRAGMA index_list("{name}")')
        ]:
            if unique or origin != "c" or partial:
                continue
            columns = [r[2] for r in conn.exec_driver_sql(f'PRAGMA index_info("{index}")')]
            if not columns or any(c is None or c in self.keep for c in columns):
                continue
            if has_stats and conn.exec_driver_sql("select 1 from sqlite_stat1 where idx = ?", (index,)).first():
                continue
            sql = conn.exec_driver_sql("select sql from sqlite_master where type = 'index' and name = ?", (index,))
            statement = sql.scalar_one_or_none()
            if statement:
                conn.exec_driver_sql(f'DROP INDEX "{index}"')
                self.dropped.append(statement)

    def rebuild(self) -> None:
        for statement in self.dropped:
            self.conn.exec_driver_sql(statement)
        self.dropped = []
