"""The data revision: a counter the database itself moves whenever a table that derived data is
computed from changes, so caches of derived data (the metrics facts) know when they are stale.

Triggers, not calls in every write path: imports, record edits, the web pages, the demo generator,
cascading deletes and hand-written SQL all change the same tables, and a trigger sees every one of
them. ``data_revision`` holds one row (id 1).

* **SQLite**: row triggers (SQLite has no statement triggers) add 1 per changed row; the row is in
  the page cache of the writing transaction, so this costs about a microsecond a row.
* **PostgreSQL**: statement triggers (also on TRUNCATE) move it once per transaction, *at commit*.
  The first watched statement of a transaction marks the transaction (a transaction-local setting,
  so later statements cost one ``current_setting``) and inserts a marker row ``id = -backend pid``
  into ``data_revision``; a ``DEFERRABLE INITIALLY DEFERRED`` constraint trigger on that insert
  deletes the marker and adds 1 to row 1 when the transaction commits. So the shared row is locked
  only while the writer commits, not from its first write to its end (concurrent intakes would
  queue on it), and a million-row import moves it once (updating one row a million times in one
  transaction would leave a million dead versions to scan). Marker rows exist only inside their
  own uncommitted transaction (a backend runs one transaction at a time, so their ids never
  collide); readers read ``id = 1``. A truncated ``data_revision`` gets its row back from the next
  change, with a revision above every recorded one (so no cache can pass for fresh).

Either way the counter is part of the writing transaction: it becomes visible with the data, and a
rolled-back write (or savepoint) leaves it unchanged. A reader that reads the revision *before* it
reads the data has data at least as new as that revision. (On PostgreSQL the writing transaction
itself sees the new revision only after it commits.)

The trigger statements are fixed DDL text built from the table names below (never from input).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

# The tables the metrics facts are derived from: leads and their accounts, responses, stage events
# and the funnel, campaigns and offers, teams (a lead's team is its owner's), and everything an ICP
# rule can test (custom attributes, challenges and their categories) and the ICP versions.
WATCHED_TABLES = (
    "accounts",
    "contacts",
    "responses",
    "stage_events",
    "funnel_stages",
    "campaigns",
    "offers",
    "teams",
    "team_members",
    "attribute_definitions",
    "custom_values",
    "challenge_categories",
    "challenges",
    "icp_versions",
)

PG_FUNCTION = "tenbin_bump_data_revision"
PG_APPLY = "tenbin_apply_data_revision"
PG_APPLY_TRIGGER = "trg_data_revision_apply"
PG_MARK = "tenbin.data_revision_marked"


def _sqlite_statements(tables: Iterable[str]) -> list[str]:
    statements = []
    for table in tables:
        for event in ("insert", "update", "delete"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS trg_{table}_{event}_revision AFTER {event.upper()} ON {table} "  # noqa: S608
                "BEGIN UPDATE data_revision SET revision = revision + 1 WHERE id = 1; END"
            )
    return statements


def _pg_statements(tables: Iterable[str]) -> list[str]:
    statements = [
        # at commit (deferred): drop the transaction's marker, move row 1 (or bring it back)
        f"CREATE OR REPLACE FUNCTION {PG_APPLY}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
        "DELETE FROM data_revision WHERE id = NEW.id; "
        "UPDATE data_revision SET revision = revision + 1, txid = txid_current() WHERE id = 1; "
        "IF NOT FOUND THEN INSERT INTO data_revision (id, revision, txid) SELECT 1, "
        "coalesce(max(revision), 0) + 1, txid_current() FROM metric_cells_state "
        "ON CONFLICT (id) DO NOTHING; END IF; RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {PG_APPLY_TRIGGER} ON data_revision",
        f"CREATE CONSTRAINT TRIGGER {PG_APPLY_TRIGGER} AFTER INSERT ON data_revision DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW WHEN (NEW.id < 0) EXECUTE FUNCTION {PG_APPLY}()",
        # per statement: mark the transaction once (no shared row locked)
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
        f"IF current_setting('{PG_MARK}', true) IS DISTINCT FROM '1' THEN "
        f"PERFORM set_config('{PG_MARK}', '1', true); "
        "INSERT INTO data_revision (id, revision) VALUES (-pg_backend_pid(), 0) ON CONFLICT (id) DO NOTHING; "
        "END IF; RETURN NULL; END $$",
    ]
    for table in tables:
        statements.append(
            f"CREATE OR REPLACE TRIGGER trg_{table}_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
        )
    return statements


SEED = "INSERT INTO data_revision (id, revision) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM data_revision)"


def create_triggers(conn: Connection, tables: Iterable[str] = WATCHED_TABLES) -> None:
    """Create the triggers that move ``data_revision`` on every change of ``tables`` (and its row);
    running it again changes nothing."""
    tables = tuple(tables)
    conn.exec_driver_sql(SEED)
    if conn.dialect.name == "postgresql":
        statements = _pg_statements(tables)
    elif conn.dialect.name == "sqlite":
        statements = _sqlite_statements(tables)
    else:
        return
    for statement in statements:
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection, tables: Iterable[str] = WATCHED_TABLES) -> None:
    """Drop what :func:`create_triggers` created."""
    for table in tables:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS trg_{table}_revision ON {table}")
        elif conn.dialect.name == "sqlite":
            for event in ("insert", "update", "delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS trg_{table}_{event}_revision")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {PG_APPLY_TRIGGER} ON data_revision")
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {PG_APPLY}()")


BUMP = "UPDATE data_revision SET revision = revision + 1 WHERE id = 1"


@contextmanager
def bulk_write(conn: Connection) -> Iterator[None]:
    """Around a bulk write inside one transaction (an import): the revision moves once instead of
    once per row.

    On SQLite the row triggers are dropped at the start and created again at the end, with one bump,
    all inside the caller's transaction: SQLite's DDL is transactional and the writer holds the
    database's only write lock, so no other connection ever sees the tables without their triggers or
    writes unseen meanwhile, and a rollback (or a killed process) restores them with the data. The
    triggers come back even when the block raises, in case the caller commits what it wrote before
    the error. On PostgreSQL nothing changes: its statement triggers already move the revision once
    per transaction.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    drop_triggers(conn)
    try:
        yield
    finally:
        conn.exec_driver_sql(BUMP)
        create_triggers(conn)
