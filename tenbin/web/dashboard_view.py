"""The ICP-rate dashboard's figures, from the metrics, balance and workspace services: a handful of
aggregate statements per page, never the leads themselves.

* funnel and trend: ONE :func:`compute_icp_rate` by stage × period over the range (the funnel is its
  per-stage overall row, the trend its rows);
* ICP vs non-ICP conversion of the range (商談化率, 受注率): one :func:`compute_conversion`;
* balance: :func:`balance_state` for the last two periods up to the range's end;
* campaigns: :func:`compute_campaign_costs` plus one :func:`compute_icp_rate` by stage × campaign
  (its 商談化率 = leads that reached ``sql`` / leads, 受注率 = reached ``won`` / reached ``sql``, all
  counted by first touch over the campaign's whole life);
* value-weighted shares: :func:`compute_value_share`.

Every count carries the link to the leads behind it (:mod:`tenbin.metrics.drilldown`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, select

from tenbin.balance.service import StageBalance, balance_state
from tenbin.db import schema
from tenbin.i18n import N_
from tenbin.metrics.service import (
    CampaignCostQuery,
    ConversionQuery,
    ConversionStep,
    IcpRateQuery,
    IcpRateResult,
    IcpRateRow,
    LeadFilter,
    ValueShareQuery,
    ValueShareResult,
    compute_campaign_costs,
    compute_conversion,
    compute_icp_rate,
    compute_value_share,
)
from tenbin.web.dashboard_period import Selection, period_keys, period_start
from tenbin.workspace.service import Band, get_targets, list_stages

OPPORTUNITY, WON = "sql", "won"
STATE_LABELS = {
    "quantity_leaning": N_("Leaning to quantity"),
    "quality_leaning": N_("Leaning to quality"),
    "balanced": N_("Balanced"),
    "both_short": N_("Both short"),
    "no_data": N_("No data"),
}
ORIENTATION_LABELS = {"quantity": N_("Quantity"), "quality": N_("Quality")}
CAMPAIGN_SORTS = (
    "campaign", "channel", "orientation", "leads", "icp", "rate", "cost", "cost_per_lead", "cost_per_icp_lead",
    "opportunity_rate", "win_rate",
)  # fmt: skip


def leads_url(icp_version: int | None, **params: Any) -> str:
    """The drill-down list of the leads behind a number (see :mod:`tenbin.metrics.drilldown`)."""
    query = {"v": icp_version, **params}
    plain = {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in query.items() if v not in (None, "")}
    return "/dashboard/leads?" + urlencode(plain)


@dataclass(frozen=True)
class Stage:
    code: str
    name: str


def stages_of(engine: Engine, lang: str) -> list[Stage]:
    return [Stage(st.code, st.name_en if lang == "en" else st.name_ja)
            for st in sorted(list_stages(engine), key=lambda st: st.position)]  # fmt: skip


def _counts(row: IcpRateRow | None) -> dict[str, Any]:
    if row is None:
        return {"total": 0, "icp": 0, "non_icp": 0, "rate": None, "low": None, "high": None}
    return {"total": row.total, "icp": row.icp, "non_icp": row.non_icp, "rate": row.rate, "low": row.low,
            "high": row.high}  # fmt: skip


def links_to_leads(version: int | None, **where: Any) -> dict[str, str]:
    return {"total": leads_url(version, **where), "icp": leads_url(version, icp="yes", **where),
            "non_icp": leads_url(version, icp="no", **where)}  # fmt: skip


def funnel_rows(
    result: IcpRateResult, stages: list[Stage], icp_version: int | None, **where: Any
) -> list[dict[str, Any]]:
    """Every stage in funnel order (stages without leads too) with counts, rate, interval and the links
    to its leads (``where``: the drill-down's other conditions, e.g. the period or the campaign)."""
    overall = {row.keys[0]: row for row in result.overall}
    return [{"stage": st.code, "name": st.name, **_counts(overall.get(st.code)),
             "links": links_to_leads(icp_version, stage=st.code, **where)} for st in stages]  # fmt: skip


def trend_rows(result: IcpRateResult, stage: str, sel: Selection, **where: Any) -> list[dict[str, Any]]:
    """One row per period of the range (empty periods too) for one stage."""
    found = {row.keys[1]: row for row in result.rows if row.keys[0] == stage}
    return [{"period": key, **_counts(found.get(key)),
             "links": links_to_leads(sel.icp_version, stage=stage, **{"from": start, "to": end}, **where)}
            for key, start, end in period_keys(sel.period, sel.start, sel.end)]  # fmt: skip


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def campaign_rows(engine: Engine, sel: Selection, *, all_campaigns: bool) -> list[dict[str, Any]]:
    """Campaigns (those that started in the range, or all) with leads, ICP leads, rate, costs and
    商談化率 / 受注率 of their leads (by first touch, over the campaign's life)."""
    period = {} if all_campaigns else {"period_from": sel.start, "period_to": sel.end}
    costs = compute_campaign_costs(engine, CampaignCostQuery(icp_version=sel.icp_version, **period))
    by_stage = compute_icp_rate(engine, IcpRateQuery(by=("stage", "campaign"), icp_version=sel.icp_version))
    reached = {row.keys: row.total for row in by_stage.rows}
    with engine.connect() as conn:
        ids = {str(name): int(i) for i, name in conn.execute(select(schema.campaigns.c.id, schema.campaigns.c.name))}
    rows = []
    for c in costs.campaigns:
        sql, won = reached.get((OPPORTUNITY, c.campaign), 0), reached.get((WON, c.campaign), 0)
        rows.append({
            "id": ids.get(c.campaign), "campaign": c.campaign, "channel": c.channel, "orientation": c.orientation,
            "leads": c.leads.total, "icp": c.leads.hits, "non_icp": c.leads.total - c.leads.hits,
            "rate": c.leads.rate, "low": c.leads.low, "high": c.leads.high, "cost": c.cost,
            "cost_per_lead": c.cost_per_lead, "cost_per_icp_lead": c.cost_per_icp_lead,
            "sql": sql, "won": won, "opportunity_rate": _ratio(sql, c.leads.total), "win_rate": _ratio(won, sql),
            "links": {**links_to_leads(sel.icp_version, campaign=c.campaign),
                      "sql": leads_url(sel.icp_version, campaign=c.campaign, stage=OPPORTUNITY),
                      "won": leads_url(sel.icp_version, campaign=c.campaign, stage=WON)},
        })  # fmt: skip
    return rows


def sort_campaigns(rows: list[dict[str, Any]], sort: str, desc: bool) -> list[dict[str, Any]]:
    """Sorted by one column; rows without a value (no cost, no leads) always last."""
    key = sort if sort in CAMPAIGN_SORTS else "rate"
    known = [r for r in rows if r[key] is not None]
    unknown = [r for r in rows if r[key] is None]
    known.sort(key=lambda r: (r[key], r["campaign"]), reverse=desc)
    return known + sorted(unknown, key=lambda r: str(r["campaign"]))


def _steps(stages: list[Stage]) -> tuple[tuple[str, str], ...]:
    codes = [st.code for st in stages]
    pairs = ((codes[0], OPPORTUNITY), (OPPORTUNITY, WON)) if codes else ()
    return tuple((a, b) for a, b in pairs if a in codes and b in codes and codes.index(a) < codes.index(b))


def conversion_steps(engine: Engine, stages: list[Stage], *, icp_version: int | None,
                     period_from: dt.date | None = None, period_to: dt.date | None = None,
                     filters: LeadFilter | None = None) -> tuple[ConversionStep, ...]:  # fmt: skip
    """ICP vs non-ICP 商談化率 and 受注率 (the steps the workspace's stages allow)."""
    steps = _steps(stages)
    if not steps:
        return ()
    query = ConversionQuery(steps=steps, icp_version=icp_version, period_from=period_from, period_to=period_to,
                            filters=filters or LeadFilter())  # fmt: skip
    return compute_conversion(engine, query).steps


def judged_period(sel: Selection, today: dt.date) -> tuple[dt.date, bool]:
    """The day whose period the balance judges, and whether that period is over: the last complete
    period of the range, or the current one when no period of the range is over yet."""
    if sel.end < today:
        return sel.end, True
    before = period_start(sel.period, today) - dt.timedelta(days=1)
    if before >= sel.start:
        return before, True
    return today, False


def balance_of(engine: Engine, sel: Selection, today: dt.date) -> tuple[list[StageBalance], bool]:
    """Every stage's balance in :func:`judged_period` (one period: one conversion statement), and
    whether the period is over. ``balance_state`` is asked with that period's last day as "today"."""
    day, complete = judged_period(sel, today)
    found = balance_state(engine, icp_version=sel.icp_version, period=sel.period, periods=1, today=day)
    return found, complete


@dataclass
class Dashboard:
    selection: Selection
    icp_version: int
    stages: list[Stage]
    trend_stage: str
    band: Band
    funnel: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    conversion: tuple[ConversionStep, ...]
    balance: list[StageBalance]
    balance_complete: bool
    campaigns: list[dict[str, Any]]
    value: ValueShareResult | None


def rates_by_stage_and_period(engine: Engine, sel: Selection) -> IcpRateResult:
    query = IcpRateQuery(by=("stage", sel.period), icp_version=sel.icp_version, period_from=sel.start,
                         period_to=sel.end)  # fmt: skip
    return compute_icp_rate(engine, query)


PARTS = frozenset({"funnel", "trend", "conversion", "balance", "campaigns", "value"})


def build_dashboard(engine: Engine, sel: Selection, *, lang: str, trend_stage: str | None, today: dt.date,
                    all_campaigns: bool = False, parts: frozenset[str] = PARTS) -> Dashboard:  # fmt: skip
    """The page's figures; ``parts`` computes only some of them (a table's export needs one)."""
    stages = stages_of(engine, lang)
    rates = rates_by_stage_and_period(engine, sel)  # the funnel and the trend, and the ICP version's number
    codes = [st.code for st in stages]
    stage = trend_stage if trend_stage in codes else (codes[0] if codes else "lead")
    targets = get_targets(engine)
    value = None
    if "value" in parts:
        query = ValueShareQuery(icp_version=sel.icp_version, period_from=sel.start, period_to=sel.end)
        value = compute_value_share(engine, query)
    balance, complete = balance_of(engine, sel, today) if stages and "balance" in parts else ([], True)
    conversion: tuple[ConversionStep, ...] = ()
    if "conversion" in parts:
        conversion = conversion_steps(engine, stages, icp_version=sel.icp_version, period_from=sel.start,
                                      period_to=sel.end)  # fmt: skip
    return Dashboard(
        selection=sel,
        icp_version=rates.icp_version,
        stages=stages,
        trend_stage=stage,
        band=targets.stage_bands.get(stage, targets.icp_rate),
        funnel=funnel_rows(rates, stages, sel.icp_version, **{"from": sel.start, "to": sel.end}),
        trend=trend_rows(rates, stage, sel),
        conversion=conversion,
        balance=balance,
        balance_complete=complete,
        campaigns=campaign_rows(engine, sel, all_campaigns=all_campaigns) if "campaigns" in parts else [],
        value=value,
    )


def campaign_filter(name: str) -> LeadFilter:
    return LeadFilter(campaigns=(name,))
