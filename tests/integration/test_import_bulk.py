"""The bulk-load paths of the importer: a first load into empty tables (名寄せ without lookups, the
PostgreSQL table lock), deferred SQLite indexes, and the column fast paths inside a real import."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import count, snapshot
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.exc import OperationalError

from tenbin.db import schema
from tenbin.imports import dbio
from tenbin.imports.handlers import CONTACT
from tenbin.imports.matching import Matcher
from tenbin.imports.service import ImportOptions, import_file

HEADER = "リードID,会社名,姓,名,メールアドレス,電話番号,部署,役職,作成日\n"


def lead(i: int, email: str | None = None, phone: str | None = None, lead_id: str | None = None) -> str:
    company = f"株式会社テスト{i % 4}商事"
    mail = email or f"u{i}@c{i % 4}.example.co.jp"
    tel = phone or f"03-1234-{i:04d}"
    return f"{lead_id or f'L{i:04d}'},{company},佐藤,太郎,{mail},{tel},営業部,課長,2025/4/{1 + i % 28}\n"


def leads_file(tmp_path: Path, lines: list[str], name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_first_load_in_batches_then_reimport_is_unchanged(engine: Engine, tmp_path: Path) -> None:
    path = leads_file(tmp_path, [lead(i) for i in range(30)])
    first = import_file(engine, "contacts", path, ImportOptions(batch_rows=7))
    assert first.status == "committed"
    assert (first.counts.inserted, first.account_counts.inserted) == (30, 4)  # type: ignore[union-attr]
    again = import_file(engine, "contacts", path, ImportOptions(batch_rows=7))
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 30)
    assert (count(engine, "contacts"), count(engine, "accounts")) == (30, 4)
    with engine.connect() as conn:
        stored = conn.execute(select(schema.contacts.c.email, schema.contacts.c.phone).order_by("id")).all()
    assert stored[0] == ("u0@c0.example.co.jp", "0312340000")  # the phone column's fast path: hyphens removed
    assert stored[29] == ("u29@c1.example.co.jp", "0312340029")


def test_first_load_finds_duplicates_across_batches(engine: Engine, tmp_path: Path) -> None:
    """The lookups skipped on a first load are not needed: earlier batches' keys are remembered."""
    lines = [lead(i) for i in range(30)]
    lines[25] = lead(25, email="u3@c3.example.co.jp")  # row 27: the email of row 5, three batches earlier
    lines[20] = lead(20, lead_id="L0001")  # row 22: the id of row 3
    before = snapshot(engine)
    report = import_file(engine, "contacts", leads_file(tmp_path, lines), ImportOptions(batch_rows=7))
    assert report.status == "rejected"
    found = sorted((i["row"], i["code"]) for i in report.issues)
    assert found == [(22, "IMPORT_DUPLICATE_KEY"), (27, "IMPORT_DUPLICATE_KEY")]
    assert snapshot(engine) == before


def test_bad_cells_in_fast_columns_are_reported_cell_by_cell(engine: Engine, tmp_path: Path) -> None:
    """Columns on the fast path (ids, emails, phones) still report every bad cell with its row."""
    lines = [lead(i) for i in range(12)]
    lines[4] = lead(4, email="u4@example")  # row 6
    lines[9] = lead(9, phone="03-1234-56789")  # row 11
    before = snapshot(engine)
    report = import_file(engine, "contacts", leads_file(tmp_path, lines), ImportOptions(batch_rows=5))
    assert report.status == "rejected"
    found = sorted((i["row"], i["column"], i["code"]) for i in report.issues)
    assert found == [(6, "メールアドレス", "VALUE_EMAIL_FORMAT"), (11, "電話番号", "VALUE_PHONE_FORMAT")]
    assert snapshot(engine) == before


def _indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        found = conn.exec_driver_sql("select name, sql from sqlite_master where type = 'index' order by name")
        return [(str(name), str(sql)) for name, sql in found]


@pytest.mark.parametrize("bad", [False, True])
def test_deferred_indexes_come_back_identical(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: bool
) -> None:
    """SQLite: indexes dropped during a long load are rebuilt as they were, or restored by the rollback."""
    if engine.dialect.name != "sqlite":
        pytest.skip("indexes are deferred on SQLite only")
    monkeypatch.setattr(dbio, "DEFER_MIN_ROWS", 5)
    before = _indexes(engine)
    assert ("ix_contacts_acquired_at", "CREATE INDEX ix_contacts_acquired_at ON contacts (acquired_at)") in before
    lines = [lead(i) for i in range(30)]
    if bad:
        lines[28] = lead(28, email="not an email")
    report = import_file(engine, "contacts", leads_file(tmp_path, lines), ImportOptions(batch_rows=7))
    assert report.status == ("rejected" if bad else "committed")
    assert _indexes(engine) == before
    assert count(engine, "contacts") == (0 if bad else 30)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("pragma integrity_check").scalar_one() == "ok"


def _other_session_insert(engine: Engine, table: str) -> None:
    """An insert from another connection that gives up after 300 ms of waiting for a lock."""
    other = create_engine(engine.url)
    try:
        with other.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '300ms'"))
            conn.execute(insert(schema.metadata.tables[table]).values(email=f"other{count(engine, table)}@example.jp"))
    finally:
        other.dispose()


def test_first_load_locks_the_empty_table_on_postgres(engine: Engine) -> None:
    """PostgreSQL: an empty table is locked against other writers for the import's transaction
    (as SQLite's write lock does), so its 名寄せ needs no lookups; a table with rows is not locked."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE already keeps other writers out")
    with engine.connect() as conn, conn.begin() as transaction:
        assert Matcher(conn, schema.contacts, CONTACT)._fresh_table
        with pytest.raises(OperationalError, match="lock timeout"):
            _other_session_insert(engine, "contacts")
        transaction.rollback()
    _other_session_insert(engine, "contacts")  # the lock ended with the transaction
    with engine.connect() as conn, conn.begin() as transaction:
        assert not Matcher(conn, schema.contacts, CONTACT)._fresh_table  # a row exists: no lock
        _other_session_insert(engine, "contacts")  # raises if the table were locked
        transaction.rollback()
    assert count(engine, "contacts") == 2
