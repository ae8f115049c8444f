"""The campaign-mix plan on a declared workspace, on SQLite and PostgreSQL; every number by hand.

ICP = ``industry = "E"`` (account 1 ICP, account 2 not). Campaigns (first touch decides a lead's
campaign) started since 2025-01-01, and one older:

==========  ==========  ========  ======  ==================  ===============================
campaign    channel     量/質      cost    leads (ICP)         opportunities (reached sql)
==========  ==========  ========  ======  ==================  ===============================
A1          展示会       quantity  300,000  6 (1)              1 (sql event)
A2          展示会       quantity  500,000  10 (3)             1 (a won event: won ⇒ reached sql)
B1          個別セミナー  quality   600,000  4 (3)              2
W1          ウェビナー    quantity  —        5 (2)              0   → left out: no cost
AD1         広告         quantity  100,000  0                  —   → left out: no leads
OLD (2020)  展示会       quantity  1,000,000 10 (0)            0   → outside the history window
==========  ==========  ========  ======  ==================  ===============================

A lead of A1 also responded to B1 later: it stays A1's. Per type: 展示会 2 campaigns, 16 leads, mean 8,
sd √((2² + 2²)/1) = √8, se √8/√2 = 2, ICP 4/16 = 25 %, opportunities 2/16 (1 per campaign), ¥400,000 a
campaign; 個別セミナー 1 campaign: 4 leads, sd = √4 = 2 (Poisson), se 2, ICP 3/4, opportunities 2/4
(2 per campaign), ¥600,000.

Plan for April 2026 (today 2026-03-15), 20 leads and 30–50 % (saved targets), a = 展示会, b = 個別:
8a + 4b ≥ 20; 2a + 3b ≥ 0.3(8a + 4b) ⇔ b ≥ 2a/9; 2a + 3b ≤ 0.5(8a + 4b) ⇔ b ≤ 2a. Cheapest (¥1.4M):
(2, 1), 20 leads, 7 ICP = 35 %. With the resource rule (lower edge 40 %: b ≥ 6a/7): (1, 3) breaks
b ≤ 2a, (2, 1) breaks b ≥ 12/7, so (2, 2) ¥2.0M: 24 leads, 10 ICP = 41.7 %.

Pressure (the balance slice's judgement of the last complete month, 2026-02, against the three
months before it pooled): deals closed 8/10 won in December and 7/10 in January (15/20), 1/10 in
February (one-sided Fisher p ≪ 0.05: fallen). Eight opportunities created in February are owned by
the salesperson 営業1: capacity 2 leads/week → 2 × 28/7 = 8 in February, 8 ≥ 90 % of it:
saturated. April's capacity 2 × 30/7 = 8.57 ≥ (2, 2)'s load 2·1 + 2·2 = 6: it does not bind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from tenbin.db import schema as s
from tenbin.errors import TenbinError
from tenbin.plan.service import plan_campaign_mix
from tenbin.workspace.service import add_member, add_team, save_targets

TODAY = dt.date(2026, 3, 15)
SINCE = dt.date(2025, 1, 1)
CAMPAIGNS = [  # id, name, channel, orientation, cost, starts_on, leads, ICP leads
    (1, "A1", "展示会", "quantity", 300_000, dt.date(2025, 6, 1), 6, 1),
    (2, "A2", "展示会", "quantity", 500_000, dt.date(2025, 7, 1), 10, 3),
    (3, "B1", "個別セミナー", "quality", 600_000, dt.date(2025, 8, 1), 4, 3),
    (4, "W1", "ウェビナー", "quantity", None, dt.date(2025, 8, 1), 5, 2),
    (5, "AD1", "広告", "quantity", 100_000, dt.date(2025, 9, 1), 0, 0),
    (6, "OLD", "展示会", "quantity", 1_000_000, dt.date(2020, 1, 1), 10, 0),
]


def declare(engine: Engine) -> None:
    contacts: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    first_lead: dict[str, int] = {}
    for cid, name, _, _, _, starts, n, n_icp in CAMPAIGNS:
        for k in range(n):
            lead = len(contacts) + 1
            first_lead.setdefault(name, lead)
            contacts.append({"id": lead, "account_id": 1 if k < n_icp else 2, "email": f"l{lead}@example.jp",
                             "acquired_at": dt.datetime.combine(starts, dt.time(10))})  # fmt: skip
            responses.append({"contact_id": lead, "campaign_id": cid,
                              "responded_at": dt.datetime.combine(starts, dt.time(10))})  # fmt: skip
    responses.append({"contact_id": first_lead["A1"], "campaign_id": 3, "responded_at": dt.datetime(2025, 8, 2)})
    with engine.begin() as conn:
        stages = {code: int(i) for i, code in conn.execute(select(s.funnel_stages.c.id, s.funnel_stages.c.code))}
        conn.execute(insert(s.icp_versions), [{"version": 1, "name": "製造業", "rules": 'industry = "E"',
                                               "is_current": True}])  # fmt: skip
        conn.execute(insert(s.accounts), [
            {"id": 1, "name": "社1", "name_key": "社1", "industry_code": "E"},
            {"id": 2, "name": "社2", "name_key": "社2", "industry_code": "G"},
        ])  # fmt: skip
        conn.execute(insert(s.campaigns), [
            {"id": cid, "name": name, "channel": channel, "orientation": orientation, "cost": cost, "starts_on": starts}
            for cid, name, channel, orientation, cost, starts, _, _ in CAMPAIGNS
        ])  # fmt: skip
        conn.execute(insert(s.contacts), contacts)
        conn.execute(insert(s.responses), responses)
        at = dt.datetime(2025, 9, 10)
        events = [
            {"contact_id": first_lead["A1"], "stage_id": stages["sql"], "entered_at": at},
            {"contact_id": first_lead["A2"], "stage_id": stages["won"], "entered_at": at},
            {"contact_id": first_lead["B1"], "stage_id": stages["sql"], "entered_at": at},
            {"contact_id": first_lead["B1"] + 3, "stage_id": stages["sql"], "entered_at": at},
        ]
        conn.execute(insert(s.stage_events), events)
        deals = [(dt.date(2025, 12, 15), 8, 10), (dt.date(2026, 1, 15), 7, 10), (dt.date(2026, 2, 15), 1, 10)]
        conn.execute(insert(s.opportunities), [
            {"account_id": 1, "name": f"商談{on}-{k}", "status": "won" if k < won else "lost", "closed_on": on,
             "created_on": None, "owner": None}
            for on, won, closed in deals for k in range(closed)
        ] + [
            {"account_id": 2, "name": f"新規商談{k}", "status": "open", "closed_on": None,
             "created_on": dt.date(2026, 2, 10), "owner": "営業1"}
            for k in range(8)
        ])  # fmt: skip
    save_targets(engine, icp_rate=(30, 50), leads_per_month=20, actor="test")


def sales_team(engine: Engine, per_week: int) -> None:
    team = add_team(engine, name="フィールドセールス", kind="sales", actor="test")
    add_member(engine, team_id=team.id, name="営業1", capacity_per_week=per_week, actor="test")


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    declare(engine)
    return engine


def test_history_per_campaign_type_by_hand(workspace: Engine) -> None:
    result = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE, resource_rule="off")
    history = {(h.channel, h.orientation): h for h in result.history}
    fair = history["展示会", "quantity"]
    assert (fair.campaigns, fair.costed_campaigns, fair.leads, fair.leads_per_campaign) == (2, 2, 16, 8.0)
    assert (fair.leads_sd, fair.leads_se, fair.spread) == (pytest.approx(8**0.5), pytest.approx(2.0), "sample")
    assert (fair.icp.hits, fair.icp.total, fair.opportunities.hits, fair.cost_per_campaign) == (4, 16, 2, 400_000)
    assert fair.icp.low is not None and fair.icp.low < 0.25 < (fair.icp.high or 0)
    seminar = history["個別セミナー", "quality"]
    assert (seminar.campaigns, seminar.leads, seminar.leads_sd, seminar.leads_se, seminar.spread) == (
        1, 4, 2.0, 2.0, "poisson",
    )  # fmt: skip
    assert (seminar.icp.hits, seminar.opportunities.hits, seminar.cost_per_campaign) == (3, 2, 600_000)
    assert history["ウェビナー", "quantity"].excluded == "no_cost"
    assert history["ウェビナー", "quantity"].leads == 5
    assert history["広告", "quantity"].excluded == "no_leads"
    assert {k for k, h in history.items() if h.excluded == "no_campaigns"} == {
        ("SEO/コンテンツ", "quantity"), ("比較サイト", "quantity"), ("自社セミナー", "quantity"),
        ("ホワイトペーパー", "quality"), ("紹介", "quality"), ("アウトバウンド", "quality"),
    }  # fmt: skip


def test_without_a_window_the_older_campaign_counts(workspace: Engine) -> None:
    result = plan_campaign_mix(workspace, today=TODAY, resource_rule="off")
    fair = next(h for h in result.history if h.channel == "展示会")
    assert (fair.campaigns, fair.leads, fair.icp.hits, fair.cost_per_campaign) == (3, 26, 4, 600_000)


def test_the_plan_by_hand_with_targets_from_the_settings(workspace: Engine) -> None:
    result = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE, resource_rule="off")
    assert (result.period_key, result.period_from, result.period_to) == ("2026-04", dt.date(2026, 4, 1),
                                                                         dt.date(2026, 4, 30))  # fmt: skip
    assert (result.goal.leads, result.goal.band_low, result.goal.band_high) == (20, 0.3, 0.5)
    assert result.sources == {"leads": "settings", "band": "settings", "budget": "none", "capacity": "none"}
    plan = result.plan
    assert {(line.channel, line.count) for line in plan.lines} == {("展示会", 2), ("個別セミナー", 1)}
    assert (plan.cost, plan.leads, plan.icp_leads, plan.sales_load) == (1_400_000, 20, 7, 4)
    assert plan.feasible and {c.name for c in plan.checks if c.binds} == {"volume", "band_low"}
    assert result.explain("ja")[0].startswith("2026-04 の推奨: 施策 3 件、見込みリード 20 件")
    assert "ICP率 35.0%" in result.explain("ja")[0]


def test_win_rate_fallen_and_sales_saturated_shift_the_plan_toward_quality(workspace: Engine) -> None:
    sales_team(workspace, per_week=2)
    off = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE, resource_rule="off")
    auto = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE)
    judged = auto.pressure.judgement
    assert judged.period == "2026-02"
    win = judged.win_rate
    assert (win.won, win.closed, win.baseline_won, win.baseline_closed) == (1, 10, 15, 20)
    assert auto.pressure.win_rate_fallen and win.p_fallen is not None and win.p_fallen < 0.05
    assert (judged.capacity.used, judged.capacity.capacity) == (8, pytest.approx(2 * 28 / 7))
    assert auto.pressure.capacity_saturated and auto.pressure.applies
    assert auto.goal.capacity == pytest.approx(2 * 30 / 7)
    assert [line.count for line in off.plan.lines if line.count] == [2, 1]
    assert {(line.channel, line.count) for line in auto.plan.lines if line.count} == {
        ("展示会", 2),
        ("個別セミナー", 2),
    }
    assert (auto.plan.cost, auto.plan.leads, auto.plan.icp_leads) == (2_000_000, 24, 10)
    assert off.plan.quality_share == pytest.approx(4 / 20)
    assert auto.plan.quality_share == pytest.approx(8 / 24)
    assert auto.requested_band == (0.3, 0.5) and auto.goal.band_low == pytest.approx(0.4)
    assert "質中心に軸足を移しました" in " ".join(auto.explain("ja"))
    assert "shifts toward quality" in " ".join(auto.explain("en"))


def test_with_capacity_left_the_rule_does_not_apply(workspace: Engine) -> None:
    sales_team(workspace, per_week=10)  # 10 × 28/7 = 40 in February: 8 is 20 %
    result = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE)
    assert result.pressure.win_rate_fallen and not result.pressure.capacity_saturated
    assert not result.pressure.applies
    assert [line.count for line in result.plan.lines if line.count] == [2, 1]
    rule = result.explain("ja")[3]
    assert rule.startswith("リソースルール") and "2026-02 の状況" in rule
    assert "営業への割り当て 8件は対応可能件数 40件の 20.0% で、余力があります" in rule


def test_a_small_budget_names_the_targets_it_cannot_meet(workspace: Engine) -> None:
    # ¥1.0M: (2, 0) ¥800k is 4 leads short and 0.8 ICP leads short of 30 % (4.8 of 16); (1, 1) ¥1.0M
    # is 8 leads short; (1, 0) 12 + 0.4: the nearest plan is (2, 0)
    result = plan_campaign_mix(workspace, today=TODAY, history_from=SINCE, budget=1_000_000, resource_rule="off")
    plan = result.plan
    assert [line.count for line in plan.lines if line.count] == [2]
    assert plan.unmet == ("volume", "band_low")
    assert plan.shortfall["volume"] == pytest.approx(4) and plan.shortfall["band_low"] == pytest.approx(0.8)
    sentences = result.explain("en")
    assert "It falls 4 leads short of the volume target of 20." in sentences


@pytest.mark.parametrize(("kwargs", "code", "field"), [
    ({"period": "year"}, "PLAN_PERIOD_INVALID", "period"),
    ({"leads": 0}, "PLAN_NUMBER_INVALID", "leads"),
    ({"budget": -1}, "PLAN_NUMBER_INVALID", "budget"),
    ({"max_per_type": 0}, "PLAN_NUMBER_INVALID", "max_per_type"),
    ({"band": (60.0, 20.0)}, "PLAN_BAND_INVALID", "band"),
    ({"resource_rule": "maybe"}, "PLAN_RULE_INVALID", "resource_rule"),
])  # fmt: skip
def test_refused_arguments(workspace: Engine, kwargs: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(TenbinError) as raised:
        plan_campaign_mix(workspace, today=TODAY, **kwargs)
    assert (raised.value.code, raised.value.place.field) == (code, field)


def test_no_volume_target_and_no_history_are_explained(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(s.icp_versions), [{"version": 1, "name": "x", "rules": 'industry = "E"',
                                               "is_current": True}])  # fmt: skip
    with pytest.raises(TenbinError) as raised:
        plan_campaign_mix(engine, today=TODAY)
    assert raised.value.code == "PLAN_NO_VOLUME_TARGET"
    with pytest.raises(TenbinError) as raised:
        plan_campaign_mix(engine, today=TODAY, leads=10)
    assert raised.value.code == "PLAN_NO_HISTORY"
