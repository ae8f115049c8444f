"""``tenbin balance`` as a user runs it, on the declared balance workspace (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from test_balance import TODAY, declare
from test_balance_signals import declare as declare_signals
from test_cli import tenbin

from tenbin.balance.report import balance_dict
from tenbin.balance.service import balance_state
from tenbin.cli import common
from tenbin.cli.common import out
from tenbin.cli.main import main
from tenbin.db.engine import make_engine
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


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI in-process (faster than a subprocess), output wide enough that no line wraps."""
    monkeypatch.setattr(out, "_width", 300)
    opened: list[Engine] = []

    def make(url: str) -> Engine:  # the CLI's engine, disposed after each command as a process exit would
        opened.append(make_engine(url))
        return opened[-1]

    monkeypatch.setattr(common, "make_engine", make)

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--database", db_url, *args])
        finally:
            while opened:
                opened.pop().dispose()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_signals_once_per_period_filters_and_stage(engine: Engine, run: Any) -> None:
    declare_signals(engine)  # February: 90 of 100 to sales (saturated), win rate 2/10 after 18/30 (fallen)
    args = ("balance", "--periods", "3", "--today", TODAY.isoformat())
    code, stdout, _ = run("--lang", "en", *args, "--json")
    assert code == 0 and json.loads(stdout) == [
        balance_dict(r, "en") for r in balance_state(engine, periods=3, today=TODAY)
    ]
    _, ja, _ = run("--lang", "ja", *args)
    assert "運用シグナル" in ja and "20.0% (2/10)" in ja and "悪化" in ja and "90/100.0 (90.0%)" in ja and "飽和" in ja
    assert ja.count("2026-02: 受注率 20.0%(2/10件)が直前3期間の 60.0%(18/30件)より下がっています") == 1
    assert "質中心に軸足を移す状況です" in ja
    _, en, _ = run("--lang", "en", *args)
    assert "too few deals" in en and "3/52.1 (5.8%)" in en and "from routing decisions" in en
    _, stdout, _ = run(*args, "--stage", "lead", "--industry", "E", "--size-band", "(none)", "--json")
    assert [(r["period"], r["stage"], r["total"]) for r in json.loads(stdout)] == [
        ("2026-01", "lead", 0), ("2026-02", "lead", 0), ("2026-03", "lead", 5),
    ]  # fmt: skip
    _, stdout, _ = run(*args, "--stage", "lead", "--team", "FS", "--json")
    assert [r["total"] for r in json.loads(stdout)] == [0, 0, 0]  # the leads have no owner: no team
    code, _, stderr = run("--lang", "en", *args, "--stage", "deal")
    assert code == 2 and stderr.startswith("BALANCE_UNKNOWN_STAGE: There is no funnel stage 'deal'")
    code, _, stderr = run(*args, "--orientation", "x")
    assert code == 2 and stderr.startswith("METRICS_FILTER_ORIENTATION")
    code, _, stderr = run("balance", "--today", "2026-13-01")
    assert code == 2 and "Invalid value for '--today'" in stderr
