"""ICP-rate metrics on a declared workspace, on SQLite and PostgreSQL: every figure is written here
by hand, with its arithmetic, and both databases must give it exactly.

The workspace (plain inserts, :func:`declare`): ICP = ``industry = "E"`` (version 1, current);
version 2 = ``industry = "D"``. 400 leads, 150 of them at the 15 E accounts (10 each):

===========  ====================  =====  ======  ===================  ========
block        first touch           ICP    non     acquired at          年度
===========  ====================  =====  ======  ===================  ========
A-March      A ウェビナー/quality    30     20      2025-03-31 23:59:59  2024
A-April      A                     30     20      2025-04-01 00:00:00  2025
B            B 広告/quantity        50     150     2025-06-10 10:00     2025
C            C 展示会/quantity       20     20      2026-01-15 09:00     2025
no response  (none)                20     40      2026-03-31 18:00     2025
===========  ====================  =====  ======  ===================  ========

ICP leads are numbered k = 0…149 and non-ICP leads j = 0…249 in that block order. Non-ICP lead j
belongs to account 16 + j % 25 (16–30 industry G, 31–40 industry D), except j = 245…249 (no account).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import snapshot
from sqlalchemy import Engine, event, insert, select, update

from tenbin.db import schema as s
from tenbin.errors import TenbinError
from tenbin.metrics.service import (
    CampaignCostQuery,
    ConversionQuery,
    IcpRateQuery,
    IcpRateResult,
    LeadFilter,
    ValueShareQuery,
    compute_campaign_costs,
    compute_conversion,
    compute_icp_rate,
    compute_value_share,
)

MARCH_31 = dt.datetime(2025, 3, 31, 23, 59, 59)
APRIL_1 = dt.datetime(2025, 4, 1, 0, 0, 0)
BLOCKS = (  # (campaign, ICP leads, non-ICP leads, acquired_at)
    ("A", 30, 20, MARCH_31),
    ("A", 30, 20, APRIL_1),
    ("B", 50, 150, dt.datetime(2025, 6, 10, 10, 0)),
    ("C", 20, 20, dt.datetime(2026, 1, 15, 9, 0)),
    (None, 20, 40, dt.datetime(2026, 3, 31, 18, 0)),
)
CAMPAIGNS = {  # name: (id, channel, orientation, cost, starts_on, first-touch offer)
    "A": (1, "ウェビナー", "quality", 1_200_000, dt.date(2025, 3, 1), "セミナー申込"),
    "B": (2, "広告", "quantity", 900_000, dt.date(2025, 6, 1), "資料請求"),
    "C": (3, "展示会", "quantity", 400_000, dt.date(2026, 1, 10), None),
    "D": (4, "DM", "quantity", 300_000, dt.date(2025, 4, 1), "デモ申込"),  # only later responses
    "E": (5, "紹介", "quality", None, None, None),  # no cost, no leads
}
# Stage events (besides "lead", which every lead is in). ICP leads k 74, 75 are won with no SQL event;
# ICP leads 60–75 have no MQL event: both still count in the earlier stages they passed.
MQL = {"icp": range(60), "non": range(80)}
SQL = {"icp": [*range(14), *range(60, 74)], "non": [*range(10), *range(40, 55)]}
WON = {"icp": [*range(5), *range(60, 65), 74, 75], "non": [0, 1, 2, 40, 41]}
# Reached: mql ICP {0…59} ∪ {60…75} = 76, non 80; sql ICP 14 + 14 + 2 = 30, non 25; won ICP 12, non 5.


def _leads() -> list[dict[str, Any]]:
    """One row per lead with its key facts, in block order (ICP leads k, non-ICP leads j)."""
    rows: list[dict[str, Any]] = []
    k = j = 0
    for campaign, n_icp, n_non, at in BLOCKS:
        for is_icp in [True] * n_icp + [False] * n_non:
            number = k if is_icp else j
            account = 1 + k % 15 if is_icp else (16 + j % 25 if j < 245 else None)
            rows.append({"id": len(rows) + 1, "icp": is_icp, "n": number, "campaign": campaign, "at": at,
                         "account": account})  # fmt: skip
            k, j = (k + 1, j) if is_icp else (k, j + 1)
    return rows


def _owner(lead: dict[str, Any]) -> str | None:
    if lead["icp"]:
        return "佐藤" if lead["n"] < 60 else None  # 佐藤 is in both teams: counts for team 1
    return "鈴木" if lead["n"] < 80 else ("山田" if lead["n"] == 80 else None)  # 山田 is in no team


def _accounts() -> list[dict[str, Any]]:
    def industry(i: int) -> tuple[str, str]:
        return ("E", "300-499") if i <= 15 else (("G", "10-49") if i <= 30 else ("D", "100-299"))

    return [{"id": i, "name": f"社{i}", "name_key": f"社{i}", "industry_code": industry(i)[0],
             "employee_band": industry(i)[1]} for i in range(1, 41)]  # fmt: skip


def _responses(leads: list[dict[str, Any]], offers: dict[str, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def respond(lead: dict[str, Any], campaign: str, at: dt.datetime) -> None:
        offer = CAMPAIGNS[campaign][5]
        rows.append({"id": len(rows) + 1, "contact_id": lead["id"], "campaign_id": CAMPAIGNS[campaign][0],
                     "offer_id": offers[offer] if offer else None, "responded_at": at})  # fmt: skip

    for lead in leads:
        if lead["campaign"]:
            respond(lead, lead["campaign"], lead["at"])
    for lead in leads:
        if lead["campaign"] == "A" and lead["n"] < 5:  # 10 A leads answer D a day later: not D's first touch
            respond(lead, "D", lead["at"] + dt.timedelta(days=1))
        if lead["campaign"] == "B" and (lead["icp"], lead["n"]) in {(True, 60), (True, 61), (False, 40)}:
            # same instant as the B response but a higher response id: the first touch stays B
            # (a join on the earliest time would count them twice; the lowest campaign id would say A)
            respond(lead, "A", lead["at"])
    return rows


def _events(leads: list[dict[str, Any]], stages: dict[str, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for lead in leads:
        side = "icp" if lead["icp"] else "non"
        for code, members, days in (("mql", MQL, 7), ("sql", SQL, 14), ("won", WON, 30)):
            if lead["n"] in members[side]:
                rows.append({"contact_id": lead["id"], "account_id": lead["account"], "stage_id": stages[code],
                             "entered_at": lead["at"] + dt.timedelta(days=days)})  # fmt: skip
    first = leads[0]  # a repeated SQL event counts once
    rows.append({"contact_id": first["id"], "account_id": first["account"], "stage_id": stages["sql"],
                 "entered_at": first["at"] + dt.timedelta(40)})  # fmt: skip
    # an account-level event belongs to no lead
    rows.append({"contact_id": None, "account_id": 16, "stage_id": stages["sql"], "entered_at": APRIL_1})
    return rows


def _deals() -> list[dict[str, Any]]:
    d = dt.date
    rows = [
        {"account_id": 1, "name": "open E1", "amount": 3_000_000, "status": "open", "created_on": d(2025, 5, 1)},
        {"account_id": 2, "name": "open E2", "amount": 1_000_000, "status": "open", "created_on": d(2025, 2, 1)},
        {"account_id": 16, "name": "open G16", "amount": 4_000_000, "status": "open", "created_on": d(2025, 6, 1)},
        {"account_id": 17, "name": "open G17", "amount": None, "status": "open", "created_on": d(2025, 6, 1)},
        {"account_id": 1, "name": "won E1", "amount": 5_000_000, "status": "won", "closed_on": d(2025, 5, 1)},
        {"account_id": 16, "name": "won G16", "amount": 1_000_000, "status": "won", "closed_on": d(2025, 5, 1)},
        {"account_id": 17, "name": "won G17", "amount": 4_000_000, "status": "won", "closed_on": d(2024, 12, 1)},
        {"account_id": 3, "name": "lost E3", "amount": 2_000_000, "status": "lost", "closed_on": d(2025, 5, 1)},
    ]
    return [{"created_on": None, "closed_on": None, **row} for row in rows]


def _revenue() -> list[dict[str, Any]]:
    icp = [{"account_id": 1, "recognized_on": dt.date(2025, m, 1), "amount": 1_000_000, "gross_profit": 400_000}
           for m in (5, 6, 7)]  # fmt: skip
    other = [{"account_id": 16, "recognized_on": dt.date(2025, m, 1), "amount": 1_000_000, "gross_profit": 300_000}
             for m in (5, 6)]  # fmt: skip
    return icp + other


def declare(engine: Engine) -> None:
    leads = _leads()
    with engine.begin() as conn:
        stages = {code: int(i) for i, code in conn.execute(select(s.funnel_stages.c.id, s.funnel_stages.c.code))}
        offers = {name: int(i) for i, name in conn.execute(select(s.offers.c.id, s.offers.c.name))}
        conn.execute(insert(s.icp_versions), [
            {"version": 1, "name": "製造業", "rules": 'industry = "E"', "is_current": True},
            {"version": 2, "name": "卸売", "rules": 'industry = "D"', "is_current": False},
        ])  # fmt: skip
        conn.execute(insert(s.teams), [{"id": 1, "name": "インサイドセールス", "kind": "inside_sales"},
                                       {"id": 2, "name": "フィールドセールス", "kind": "sales"}])  # fmt: skip
        conn.execute(insert(s.team_members), [{"team_id": 1, "name": "佐藤"}, {"team_id": 2, "name": "佐藤"},
                                              {"team_id": 2, "name": "鈴木"}])  # fmt: skip
        conn.execute(insert(s.accounts), _accounts())
        conn.execute(insert(s.campaigns), [
            {"id": i, "name": name, "channel": ch, "orientation": o, "cost": cost, "starts_on": on}
            for name, (i, ch, o, cost, on, _) in CAMPAIGNS.items()
        ])  # fmt: skip
        conn.execute(insert(s.contacts), [
            {"id": x["id"], "account_id": x["account"], "acquired_at": x["at"], "owner": _owner(x),
             "email": f"lead{x['id']}@example.jp"} for x in leads
        ])  # fmt: skip
        conn.execute(insert(s.responses), _responses(leads, offers))
        conn.execute(insert(s.stage_events), _events(leads, stages))
        conn.execute(insert(s.opportunities), _deals())
        conn.execute(insert(s.revenue_lines), _revenue())


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    declare(engine)
    return engine


def table(result: IcpRateResult) -> dict[tuple[str, ...], tuple[int, int]]:
    """keys → (total, ICP) of every row."""
    return {row.keys: (row.total, row.icp) for row in result.rows}


def test_400_leads_150_icp_is_37_5_percent_with_its_wilson_interval(workspace: Engine) -> None:
    result = compute_icp_rate(workspace, IcpRateQuery())
    assert result.icp_version == 1
    (row,) = result.rows
    assert result.overall == result.rows
    assert (row.keys, row.total, row.icp, row.non_icp) == ((), 400, 150, 250)
    assert row.rate == 0.375  # 150 / 400
    # Wilson, z = 1.959963984540054 (z² = 3.8414588206941254), n = 400, p = 0.375:
    #   z²/n = 0.0096036470517353; centre = (0.375 + 0.0048018235258677) / 1.0096036470517353 = 0.3761890368
    #   half = z / 1.0096036470517353 · √(0.375·0.625/400 + 3.8414588206941254/640000)
    #        = 1.9413200547 · √(0.0005859375 + 0.0000060022794) = 1.9413200547 · 0.0243298945 = 0.0472319573
    #   → 0.3761890368 ∓ 0.0472319573 = [0.3289570795, 0.4234209941]
    assert row.low == pytest.approx(0.3289570795, abs=1e-9)
    assert row.high == pytest.approx(0.4234209941, abs=1e-9)


def test_by_campaign_first_touch_and_the_totals_add_up(workspace: Engine) -> None:
    statements: list[str] = []
    listen = (workspace, "before_cursor_execute", lambda *args: statements.append(args[2]))
    event.listen(*listen)
    result = compute_icp_rate(workspace, IcpRateQuery(by=("campaign",)))
    event.remove(*listen)
    assert len([sql for sql in statements if "contacts" in sql]) == 1  # one aggregate; the rest is reference data
    # first touch only: D answered by 10 A leads later has no leads; the 3 ties at B stay B
    assert table(result) == {("A",): (100, 60), ("B",): (200, 50), ("C",): (40, 20), ("(none)",): (60, 20)}
    assert [r.keys for r in result.rows] == [("A",), ("B",), ("C",), ("(none)",)]  # (none) last
    (overall,) = result.overall
    assert (overall.total, overall.icp) == (400, 150)  # 100 + 200 + 40 + 60, 60 + 50 + 20 + 20
    plain = compute_icp_rate(workspace, IcpRateQuery()).rows[0]  # the overall query on its own agrees
    assert (plain.total, plain.icp) == (sum(r.total for r in result.rows), sum(r.icp for r in result.rows))
    a = result.rows[0]
    assert (a.rate, a.non_icp) == (0.6, 40)  # 60 / 100


BREAKDOWNS = {
    "channel": {("ウェビナー",): (100, 60), ("展示会",): (40, 20), ("広告",): (200, 50), ("(none)",): (60, 20)},
    "orientation": {("quality",): (100, 60), ("quantity",): (240, 70), ("(none)",): (60, 20)},
    # C's responses carry no offer, so C's leads join the leads without a response
    "offer": {("セミナー申込",): (100, 60), ("資料請求",): (200, 50), ("(none)",): (100, 40)},
    # 佐藤 (ICP 0–59) counts for team 1 only; 鈴木 (non 0–79) for team 2; 山田 is in no team
    "team": {("インサイドセールス",): (60, 60), ("フィールドセールス",): (80, 0), ("(none)",): (260, 90)},
    # non-ICP j < 245 at account 16 + j % 25: residues 0–19 hold 10 leads, 20–24 hold 9;
    # G = residues 0–14 = 150; D = residues 15–19 (50) + 20–24 (45) = 95; 5 without account
    "industry": {("D",): (95, 0), ("E",): (150, 150), ("G",): (150, 0), ("(none)",): (5, 0)},
    "size_band": {("10-49",): (150, 0), ("100-299",): (95, 0), ("300-499",): (150, 150), ("(none)",): (5, 0)},
}


def test_breakdowns_partition_the_leads(workspace: Engine) -> None:
    for name, expected in BREAKDOWNS.items():
        result = compute_icp_rate(workspace, IcpRateQuery(by=(name,)))
        assert table(result) == expected, name
        assert (result.overall[0].total, result.overall[0].icp) == (400, 150), name


def test_periods_and_the_fiscal_year_boundary(workspace: Engine) -> None:
    fiscal = compute_icp_rate(workspace, IcpRateQuery(by=("fiscal_year",)))
    # 2025-03-31 23:59:59 → 年度 2024 (30 + 20); 2025-04-01 00:00:00 → 年度 2025 (the other 350, 120 ICP)
    assert table(fiscal) == {("2024",): (50, 30), ("2025",): (350, 120)}
    quarters = compute_icp_rate(workspace, IcpRateQuery(by=("quarter",)))
    # Q2 2025 = A-April 50 + B 200 (30 + 50 ICP); Q1 2026 = C 40 + no response 60 (20 + 20 ICP)
    assert table(quarters) == {("2025-Q1",): (50, 30), ("2025-Q2",): (250, 80), ("2026-Q1",): (100, 40)}
    months = compute_icp_rate(workspace, IcpRateQuery(by=("month",)))
    assert table(months) == {("2025-03",): (50, 30), ("2025-04",): (50, 30), ("2025-06",): (200, 50),
                             ("2026-01",): (40, 20), ("2026-03",): (60, 20)}  # fmt: skip
    fy2024 = compute_icp_rate(workspace, IcpRateQuery(period_to=dt.date(2025, 3, 31))).rows[0]
    fy2025 = compute_icp_rate(workspace, IcpRateQuery(period_from=dt.date(2025, 4, 1), period_to=dt.date(2026, 3, 31)))
    assert (fy2024.total, fy2024.icp, fy2025.rows[0].total, fy2025.rows[0].icp) == (50, 30, 350, 120)
    one_day = compute_icp_rate(workspace, IcpRateQuery(period_from=dt.date(2025, 4, 1), period_to=dt.date(2025, 4, 1)))
    assert one_day.rows[0].total == 50  # A-April only: the day before and the day after are out


def test_stages_count_every_stage_a_lead_reached(workspace: Engine) -> None:
    result = compute_icp_rate(workspace, IcpRateQuery(by=("stage",)))
    # mql: ICP {0…59} with an MQL event ∪ {60…75} that reached SQL or won = 76, non 80 (j 0…79 cover
    # the SQL leads); sql: ICP 28 events + 2 won-only = 30, non 25 (the account-level and the repeated
    # event add nothing); won: ICP 12, non 5; retained: nobody, no row
    assert table(result) == {("lead",): (400, 150), ("mql",): (156, 76), ("sql",): (55, 30), ("won",): (17, 12)}
    assert [r.keys for r in result.rows] == [("lead",), ("mql",), ("sql",), ("won",)]  # funnel order
    assert result.overall == result.rows


def test_stage_by_campaign_sums_to_the_stage_totals(workspace: Engine) -> None:
    result = compute_icp_rate(workspace, IcpRateQuery(by=("stage", "campaign")))
    # mql: A = all 100 (ICP 0–59, non 0–39); B = ICP 60–75 (16) + non 40–79 (40)
    # sql: A = ICP 0–13 + non 0–9; B = ICP 60–75 + non 40–54; won: A = ICP 0–4 + non 0–2; B = ICP 60–64, 74, 75 + 40, 41
    assert table(result) == {
        ("lead", "A"): (100, 60), ("lead", "B"): (200, 50), ("lead", "C"): (40, 20), ("lead", "(none)"): (60, 20),
        ("mql", "A"): (100, 60), ("mql", "B"): (56, 16),
        ("sql", "A"): (24, 14), ("sql", "B"): (31, 16),
        ("won", "A"): (8, 5), ("won", "B"): (9, 7),
    }  # fmt: skip
    stages = {r.keys: (r.total, r.icp) for r in result.overall}
    assert stages == {("lead",): (400, 150), ("mql",): (156, 76), ("sql",): (55, 30), ("won",): (17, 12)}
    sql_only = compute_icp_rate(workspace, IcpRateQuery(by=("campaign",), stage="sql"))
    assert table(sql_only) == {("A",): (24, 14), ("B",): (31, 16)}
    assert (sql_only.overall[0].total, sql_only.overall[0].icp) == (55, 30)


def test_filters_and_another_icp_version(workspace: Engine) -> None:
    ads = compute_icp_rate(workspace, IcpRateQuery(filters=LeadFilter(channels=("広告",))))
    assert (ads.rows[0].total, ads.rows[0].icp) == (200, 50)
    none = compute_icp_rate(workspace, IcpRateQuery(by=("team",), filters=LeadFilter(campaigns=("(none)", "C"))))
    # C + no response: ICP 110–149 and non 190–249, none with an owner (the owned leads are in A and B)
    assert table(none) == {("(none)",): (100, 40)}
    v2 = compute_icp_rate(workspace, IcpRateQuery(icp_version=2))
    assert (v2.icp_version, v2.rows[0].total, v2.rows[0].icp, v2.rows[0].rate) == (2, 400, 95, 0.2375)  # 95 / 400


def test_conversion_icp_vs_non_icp_with_a_hand_computed_fisher_p(workspace: Engine) -> None:
    result = compute_conversion(workspace, ConversionQuery())
    lead_sql, sql_won = result.steps
    c = lead_sql.comparison
    assert (lead_sql.from_stage, lead_sql.to_stage) == ("lead", "sql")
    assert (c.icp.hits, c.icp.total, c.non_icp.hits, c.non_icp.total) == (30, 150, 25, 250)
    assert (c.icp.rate, c.non_icp.rate) == (0.2, 0.1)  # 商談化率 30/150 vs 25/250
    assert c.difference == pytest.approx(0.1)
    # one-sided Fisher: X ~ Hypergeometric(N = 400, K = 55 converted, n = 150 ICP), p = P(X ≥ 30)
    #   = Σ_{x=30}^{55} C(55, x) · C(345, 150 − x) / C(400, 150) = 0.0043128556
    assert c.p_icp_higher == pytest.approx(0.0043128556, abs=1e-10)
    w = sql_won.comparison
    assert (w.icp.hits, w.icp.total, w.non_icp.hits, w.non_icp.total) == (12, 30, 5, 25)  # 受注率 40 % vs 20 %
    # P(X ≥ 12), X ~ Hypergeometric(55, 17, 30) = Σ_{x=12}^{17} C(17, x) · C(38, 30 − x) / C(55, 30) = 0.0951688402
    assert w.p_icp_higher == pytest.approx(0.0951688402, abs=1e-10)
    assert w.icp.low is not None and w.icp.low < 0.4 < (w.icp.high or 0)
    later = compute_conversion(workspace, ConversionQuery(steps=(("lead", "sql"),), period_from=dt.date(2025, 4, 1)))
    # leads acquired from 年度 2025: ICP 120 with SQL 60–75 (16); non 230 with SQL 40–54 (15)
    # P(X ≥ 16), X ~ Hypergeometric(350, 31, 120) = 0.0288217198
    p = later.steps[0].comparison
    assert (p.icp.hits, p.icp.total, p.non_icp.hits, p.non_icp.total) == (16, 120, 15, 230)
    assert p.p_icp_higher == pytest.approx(0.0288217198, abs=1e-10)


def test_value_weighted_icp_rates(workspace: Engine) -> None:
    result = compute_value_share(workspace, ValueShareQuery())
    # pipeline (open): E1 3,000,000 + E2 1,000,000 of 8,000,000 (G16 4,000,000; G17 no amount) = 50 %
    assert (result.pipeline.icp, result.pipeline.total, result.pipeline.share) == (4_000_000, 8_000_000, 0.5)
    assert (result.pipeline.icp_count, result.pipeline.count) == (2, 4)
    # won: E1 5,000,000 of 5 + 1 + 4 million = 50 % (the lost E3 deal is not counted)
    assert (result.won.icp, result.won.total, result.won.share, result.won.count) == (5_000_000, 10_000_000, 0.5, 3)
    # LTV = Σ gross profit (every line has one): E1 3 × 400,000 = 1,200,000 of that + G16 2 × 300,000 → 2/3
    assert result.ltv_basis == "gross_profit"
    assert (result.ltv.icp, result.ltv.total, result.ltv.icp_count, result.ltv.count) == (1_200_000, 1_800_000, 1, 2)
    assert result.ltv.share == pytest.approx(2 / 3)
    fy2025 = compute_value_share(workspace, ValueShareQuery(period_from=dt.date(2025, 4, 1),
                                                            period_to=dt.date(2026, 3, 31)))  # fmt: skip
    # created in 年度 2025: E1 3,000,000 of 7,000,000 (E2 was created in February) = 3/7
    assert fy2025.pipeline.share == pytest.approx(3 / 7)
    # closed in 年度 2025: E1 5,000,000 of 6,000,000 (G17 closed in December 2024) = 5/6
    assert fy2025.won.share == pytest.approx(5 / 6)
    with workspace.begin() as conn:  # one line without gross profit: the basis falls back to revenue
        conn.execute(update(s.revenue_lines).where(s.revenue_lines.c.account_id == 16).values(gross_profit=None))
    revenue = compute_value_share(workspace, ValueShareQuery())
    assert revenue.ltv_basis == "revenue"  # 3,000,000 of 3,000,000 + 2,000,000 = 60 %
    assert (revenue.ltv.icp, revenue.ltv.total, revenue.ltv.share) == (3_000_000, 5_000_000, 0.6)


def test_cost_per_lead_and_per_icp_lead(workspace: Engine) -> None:
    result = compute_campaign_costs(workspace, CampaignCostQuery())
    by = {c.campaign: c for c in result.campaigns}
    assert list(by) == ["A", "B", "C", "D", "E"]
    a, b, c, d, e = (by[x] for x in "ABCDE")
    assert (a.leads.total, a.leads.hits, a.cost_per_lead, a.cost_per_icp_lead) == (100, 60, 12_000, 20_000)
    assert (b.cost_per_lead, b.cost_per_icp_lead) == (4_500, 18_000)  # 900,000 / 200, / 50
    assert (c.cost_per_lead, c.cost_per_icp_lead) == (10_000, 20_000)  # 400,000 / 40, / 20
    assert (d.leads.total, d.cost_per_lead, d.cost_per_icp_lead) == (0, None, None)  # no first touch
    assert (e.cost, e.cost_per_lead) == (None, None)
    # overall over the costed campaigns: 2,800,000 / 340 leads = 8,235.29…; / 130 ICP leads = 21,538.46…
    assert (result.cost, result.leads.total, result.leads.hits) == (2_800_000, 340, 130)
    assert result.cost_per_lead == pytest.approx(2_800_000 / 340)
    assert result.cost_per_icp_lead == pytest.approx(2_800_000 / 130)
    started = compute_campaign_costs(workspace, CampaignCostQuery(period_from=dt.date(2025, 4, 1),
                                                                  period_to=dt.date(2026, 3, 31)))  # fmt: skip
    # started in 年度 2025: B, C, D → 1,600,000 / 240 leads, / 70 ICP leads
    assert [x.campaign for x in started.campaigns] == ["B", "C", "D"]
    assert (started.cost, started.leads.total, started.leads.hits) == (1_600_000, 240, 70)


BAD_QUERIES = [
    (lambda e: compute_icp_rate(e, IcpRateQuery(by=("week",))), "METRICS_UNKNOWN_DIMENSION", "by"),
    (lambda e: compute_icp_rate(e, IcpRateQuery(by=("month", "month"))), "METRICS_DUPLICATE_DIMENSION", "by"),
    (lambda e: compute_icp_rate(e, IcpRateQuery(stage="deal")), "METRICS_UNKNOWN_STAGE", "stage"),
    (lambda e: compute_icp_rate(e, IcpRateQuery(icp_version=9)), "ICP_VERSION_NOT_FOUND", "version"),
    (lambda e: compute_conversion(e, ConversionQuery(steps=(("won", "sql"),))), "METRICS_STEP_ORDER", "steps[0]"),
    (lambda e: compute_value_share(e, ValueShareQuery(period_from=dt.date(2026, 1, 1), period_to=dt.date(2025, 1, 1))),
     "METRICS_PERIOD_ORDER", "period_from"),
]  # fmt: skip


def test_bad_queries_are_refused_with_codes_and_write_nothing(workspace: Engine) -> None:
    before = snapshot(workspace)
    for call, code, field in BAD_QUERIES:
        with pytest.raises(TenbinError) as caught:
            call(workspace)
        assert (caught.value.code, caught.value.place.field) == (code, field)
    assert snapshot(workspace) == before
    with workspace.begin() as conn:  # no ICP adopted yet: the ICP slice's error says what to do
        conn.execute(update(s.icp_versions).values(is_current=False))
    with pytest.raises(TenbinError) as caught:
        compute_icp_rate(workspace, IcpRateQuery())
    assert caught.value.code == "ICP_NO_CURRENT"
