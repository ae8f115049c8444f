"""``tenbin balance``: the quality/quantity balance state per funnel stage and period, with the
operating signals (win rate, sales capacity used) once per period."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from tenbin.balance.report import balance_dict
from tenbin.balance.service import StageBalance, balance_state
from tenbin.cli.common import State, out, print_json, state
from tenbin.cli.metrics import Campaign, Channel, Industry, Offer, Orientation, SizeBand, TeamOpt, filter_of

STATE_LABELS = {
    "quantity_leaning": ("量寄り", "quantity-leaning"),
    "quality_leaning": ("質寄り", "quality-leaning"),
    "balanced": ("バランス", "balanced"),
    "both_short": ("量・質とも不足", "both-short"),
    "no_data": ("データなし", "no-data"),
}
CAPACITY_LABELS = {
    "unknown": ("不明", "unknown"),
    "available": ("余力あり", "room"),
    "saturated": ("飽和", "saturated"),
}
VERDICT_LABELS = {
    "fallen": ("悪化", "fallen"),
    "not_fallen": ("悪化なし", "not fallen"),
    "not_enough_data": ("データ不足", "too few deals"),
}


def balance_cmd(
    ctx: typer.Context,
    period: str = typer.Option("month", "--period", help="month | quarter | fiscal_year (年度)"),
    periods: int = typer.Option(3, "--periods", help="how many periods up to today (1–60)"),
    icp_version: int | None = typer.Option(None, "--icp-version", help="default: the current ICP"),
    today: dt.datetime | None = typer.Option(None, "--today", formats=["%Y-%m-%d"], help="YYYY-MM-DD (default: today)"),
    stage: str | None = typer.Option(None, "--stage", help="only this funnel stage (e.g. sql)"),
    campaign: Campaign = None, channel: Channel = None, orientation: Orientation = None, offer: Offer = None,
    team: TeamOpt = None, industry: Industry = None, size_band: SizeBand = None,
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """The balance state (量寄り / バランス / 質寄り) of every stage in the last periods, with the reasons."""
    st = state(ctx)
    filters = filter_of(campaign, channel, orientation, offer, team, industry, size_band)
    rows = balance_state(st.engine(), icp_version=icp_version, period=period, periods=periods,
                         today=None if today is None else today.date(), stage=stage, filters=filters)  # fmt: skip
    if json_out:
        print_json([balance_dict(r, st.lang) for r in rows])
        return
    _print_states(st, rows)
    _print_signals(st, rows)


def _print_states(st: State, rows: list[StageBalance]) -> None:
    lang = 0 if st.lang == "ja" else 1
    table = Table(st.t("期間", "period"), st.t("ステージ", "stage"), st.t("件数", "leads"), st.t("ICP率", "ICP rate"),
                  st.t("目標帯", "band"), st.t("状態", "state"))  # fmt: skip
    for r in rows:
        rate = "—" if r.rate is None else f"{r.rate * 100:.1f}% ({r.icp:,}/{r.total:,})"
        mark = "" if r.complete else "*"
        table.add_row(f"{r.period}{mark}", r.stage, f"{r.total:,}", rate, f"{r.band.low:g}–{r.band.high:g}%",
                      STATE_LABELS[r.state][lang])  # fmt: skip
    table.columns[-1].no_wrap = True
    out.print(table)
    if any(not r.complete for r in rows):
        out.print(st.t("* 期間の途中です(ここまでの件数)", "* the period is not over yet (counts so far)"))
    for r in rows:
        if r.state != "no_data":
            out.print(f"{r.period} {r.stage}: {r.explain_state(st.lang)}", markup=False)


def _print_signals(st: State, rows: list[StageBalance]) -> None:
    """Win rate and sales capacity once per period (every stage of a period has the same signals)."""
    lang = 0 if st.lang == "ja" else 1
    periods = list({r.period: r for r in rows}.values())
    if not periods:
        return
    table = Table(st.t("期間", "period"), st.t("受注率(決着した商談)", "win rate (closed deals)"),
                  st.t("受注率の変化", "win rate trend"), st.t("営業への割り当て/対応可能件数", "sales load/capacity"),
                  st.t("営業リソース", "sales capacity"), title=st.t("運用シグナル", "Operating signals"))  # fmt: skip
    for r in periods:
        w, c = r.signals.win_rate, r.signals.capacity
        rate = "—" if w.rate is None else f"{w.rate * 100:.1f}% ({w.won:,}/{w.closed:,})"
        load = "—" if c.capacity is None else f"{c.used:,}/{c.capacity:,.1f} ({(c.share or 0) * 100:.1f}%)"
        table.add_row(f"{r.period}{'' if r.complete else '*'}", rate, VERDICT_LABELS[w.verdict][lang], load,
                      CAPACITY_LABELS[c.status][lang])  # fmt: skip
    out.print(table)
    for r in periods:
        out.print(f"{r.period}: {r.signals.explain(st.lang)}", markup=False)
