"""``tenbin plan``: the next campaign mix (how many campaigns of each type) as an exact integer program."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.i18n import fmt_yen, use_lang
from tenbin.plan import text
from tenbin.plan.service import PlanResult, parse_band, plan_campaign_mix


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _history_table(st: State, result: PlanResult) -> Table:
    title = st.t("実績(施策タイプ別)", "History by campaign type")
    table = Table(st.t("施策タイプ", "campaign type"), st.t("量/質", "orientation"), st.t("施策数", "campaigns"),
                  st.t("リード/施策", "leads/campaign"), st.t("ICP率", "ICP rate"),
                  st.t("商談化率", "opportunity rate"), st.t("費用/施策", "cost/campaign"), title=title)  # fmt: skip
    for h in result.history:
        if h.excluded is not None:
            continue
        mean = "—" if h.leads_per_campaign is None else f"{h.leads_per_campaign:,.1f} ± {h.leads_se or 0:,.1f}"
        interval = f" [{_pct(h.icp.low)}–{_pct(h.icp.high)}]" if h.icp.low is not None else ""
        table.add_row(text.channel_label(result, h.channel, st.lang),
                      text.label(text.ORIENTATION_LABELS, h.orientation, st.lang), f"{h.campaigns:,}", mean,
                      f"{_pct(h.icp.rate)}{interval} ({h.icp.hits:,}/{h.icp.total:,})",
                      f"{_pct(h.opportunities.rate)} ({h.opportunities.hits:,}/{h.opportunities.total:,})",
                      fmt_yen(h.cost_per_campaign))  # fmt: skip
    return table


def _plan_table(st: State, result: PlanResult) -> Table:
    plan = result.plan
    title = st.t(f"{result.period_key} の推奨", f"Plan for {result.period_key}")
    table = Table(st.t("施策タイプ", "campaign type"), st.t("量/質", "orientation"), st.t("件数", "count"),
                  st.t("見込みリード", "leads"), st.t("うちICP", "ICP leads"), st.t("費用", "cost"),
                  st.t("商談", "opportunities"), title=title)  # fmt: skip
    for line in plan.lines:
        if line.count:
            table.add_row(text.channel_label(result, line.channel, st.lang),
                          text.label(text.ORIENTATION_LABELS, line.orientation, st.lang), f"{line.count:,}",
                          f"{line.leads:,.0f}", f"{line.icp_leads:,.0f}", fmt_yen(line.cost),
                          f"{line.sales_load:,.1f}")  # fmt: skip
    table.add_row(st.t("合計", "total"), "", f"{plan.campaigns:,}", f"{plan.leads:,.0f}", f"{plan.icp_leads:,.0f}",
                  fmt_yen(plan.cost), f"{plan.sales_load:,.1f}", style="bold")  # fmt: skip
    return table


def _checks_table(st: State, result: PlanResult) -> Table:
    table = Table(st.t("目標・制約", "target / limit"), st.t("計画", "plan"), st.t("目標・上限", "target / limit"),
                  st.t("達成", "met"), st.t("効いている", "binds"))  # fmt: skip
    for c in result.plan.checks:
        if c.name in ("band_low", "band_high"):
            value, limit = _pct(c.value), _pct(c.limit)
        elif c.name == "budget":
            value, limit = fmt_yen(c.value), fmt_yen(c.limit)
        else:
            value, limit = f"{c.value:,.1f}", f"{c.limit:,.0f}"
        table.add_row(text.label(text.CONSTRAINT_LABELS, c.name, st.lang), value, limit,
                      st.t("○", "yes") if c.met else st.t("×", "no"), st.t("○", "yes") if c.binds else "")  # fmt: skip
    return table


def plan_cmd(
    ctx: typer.Context,
    budget: int | None = typer.Option(None, "--budget", help="yen for the period (default: no budget limit)"),
    leads: int | None = typer.Option(None, "--leads", help="volume target (default: leads per month × months)"),
    band: str | None = typer.Option(None, "--band", help="ICP-rate band LOW-HIGH in percent, e.g. 30-50"),
    period: str = typer.Option("month", "--period", help="month | quarter: the one after today's"),
    max_per_type: int | None = typer.Option(None, "--max-per-type", help="at most this many campaigns per type"),
    resource_rule: str = typer.Option("auto", "--resource-rule", help="auto | on | off"),
    icp_version: int | None = typer.Option(None, "--icp-version", help="default: the current ICP"),
    since: dt.datetime | None = typer.Option(None, "--since", formats=["%Y-%m-%d"],
                                             help="history: campaigns started on or after this day"),
    today: dt.datetime | None = typer.Option(None, "--today", formats=["%Y-%m-%d"], help="default: today"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """The next campaign mix: how many campaigns of each type meet the volume target and the ICP-rate
    band at the least cost, within the budget and sales capacity."""
    st = state(ctx)
    result = plan_campaign_mix(
        st.engine(), leads=leads, band=None if band is None else parse_band(band), budget=budget, period=period,
        max_per_type=max_per_type, resource_rule=resource_rule, icp_version=icp_version,
        history_from=None if since is None else since.date(), today=None if today is None else today.date(),
    )  # fmt: skip
    if json_out:
        print_json(result.as_dict(st.lang))
        return
    with use_lang(st.lang):
        out.print(_history_table(st, result))
        out.print(_plan_table(st, result))
        out.print(_checks_table(st, result))
    for sentence in result.explain(st.lang):
        out.print(sentence, markup=False)
