"""The balance's operating signals on a declared workspace, on SQLite and PostgreSQL: the sales
capacity used (roster, load from opportunities or routing) and the win-rate judgement over closed
deals, through :func:`balance_state` and :func:`resource_pressure`. Every number is worked out here.

Teams (today's roster):

========  ==============  ==========================================  ==========================
team      kind            members (active)                            capacity counted
========  ==============  ==========================================  ==========================
FS        sales           田中 10/week, 高橋 2/day, 伊藤 none,          members: 10/week + 2/day;
                          渡辺 100/week but inactive                    伊藤 has none (reported)
AS        account_sales   小林 (no capacity); team 5/week               the team's: 5/week
IS        inside_sales    中村 30/day                                   not sales
DS        digital         (none); team 400/day                          not sales
========  ==============  ==========================================  ==========================

Roster: 2 sales teams, 4 active members, 1 without capacity, 15 a week + 2 a weekday.
Capacity: January 2026 (31 days, 22 weekdays) 15·31/7 + 44 = 110.43; February (28 days, 20
weekdays) 60 + 40 = 100; March up to today = 15 March (15 days, 10 weekdays) 15·15/7 + 20 = 52.14.

Load: opportunities created by sales owners: January 田中 30; February 田中 80 + 小林 10 = 90 (中村,
渡辺 (inactive) and 山田 (no member) own 5 + 5 + 3 more: not counted); March 田中 20, but March has
routing decisions, so its load is the leads routed to sales: lead 1 → member 田中, lead 2 → team AS,
lead 4 (高橋, then 田中 the next day: once), not lead 3 (→ 中村, IS) nor lead 5 (to 田中, overridden in March to DS): 3.
So January 30/110.43 = 27.2 %, February 90/100 = 90 % (saturated at ≥ 90 %), March 3/52.14 = 5.8 %.

Closed deals (won/closed by closed_on): 2025-11 6/10, 2025-12 5/10, 2026-01 7/10, 2026-02 2/10,
2026-03 1/4. February against Nov–Jan 18/30: Fisher p = 27478256 / 847660528 = 0.0324 → fallen
(see tests/unit/test_balance_signals_pure.py). January against Oct–Dec (Oct has none) 11/20 with
7/10: not fallen. March: 4 < 10 closed deals, not enough data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from tenbin.balance.service import balance_state, resource_pressure
from tenbin.db import schema as s

TODAY = dt.date(2026, 3, 15)
TEAMS = [  # id, name, kind, per_day, per_week
    (1, "FS", "sales", None, None), (2, "AS", "account_sales", None, 5), (3, "IS", "inside_sales", None, None),
    (4, "DS", "digital", 400, None),
]  # fmt: skip
MEMBERS = [  # id, team, name, per_day, per_week, active
    (1, 1, "田中", None, 10, True), (2, 1, "高橋", 2, None, True), (3, 1, "伊藤", None, None, True),
    (4, 1, "渡辺", None, 100, False), (5, 2, "小林", None, None, True), (6, 3, "中村", 30, None, True),
]  # fmt: skip
HANDED = [  # created_on, owner, how many
    (dt.date(2026, 1, 20), "田中", 30), (dt.date(2026, 2, 1), "田中", 40), (dt.date(2026, 2, 28), "田中", 40),
    (dt.date(2026, 2, 10), "小林", 10), (dt.date(2026, 2, 10), "中村", 5), (dt.date(2026, 2, 10), "渡辺", 5),
    (dt.date(2026, 2, 10), "山田", 3), (dt.date(2026, 3, 2), "田中", 20), (dt.date(2026, 3, 1), None, 7),
]  # fmt: skip
CLOSED = [  # closed_on, won, lost
    (dt.date(2025, 11, 30), 6, 4), (dt.date(2025, 12, 1), 5, 5), (dt.date(2026, 1, 31), 7, 3),
    (dt.date(2026, 2, 14), 2, 8), (dt.date(2026, 3, 3), 1, 3),
]  # fmt: skip


def _decision(contact: int, at: dt.datetime, *, member: int | None = None, team: int | None = None,
              superseded: dt.datetime | None = None) -> dict[str, Any]:  # fmt: skip
    return {"contact_id": contact, "is_icp": True, "quadrant": "icp_high", "action": "sales", "member_id": member,
            "team_id": team, "reason": {}, "decided_at": at, "superseded_at": superseded}  # fmt: skip


def declare(engine: Engine) -> None:
    march = dt.datetime(2026, 3, 5, 10, 0)
    opportunities: list[dict[str, Any]] = []
    for created, owner, count in HANDED:
        opportunities += [{"account_id": 1, "name": f"open {owner}", "status": "open", "created_on": created,
                           "owner": owner, "closed_on": None}] * count  # fmt: skip
    for closed, won, lost in CLOSED:
        for status, count in (("won", won), ("lost", lost)):
            opportunities += [{"account_id": 1, "name": status, "status": status, "created_on": None,
                               "owner": None, "closed_on": closed}] * count  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(s.icp_versions), [{"version": 1, "name": "製造業", "rules": 'industry = "E"',
                                               "is_current": True}])  # fmt: skip
        conn.execute(insert(s.accounts), [{"id": 1, "name": "社1", "name_key": "社1", "industry_code": "E"}])
        conn.execute(insert(s.teams), [{"id": i, "name": n, "kind": k, "capacity_per_day": d, "capacity_per_week": w}
                                       for i, n, k, d, w in TEAMS])  # fmt: skip
        conn.execute(insert(s.team_members), [
            {"id": i, "team_id": t, "name": n, "capacity_per_day": d, "capacity_per_week": w, "is_active": a}
            for i, t, n, d, w, a in MEMBERS
        ])  # fmt: skip
        conn.execute(insert(s.opportunities), opportunities)
        conn.execute(insert(s.contacts), [{"id": i, "account_id": 1, "email": f"lead{i}@example.jp",
                                           "acquired_at": dt.datetime(2026, 3, 1)} for i in range(1, 6)])  # fmt: skip
        conn.execute(insert(s.routing_decisions), [
            _decision(1, march, member=1), _decision(2, march, team=2),
            _decision(3, march, member=6, superseded=dt.datetime(2026, 3, 31, 23, 59, 59)),
            _decision(4, march, member=2, superseded=march + dt.timedelta(days=1)),
            _decision(4, march + dt.timedelta(days=1), member=1),
            _decision(5, march, member=1, superseded=march + dt.timedelta(days=2)),
            _decision(5, march + dt.timedelta(days=2), team=4),
            # the last second of March is still March (to inside sales: a decision, not sales load)
            _decision(3, dt.datetime(2026, 3, 31, 23, 59, 59), member=6),
        ])  # fmt: skip


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    declare(engine)
    return engine


def test_capacity_used_per_month_from_opportunities_or_routing(workspace: Engine) -> None:
    rows = balance_state(workspace, period="month", periods=3, today=TODAY)
    by_period = {r.period: r.signals.capacity for r in rows if r.stage == "lead"}
    jan, feb, mar = by_period["2026-01"], by_period["2026-02"], by_period["2026-03"]
    roster = feb.roster
    assert (roster.teams, roster.members, roster.members_without_capacity, roster.per_week, roster.per_day) == (
        2, 4, 1, 15, 2,
    )  # fmt: skip
    assert (jan.source, jan.used, jan.days, jan.status) == ("opportunities", 30, 31, "available")
    assert jan.capacity == pytest.approx(15 * 31 / 7 + 2 * 22)
    assert jan.share == pytest.approx(30 / (15 * 31 / 7 + 44))
    assert (feb.source, feb.used, feb.days, feb.capacity, feb.share) == ("opportunities", 90, 28, 100.0, 0.9)
    assert feb.status == "saturated" and feb.saturated is True
    assert (mar.source, mar.used, mar.days, mar.status) == ("routing", 3, 15, "available")
    assert mar.capacity == pytest.approx(15 * 15 / 7 + 2 * 10)
    # every stage of a period carries the same signals
    assert {r.signals.capacity.used for r in rows if r.period == "2026-02"} == {90}


def test_win_rate_judgement_per_month_over_closed_deals(workspace: Engine) -> None:
    rows = balance_state(workspace, period="month", periods=3, today=TODAY)
    by_period = {r.period: r.signals.win_rate for r in rows if r.stage == "lead"}
    jan, feb, mar = by_period["2026-01"], by_period["2026-02"], by_period["2026-03"]
    assert (feb.won, feb.closed, feb.baseline_won, feb.baseline_closed) == (2, 10, 18, 30)
    assert [(b.period, b.won, b.closed) for b in feb.baseline] == [
        ("2025-11", 6, 10), ("2025-12", 5, 10), ("2026-01", 7, 10),
    ]  # fmt: skip
    assert feb.p_fallen == pytest.approx(27_478_256 / 847_660_528, rel=1e-9) and feb.verdict == "fallen"
    assert (jan.won, jan.closed, jan.baseline_won, jan.baseline_closed, jan.verdict) == (7, 10, 11, 20, "not_fallen")
    assert (mar.won, mar.closed, mar.verdict) == (1, 4, "not_enough_data")
    feb_lead = next(r for r in rows if (r.period, r.stage) == ("2026-02", "lead"))
    assert feb_lead.explain("ja").endswith("受注率が悪化し営業リソースも飽和しているため、質中心に軸足を移す状況です。")
    assert "(one-sided Fisher test, p=0.0324)" in feb_lead.explain("en")
    assert feb_lead.explain("ja").startswith(feb_lead.explain_state("ja"))


def test_resource_pressure_for_the_last_complete_month(workspace: Engine) -> None:
    pressure = resource_pressure(workspace, today=TODAY)
    assert (pressure.period, pressure.period_from, pressure.period_to) == (
        "2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28),
    )  # fmt: skip
    assert (pressure.win_rate_fallen, pressure.capacity_saturated, pressure.shift_to_quality) == (True, True, True)
    assert pressure.reasons == ("win_rate_fallen", "capacity_saturated", "shift_to_quality")
    assert (pressure.capacity.used, pressure.capacity.capacity) == (90, 100.0)
    assert pressure.explain("en").startswith("The win rate of 20.0% (2/10) has fallen from 60.0% (18/30)")
    looser = resource_pressure(workspace, today=TODAY, saturation=0.95)
    assert (looser.capacity_saturated, looser.shift_to_quality) == (False, False)
    assert looser.reasons == ("win_rate_fallen", "capacity_available")
    # on 1 March, February is still the last complete month; on 28 February it is January
    assert resource_pressure(workspace, today=dt.date(2026, 3, 1)).period == "2026-02"
    january = resource_pressure(workspace, today=dt.date(2026, 2, 28))
    assert (january.period, january.win_rate.verdict, january.capacity.used) == ("2026-01", "not_fallen", 30)


def test_a_quarter_scales_the_capacity_and_needs_more_history(workspace: Engine) -> None:
    pressure = resource_pressure(workspace, period="quarter", today=TODAY)
    q4 = pressure.capacity  # 2025-10-01 (Wed) … 12-31: 92 days, 13 weeks + 1 Wednesday = 66 weekdays
    assert (pressure.period, q4.days, q4.used, q4.share) == ("2025-Q4", 92, 0, 0.0)
    assert q4.capacity == pytest.approx(15 * 92 / 7 + 2 * 66)
    assert (pressure.win_rate.closed, pressure.win_rate.baseline_closed) == (20, 0)  # Nov + Dec; nothing before
    assert pressure.reasons == ("win_rate_not_enough_data", "capacity_available")


def test_without_teams_the_capacity_is_unknown(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(s.icp_versions), [{"version": 1, "name": "v", "rules": 'industry = "E"',
                                               "is_current": True}])  # fmt: skip
    pressure = resource_pressure(engine, today=TODAY)
    assert (pressure.capacity.status, pressure.capacity.capacity, pressure.capacity.share) == ("unknown", None, None)
    assert pressure.reasons == ("win_rate_not_enough_data", "capacity_unknown")
    assert not pressure.capacity_saturated and not pressure.win_rate_fallen
    assert "営業リソースの使用率は分かりません" in pressure.explain("ja")
