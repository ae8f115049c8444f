"""Balance state per stage and month on a declared workspace, on SQLite and PostgreSQL; every count
and state is worked out by hand here.

ICP = ``industry = "E"``: account 1 (E) is ICP, account 2 (G) is not. Targets (saved through the
workspace service): band 30–50 %, the ``sql`` stage's own band 40–80 %, 10 leads and 4 opportunities
(sql) a month. today = 2026-03-15, the last 3 months:

=======  ===================  =======================  ======================
month    lead (ICP/all)       sql (ICP/all)            won (ICP/all)
=======  ===================  =======================  ======================
2026-01  2/10 = 20 %          1/3 = 33.3 %             —
         below, 10 ≥ 10:      below 40, 3 < 4:
         quantity_leaning     both_short               no_data
2026-02  4/8 = 50 % (edge)    3/4 = 75 %               1/1 = 100 %
         in, 8 < 10:          in 40–80, 4 ≥ 4:         above 50, no target:
         quality_leaning      balanced                 quality_leaning
2026-03  5/12 = 41.7 %        —                        —
         in, 12 ≥ 10:
         balanced             no_data                  no_data
=======  ===================  =======================  ======================

The January sql count includes one ICP lead acquired on 2025-12-20 (outside the window: not in any
lead row) that reached sql on 2026-01-15. A lead that reached sql also reached mql (the metrics
slice's "reached": an event for a later stage counts for every earlier one), so mql has the sql
counts against the general band and no volume target: January 1/3 = 33.3 % balanced, February
3/4 = 75 % quality_leaning, March no_data. retained has no events: no_data every month.
Win rate (sql → won since): January 0/3, February 1/4, March no leads. Lead → sql conversion of
January's leads: ICP 0/2, non-ICP 2/8; February's: ICP 3/4, non-ICP 1/4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from tenbin.balance.service import StageBalance, balance_state
from tenbin.db import schema as s
from tenbin.errors import TenbinError
from tenbin.workspace.service import Band, save_targets

TODAY = dt.date(2026, 3, 15)
MONTHS = (  # (acquired_at, ICP leads, non-ICP leads)
    (dt.datetime(2026, 1, 10, 9, 0), 2, 8),
    (dt.datetime(2026, 2, 10, 9, 0), 4, 4),
    (dt.datetime(2026, 3, 10, 9, 0), 5, 7),
)


def declare(engine: Engine) -> None:
    contacts: list[dict[str, Any]] = [  # lead 1: ICP, acquired in December, sql in January
        {"id": 1, "account_id": 1, "acquired_at": dt.datetime(2025, 12, 20, 9, 0), "email": "lead1@example.jp"}
    ]
    by_month: list[tuple[list[int], list[int]]] = []
    for at, n_icp, n_non in MONTHS:
        icp, non = [], []
        for is_icp in [True] * n_icp + [False] * n_non:
            lead = len(contacts) + 1
            contacts.append({"id": lead, "account_id": 1 if is_icp else 2, "acquired_at": at,
                             "email": f"lead{lead}@example.jp"})  # fmt: skip
            (icp if is_icp else non).append(lead)
        by_month.append((icp, non))
    (_, jan_non), (feb_icp, feb_non), _ = by_month
    sql_at = {1: dt.datetime(2026, 1, 15), **{i: dt.datetime(2026, 1, 20) for i in jan_non[:2]},
              **{i: dt.datetime(2026, 2, 20) for i in [*feb_icp[:3], feb_non[0]]}}  # fmt: skip
    with engine.begin() as conn:
        stages = {code: int(i) for i, code in conn.execute(select(s.funnel_stages.c.id, s.funnel_stages.c.code))}
        conn.execute(insert(s.icp_versions), [{"version": 1, "name": "製造業", "rules": 'industry = "E"',
                                               "is_current": True}])  # fmt: skip
        conn.execute(insert(s.accounts), [
            {"id": 1, "name": "社1", "name_key": "社1", "industry_code": "E"},
            {"id": 2, "name": "社2", "name_key": "社2", "industry_code": "G"},
        ])  # fmt: skip
        conn.execute(insert(s.contacts), contacts)
        events = [{"contact_id": lead, "stage_id": stages["sql"], "entered_at": at} for lead, at in sql_at.items()]
        events.append({"contact_id": feb_icp[0], "stage_id": stages["won"], "entered_at": dt.datetime(2026, 2, 25)})
        conn.execute(insert(s.stage_events), events)


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    declare(engine)
    save_targets(engine, icp_rate=(30, 50), actor="test", stage_bands={"sql": (40, 80)}, leads_per_month=10,
                 opportunities_per_month=4)  # fmt: skip
    return engine


def by_key(rows: list[StageBalance]) -> dict[tuple[str, str], StageBalance]:
    return {(row.stage, row.period): row for row in rows}


def test_states_per_stage_and_month_against_counts_by_hand(workspace: Engine) -> None:
    rows = balance_state(workspace, period="month", periods=3, today=TODAY)
    stages = ("lead", "mql", "sql", "won", "retained")
    assert [(r.period, r.stage) for r in rows[:5]] == [("2026-01", c) for c in stages]
    found = {key: (row.icp, row.total, row.state) for key, row in by_key(rows).items()}
    assert found == {
        ("lead", "2026-01"): (2, 10, "quantity_leaning"),
        ("lead", "2026-02"): (4, 8, "quality_leaning"),
        ("lead", "2026-03"): (5, 12, "balanced"),
        ("mql", "2026-01"): (1, 3, "balanced"),
        ("mql", "2026-02"): (3, 4, "quality_leaning"),
        ("mql", "2026-03"): (0, 0, "no_data"),
        ("sql", "2026-01"): (1, 3, "both_short"),
        ("sql", "2026-02"): (3, 4, "balanced"),
        ("sql", "2026-03"): (0, 0, "no_data"),
        ("won", "2026-01"): (0, 0, "no_data"),
        ("won", "2026-02"): (1, 1, "quality_leaning"),
        ("won", "2026-03"): (0, 0, "no_data"),
        **{("retained", month): (0, 0, "no_data") for month in ("2026-01", "2026-02", "2026-03")},
    }  # fmt: skip


def test_targets_and_reasons_come_from_the_workspace_settings(workspace: Engine) -> None:
    rows = by_key(balance_state(workspace, periods=3, today=TODAY))
    lead_feb, sql_jan, won_feb = rows["lead", "2026-02"], rows["sql", "2026-01"], rows["won", "2026-02"]
    assert (lead_feb.band, lead_feb.volume_target) == (Band(30.0, 50.0), 10)
    assert lead_feb.balance.decided_by == ("rate_in_band", "volume_short")
    assert lead_feb.balance.rate is not None and lead_feb.balance.rate.position == "in"  # 50 % is the edge
    assert (sql_jan.band, sql_jan.volume_target) == (Band(40.0, 80.0), 4)
    assert sql_jan.balance.decided_by == ("rate_below_band", "volume_short")
    assert sql_jan.balance.volume.shortfall == 1
    assert (won_feb.band, won_feb.volume_target) == (Band(30.0, 50.0), None)
    assert rows["mql", "2026-01"].volume_target is None
    assert [r.complete for r in (rows["lead", "2026-01"], rows["lead", "2026-02"], rows["lead", "2026-03"])] == [
        True, True, False,
    ]  # fmt: skip
    assert lead_feb.explain("ja").startswith(
        "ICP率 50.0%(4/8)は目標帯 30〜50% の範囲内ですが、件数 8件が目標 10件に2件足りないため質寄りです。"
    )
    assert sql_jan.explain("en").startswith("The ICP rate of 33.3% (1/3) is below the target band of 40–80%")


def test_operating_signals_win_rate_trend_and_icp_conversion(workspace: Engine) -> None:
    rows = by_key(balance_state(workspace, periods=3, today=TODAY))
    signals = rows["lead", "2026-01"].signals
    assert [(p.period, p.win_rate.hits, p.win_rate.total) for p in signals.win_rate_trend] == [
        ("2026-01", 0, 3), ("2026-02", 1, 4), ("2026-03", 0, 0),
    ]  # fmt: skip
    assert signals.win_rate_trend[1].win_rate.rate == 0.25
    assert signals.win_rate_trend[2].win_rate.rate is None
    jan = {(st.from_stage, st.to_stage): st.comparison for st in signals.conversion}
    lead_sql = jan["lead", "sql"]
    assert (lead_sql.icp.hits, lead_sql.icp.total, lead_sql.non_icp.hits, lead_sql.non_icp.total) == (0, 2, 2, 8)
    feb = {(st.from_stage, st.to_stage): st.comparison for st in rows["sql", "2026-02"].signals.conversion}
    assert (feb["lead", "sql"].icp.hits, feb["lead", "sql"].icp.total) == (3, 4)
    assert (feb["lead", "sql"].non_icp.hits, feb["lead", "sql"].non_icp.total) == (1, 4)
    assert (feb["sql", "won"].icp.hits, feb["sql", "won"].icp.total) == (1, 3)


def test_a_quarter_scales_the_monthly_volume_targets(workspace: Engine) -> None:
    rows = by_key(balance_state(workspace, period="quarter", periods=1, today=TODAY))
    lead, sql = rows["lead", "2026-Q1"], rows["sql", "2026-Q1"]
    # lead: 11/30 = 36.7 % in 30–50, 30 ≥ 3 × 10; sql: 4/7 = 57.1 % in 40–80, 7 < 3 × 4
    assert (lead.icp, lead.total, lead.volume_target, lead.state) == (11, 30, 30, "balanced")
    assert (sql.icp, sql.total, sql.volume_target, sql.state) == (4, 7, 12, "quality_leaning")


def test_defaults_without_saved_targets(engine: Engine) -> None:
    declare(engine)
    rows = by_key(balance_state(engine, period="fiscal_year", periods=1, today=TODAY))
    lead = rows["lead", "2025"]  # 年度 2025 = 2025-04 … 2026-03; the December lead is in it: 12/31
    assert (lead.icp, lead.total, lead.band, lead.volume_target, lead.state) == (
        12, 31, Band(30.0, 50.0), None, "balanced",
    )  # fmt: skip


@pytest.mark.parametrize(("period", "periods", "code"), [
    ("week", 6, "BALANCE_PERIOD_INVALID"), ("month", 0, "BALANCE_PERIODS_INVALID"),
    ("month", 61, "BALANCE_PERIODS_INVALID"),
])  # fmt: skip
def test_refused_arguments(engine: Engine, period: str, periods: int, code: str) -> None:
    with pytest.raises(TenbinError) as raised:
        balance_state(engine, period=period, periods=periods, today=TODAY)
    assert raised.value.code == code
