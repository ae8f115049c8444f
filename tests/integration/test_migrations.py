"""A fresh database and an upgraded one are identical, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from tenbin.db import schema
from tenbin.db.defaults import OFFER_LADDER
from tenbin.db.migrate import current_revision, downgrade, head_revision, require_current, upgrade
from tenbin.errors import TenbinError


def _schema_dump(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    dump: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version":
            continue
        dump[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
            ),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
            "fks": sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table)
            ),
        }
    return dump


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
    assert diff == []


def test_downgrade_then_upgrade_gives_the_same_schema(engine: Engine) -> None:
    before = _schema_dump(engine)
    assert "accounts" in before and len(before) == len(schema.metadata.tables)
    downgrade(engine, "base")
    assert _schema_dump(engine) == {}
    try:
        require_current(engine)
    except TenbinError as exc:
        assert exc.code == "DB_NOT_MIGRATED"
    else:
        raise AssertionError("an empty database must be reported as not migrated")
    upgrade(engine)
    assert _schema_dump(engine) == before


def test_fresh_create_all_equals_migrations(engine: Engine, tmp_path: Any) -> None:
    from tenbin.db.engine import make_engine

    if engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL, test_migrated_schema_matches_the_models proves models == migrations")
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    schema.metadata.create_all(fresh)
    assert _schema_dump(fresh) == _schema_dump(engine)


def test_defaults_are_seeded(engine: Engine) -> None:
    with engine.connect() as conn:
        offers = conn.execute(select(schema.offers.c.name).order_by(schema.offers.c.ladder_rank)).scalars().all()
        stages = (
            conn.execute(select(schema.funnel_stages.c.code).order_by(schema.funnel_stages.c.position)).scalars().all()
        )
    assert tuple(offers) == OFFER_LADDER
    assert stages == ["lead", "mql", "sql", "won", "retained"]
