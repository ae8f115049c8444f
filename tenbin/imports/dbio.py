"""Bulk database I/O for imports: id allocation, fast inserts (executemany on SQLite, COPY on
PostgreSQL), updates, and chunked lookups. Never commits: the import service owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import sql as pgsql
from sqlalchemy import Connection, Table, bindparam, func, select, update

LOOKUP_CHUNK = 900


class IdAllocator:
    """Hands out primary keys before insert, so rows of one file can refer to each other.

    SQLite: max(id)+1 under the write lock the import holds (BEGIN IMMEDIATE). PostgreSQL: values
    drawn from the table's own sequence, safe beside concurrent writers.
    """

    def __init__(self, conn: Connection, table: Table) -> None:
        self.conn, self.table = conn, table
        self.postgres = conn.dialect.name == "postgresql"
        self._next: int | None = None

    def take(self, n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgres:
            rows = self.conn.exec_driver_sql(
                "select nextval(pg_get_serial_sequence(%(t)s, 'id')) from generate_series(1, %(n)s)",
                {"t": self.table.name, "n": n},
            )
            return [int(r[0]) for r in rows]
        if self._next is None:
            self._next = int(self.conn.execute(select(func.coalesce(func.max(self.table.c.id), 0))).scalar_one()) + 1
        start = self._next
        self._next += n
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


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert positional rows fast; returns the count."""
    dbapi = conn.connection.driver_connection
    count = 0
    if conn.dialect.name == "postgresql":
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns)
        )
        assert dbapi is not None
        with dbapi.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([_pg_value(v) for v in row])
                count += 1
        return count
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    positional = [[_sqlite_value(v) for v in row] for row in rows]
    if positional:
        assert dbapi is not None
        dbapi.executemany(str(compiled), positional)
    return len(positional)


def update_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Update rows by id; each dict has ``_id`` and every column in ``columns``."""
    if not rows:
        return
    statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
    conn.execute(statement, rows)


def fetch_by(conn: Connection, table: Table, column: str, values: Iterable[Any]) -> list[dict[str, Any]]:
    """All rows whose ``column`` is in ``values`` (queried in chunks)."""
    distinct = list({v for v in values if v is not None})
    result: list[dict[str, Any]] = []
    for start in range(0, len(distinct), LOOKUP_CHUNK):
        part = distinct[start : start + LOOKUP_CHUNK]
        rows = conn.execute(select(table).where(table.c[column].in_(part)))
        result.extend(dict(r._mapping) for r in rows)
    return result


def fetch_ids(conn: Connection, table: Table, column: str, values: Iterable[Any]) -> dict[Any, list[int]]:
    """Map each value of ``column`` to the ids having it (several when the key is not unique)."""
    distinct = list({v for v in values if v is not None})
    found: dict[Any, list[int]] = {}
    for start in range(0, len(distinct), LOOKUP_CHUNK):
        part = distinct[start : start + LOOKUP_CHUNK]
        for key, ident in conn.execute(select(table.c[column], table.c.id).where(table.c[column].in_(part))):
            found.setdefault(key, []).append(int(ident))
    return found
