"""The dashboard's tables as header + rows for CSV/XLSX export: the same figures the page shows
(counts as numbers, rates as percentages with one decimal, yen as integers), headers in the
reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenbin.balance.service import StageBalance
from tenbin.i18n import gettext as _
from tenbin.metrics.service import ConversionStep, ValueShareResult
from tenbin.web.chart_export import pct
from tenbin.web.dashboard_view import ORIENTATION_LABELS, STATE_LABELS, Stage

Table = tuple[list[str], list[list[object]]]


def _rate_header() -> list[str]:
    return [_("Leads"), _("ICP-fit leads"), _("Non-fit leads"), _("ICP rate (%)"), _("95% interval low (%)"),
            _("95% interval high (%)")]  # fmt: skip


def _rate_cells(r: dict[str, Any]) -> list[object]:
    return [r["total"], r["icp"], r["non_icp"], pct(r["rate"]), pct(r["low"]), pct(r["high"])]


def funnel_table(rows: Sequence[dict[str, Any]]) -> Table:
    return [_("Funnel stage"), *_rate_header()], [[r["name"], *_rate_cells(r)] for r in rows]


def trend_table(rows: Sequence[dict[str, Any]], stage_name: str) -> Table:
    return [_("Period"), _("Funnel stage"), *_rate_header()], [[r["period"], stage_name, *_rate_cells(r)] for r in rows]


def campaigns_table(rows: Sequence[dict[str, Any]]) -> Table:
    header = [_("Campaign"), _("Channel"), _("Orientation"), _("Leads"), _("ICP-fit leads"), _("ICP rate (%)"),
              _("Cost (yen)"), _("Cost per lead (yen)"), _("Cost per ICP lead (yen)"), _("Opportunities"),
              _("Opportunity rate (%)"), _("Won"), _("Win rate (%)")]  # fmt: skip

    def yen(value: float | None) -> int | None:
        return None if value is None else round(value)

    body: list[list[object]] = [
        [r["campaign"], r["channel"], _(ORIENTATION_LABELS.get(r["orientation"], r["orientation"])), r["leads"],
         r["icp"], pct(r["rate"]), r["cost"], yen(r["cost_per_lead"]), yen(r["cost_per_icp_lead"]), r["sql"],
         pct(r["opportunity_rate"]), r["won"], pct(r["win_rate"])]
        for r in rows
    ]  # fmt: skip
    return header, body


def balance_table(rows: Sequence[StageBalance], stages: Sequence[Stage], lang: str) -> Table:
    names = {st.code: st.name for st in stages}
    header = [_("Period"), _("Funnel stage"), _("Balance state"), _("Leads"), _("ICP-fit leads"), _("ICP rate (%)"),
              _("Target band low (%)"), _("Target band high (%)"), _("Volume target"), _("Why")]  # fmt: skip
    body: list[list[object]] = [
        [b.period, names.get(b.stage, b.stage), _(STATE_LABELS[b.state]), b.total, b.icp, pct(b.rate), b.band.low,
         b.band.high, b.volume_target, b.explain(lang)]
        for b in rows
    ]  # fmt: skip
    return header, body


def conversion_table(steps: Sequence[ConversionStep], stages: Sequence[Stage]) -> Table:
    names = {st.code: st.name for st in stages}
    header = [_("From stage"), _("To stage"), _("ICP-fit leads"), _("Converted (ICP)"), _("Rate ICP (%)"),
              _("Non-fit leads"), _("Converted (non-ICP)"), _("Rate non-ICP (%)"),
              _("p (ICP converts better)")]  # fmt: skip
    body: list[list[object]] = []
    for s in steps:
        c = s.comparison
        body.append([names.get(s.from_stage, s.from_stage), names.get(s.to_stage, s.to_stage), c.icp.total,
                     c.icp.hits, pct(c.icp.rate), c.non_icp.total, c.non_icp.hits, pct(c.non_icp.rate),
                     round(c.p_icp_higher, 4)])  # fmt: skip
    return header, body


def value_rows(value: ValueShareResult) -> list[dict[str, Any]]:
    ltv = _("LTV (gross profit)") if value.ltv_basis == "gross_profit" else _("LTV (revenue)")
    return [{"name": name, "share": part} for name, part in
            ((_("Open pipeline"), value.pipeline), (_("Won amount"), value.won), (ltv, value.ltv))]  # fmt: skip


def value_table(value: ValueShareResult) -> Table:
    header = [_("Measure"), _("Total (yen)"), _("From ICP accounts (yen)"), _("ICP share (%)"), _("Records (all)"),
              _("ICP records")]  # fmt: skip
    body: list[list[object]] = [
        [r["name"], r["share"].total, r["share"].icp, pct(r["share"].share), r["share"].count, r["share"].icp_count]
        for r in value_rows(value)
    ]  # fmt: skip
    return header, body
