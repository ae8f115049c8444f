"""Build (and reset) the deterministic demo workspace: the public surface the CLI calls.

``build_demo`` writes a realistic Japanese B2B workspace for a fictional vendor of a SaaS for
現場のナレッジ共有・業務可視化 (24 months, 2024-10-01 … 2026-09-30, plus the installed base won
since 2019-10 with its deals migrated from the previous SFA) with planted ground truth
(:mod:`tenbin.demo.truth`) that ICP discovery, win-likelihood scoring and the 課題DB must recover.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, select, text

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.db.revision import bulk_write
from tenbin.demo.generate import generate
from tenbin.demo.truth import measure_truth
from tenbin.errors import ErrorCode, TenbinError

DEMO_NOT_EMPTY = ErrorCode(
    "DEMO_NOT_EMPTY",
    en="The database already holds {accounts} accounts, so the demo was not built. Use a new database "
    "file, or run again with --reset to delete the workspace data first.",
    ja="データベースにすでに企業が {accounts} 件あるため、デモを作成しませんでした。新しいデータベース"
    "ファイルを指定するか、--reset を付けてワークスペースのデータを削除してから再実行してください。",
    status=409,
)
DEMO_SCALE_INVALID = ErrorCode(
    "DEMO_SCALE_INVALID",
    en="Scale must be a number above 0 and at most 1000 (1 ≈ 1,900 accounts, 450 of them customers, and "
    "8,400 leads), not {scale}.",
    ja="scale には 0 より大きく 1000 以下の数を指定してください(1 で約1,900社(うち顧客約450社)・8,400リード)。"
    "指定値: {scale}",
)
SETTINGS_KEY = "demo"

# Workspace data, children before parents. Stages, offers, categories, users, settings and the
# audit log stay: they are configuration and history, not data.
WORKSPACE_TABLES = (
    schema.webhook_deliveries, schema.webhooks, schema.seminar_attendees, schema.seminar_sessions,
    schema.likelihood_models, schema.routing_decisions, schema.challenge_revisions, schema.challenge_links,
    schema.challenges,
    schema.buying_group_members, schema.revenue_lines, schema.stage_events, schema.responses,
    schema.opportunities, schema.icp_versions, schema.team_members, schema.teams, schema.contacts,
    schema.custom_values, schema.attribute_definitions, schema.accounts, schema.campaigns, schema.import_runs,
)  # fmt: skip


@dataclass(frozen=True)
class DemoSummary:
    """What a build wrote: rows per table, the ground truth (planted and realised), and its time."""

    seed: int
    scale: float
    counts: dict[str, int]
    truth: dict[str, Any] = field(repr=False)
    seconds: float  # wall-clock time of the build, truth measurement included


def build_demo(
    engine: Engine, *, seed: int = 7, scale: float = 1.0, progress: Callable[[str, int], None] | None = None
) -> DemoSummary:
    """Build the demo workspace into a migrated, empty database in one transaction.

    ``progress(label, count)`` is called after each batch with a table name (or "truth") and the rows
    written to it so far. Raises DEMO_NOT_EMPTY when accounts exist, DEMO_SCALE_INVALID for a bad scale.
    """
    if not 0 < scale <= 1000:
        raise TenbinError(DEMO_SCALE_INVALID, {"scale": scale})
    started = time.perf_counter()
    with write_transaction(engine) as conn, bulk_write(conn):  # one data-revision move, not one per row
        existing = conn.execute(select(func.count()).select_from(schema.accounts)).scalar_one()
        if existing:
            raise TenbinError(DEMO_NOT_EMPTY, {"accounts": existing})
        counts = generate(conn, seed=seed, scale=scale, progress=progress)
        settings = schema.workspace_settings
        conn.execute(delete(settings).where(settings.c.key == SETTINGS_KEY))
        conn.execute(settings.insert().values(key=SETTINGS_KEY, value={"seed": seed, "scale": scale}))
        if progress is not None:
            progress("truth", 0)
        truth = measure_truth(conn)
    return DemoSummary(seed, scale, counts, truth, round(time.perf_counter() - started, 3))


def reset_workspace(engine: Engine) -> dict[str, int]:
    """Delete all workspace data (keeping default stages, offers, categories, users and settings);
    returns the rows deleted per table. On PostgreSQL the id sequences restart too, so a rebuilt demo
    gets the same ids as on a fresh database."""
    deleted: dict[str, int] = {}
    with write_transaction(engine) as conn, bulk_write(conn):
        for table in WORKSPACE_TABLES:
            deleted[table.name] = conn.execute(delete(table)).rowcount
        settings = schema.workspace_settings
        conn.execute(delete(settings).where(settings.c.key == SETTINGS_KEY))
        if conn.dialect.name == "postgresql":
            for table in WORKSPACE_TABLES:
                if "id" in table.c:
                    conn.execute(text("select setval(pg_get_serial_sequence(:t, 'id'), 1, false)"), {"t": table.name})
    return deleted
