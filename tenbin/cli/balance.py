"""``tenbin balance``: the quality/quantity balance state per funnel stage and period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import typer
from rich.table import Table

from tenbin.balance.service import StageBalance, balance_state
from tenbin.cli.common import out, print_json, state
from tenbin.metrics.service import json_plain

STATE_LABELS = {
    "quantity_leaning": ("量寄り", "quantity-leaning"),
    "quality_leaning": ("質寄り", "quality-leaning"),
    "balanced": ("バランス", "balanced"),
    "both_short": ("量・質とも不足", "both-short"),
    "no_data": ("データなし", "no-data"),
}


def _json(row: StageBalance, lang: str) -> dict[str, Any]:
    data = dataclasses.asdict(row)
    data["state"] = row.state
    data["explanation"] = row.explain(lang)
    plain: dict[str, Any] = json_plain(data)
    return plain


def balance_cmd(
    ctx: typer.Context,
    period: str = typer.Option("month", "--period", help="month | quarter | fiscal_year (年度)"),
    periods: int = typer.Option(3, "--periods", help="how many periods up to today (1–60)"),
    icp_version: int | None = typer.Option(None, "--icp-version", help="default: the current ICP"),
    today: str | None = typer.Option(None, "--today", help="YYYY-MM-DD (default: today)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The balance state (量寄り / バランス / 質寄り) of every stage in the last periods, with the reasons."""
    st = state(ctx)
    day = dt.date.fromisoformat(today) if today else None
    rows = balance_state(st.engine(), icp_version=icp_version, period=period, periods=periods, today=day)
    if json_out:
        print_json([_json(r, st.lang) for r in rows])
        return
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
            out.print(f"{r.period} {r.stage}: {r.explain(st.lang)}", markup=False)
