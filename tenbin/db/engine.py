"""Engines for SQLite (WAL, foreign keys on) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tenbin.errors import DB_LOCALE, DB_UNREACHABLE, TenbinError


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _json(value: Any) -> str:
    # Japanese stays readable in JSON columns (and substring search over them works).
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and explicit BEGIN handling."""
    if is_sqlite(url):
        kwargs.setdefault("json_serializer", _json)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("json_serializer", _json)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so writers can ask for BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.info.pop("begin_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that takes the write lock at once on SQLite.

    Commits when the block ends normally, rolls back on any exception (including
    KeyboardInterrupt): the database is never left half-written.
    """
    with engine.connect() as conn:
        conn.info["begin_immediate"] = True
        with conn.begin():
            yield conn


def check_connection(engine: Engine) -> None:
    """Raise DB_UNREACHABLE / DB_LOCALE when the database cannot serve tenbin."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                ctype = conn.execute(
                    text("select datctype from pg_database where datname = current_database()")
                ).scalar_one()
                if "utf" not in str(ctype).lower().replace("-", ""):
                    raise TenbinError(DB_LOCALE, {"ctype": ctype})
            else:
                conn.execute(text("select 1"))
    except OperationalError as exc:
        raise TenbinError(
            DB_UNREACHABLE,
            {"url": engine.url.render_as_string(hide_password=True), "detail": str(exc.orig).strip()},
        ) from exc
