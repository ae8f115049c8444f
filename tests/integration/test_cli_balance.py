"""``tenbin balance`` as a user runs it, on the declared balance workspace (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from test_balance import TODAY, declare
from test_cli import tenbin

from tenbin.balance.service import balance_state
from tenbin.workspace.service import save_targets


def test_balance_json_equals_the_service_and_the_table_speaks_both_languages(engine: Engine, db_url: str) -> None:
    declare(engine)
    save_targets(engine, icp_rate=(30, 50), actor="test", leads_per_month=10)
    args = ("balance", "--periods", "3", "--today", TODAY.isoformat())
    rows = json.loads(tenbin(db_url, *args, "--json").stdout)
    expected = balance_state(engine, period="month", periods=3, today=TODAY)
    assert [(r["stage"], r["period"], r["icp"], r["total"], r["state"]) for r in rows] == [
        (e.stage, e.period, e.icp, e.total, e.state) for e in expected
    ]
    january = next(r for r in rows if (r["stage"], r["period"]) == ("lead", "2026-01"))
    assert (january["icp"], january["total"], january["state"]) == (2, 10, "quantity_leaning")  # 20 % < 30 %
    ja = tenbin(db_url, "--lang", "ja", *args).stdout
    assert (
        "量寄り" in ja and "20.0% (2/10)" in ja and "2026-03*" in ja and "* 期間の途中です" in ja
    )  # March is not over on 15 March
    en = tenbin(db_url, "--lang", "en", *args).stdout
    assert "quantity-leaning" in en and "20.0% (2/10)" in en
    bad = tenbin(db_url, "balance", "--period", "week", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("BALANCE_PERIOD_INVALID")
