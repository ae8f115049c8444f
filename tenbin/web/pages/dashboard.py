"""The ICP-rate dashboard (ICP率ダッシュボード): funnel, trend with the target band, balance and its
explanation, campaigns sortable by any column, value-weighted shares; every count links to the
leads behind it; every chart downloads as PNG/SVG and every table as CSV/XLSX. Everyone signed in
may read it (the same permission as viewing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import func, select

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.i18n import gettext as _
from tenbin.icp import service as icp
from tenbin.icp.errors import ICP_NO_CURRENT
from tenbin.metrics.drilldown import PAGE_SIZE, LeadSet, all_leads, list_leads
from tenbin.web import chart_export as ce
from tenbin.web import dashboard_tables as tables
from tenbin.web.context import Ctx, requires
from tenbin.web.dashboard_period import Selection, default_selection, parse_day, parse_selection, parse_version
from tenbin.web.dashboard_view import (
    CAMPAIGN_SORTS,
    ORIENTATION_LABELS,
    STATE_LABELS,
    Dashboard,
    build_dashboard,
    funnel_rows,
    leads_url,
    rates_by_stage_and_period,
    sort_campaigns,
    stages_of,
    trend_rows,
)
from tenbin.web.errors import NOT_FOUND
from tenbin.web.pages import page_router
from tenbin.web.render import render
from tenbin.workspace.service import get_targets

router = page_router()

CHARTS = ("funnel", "trend")
TABLES = ("funnel", "trend", "campaigns", "balance", "conversion", "value")


def _today() -> dt.date:
    return dt.date.today()


def _latest_lead(ctx: Ctx) -> dt.date | None:
    """The day the latest lead was acquired (``None``: no leads), one indexed lookup."""
    with ctx.engine.connect() as conn:
        latest = conn.execute(select(func.max(schema.contacts.c.acquired_at))).scalar()
        if latest is None:  # leads without an acquisition time still count as leads
            return None if conn.execute(select(schema.contacts.c.id).limit(1)).first() is None else _today()
    return latest.date() if isinstance(latest, dt.datetime) else dt.date.fromisoformat(str(latest)[:10])


def _anchor(latest: dt.date | None) -> dt.date:
    """Default ranges end with the period of the latest lead when the data stops before today (a
    workspace imported last quarter opens on its data, not on empty months)."""
    return min(_today(), latest) if latest is not None else _today()


def _sort(params: Mapping[str, str]) -> str:
    raw = params.get("sort") or ""
    return raw if raw in CAMPAIGN_SORTS else "rate"


def _selection(params: Mapping[str, str], anchor: dt.date) -> tuple[Selection, TenbinError | None]:
    try:
        return parse_selection(params, anchor), None
    except TenbinError as exc:
        return default_selection("month", anchor), exc


def _versions(ctx: Ctx) -> list[icp.IcpVersion]:
    return sorted(icp.list_icp_versions(ctx.engine), key=lambda v: -v.version)


def _sort_links(sel: Selection, params: Mapping[str, str], sort: str, desc: bool) -> dict[str, dict[str, str]]:
    """Per column: the URL that sorts by it (descending first; again toggles) and its aria-sort."""
    extra = {k: params[k] for k in ("stage", "campaigns") if params.get(k)}
    links = {}
    for column in CAMPAIGN_SORTS:
        active = column == sort
        next_desc = not desc if active else column not in ("campaign", "channel", "orientation")
        aria = ("descending" if desc else "ascending") if active else "none"
        url = "/dashboard?" + sel.query(**extra, sort=column, desc="1" if next_desc else "0") + "#campaigns"
        links[column] = {"url": url, "aria": aria}
    return links


@router.get("/dashboard")
def dashboard(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    params = request.query_params
    latest = _latest_lead(ctx)
    sel, error = _selection(params, _anchor(latest))
    if latest is None:
        return render(ctx, "dashboard.html", board=None, empty="no_leads", sel=sel, error=error, versions=[])
    versions = _versions(ctx)
    try:
        board = build_dashboard(ctx.engine, sel, lang=ctx.lang, trend_stage=params.get("stage"), today=_today(),
                                all_campaigns=params.get("campaigns") == "all")  # fmt: skip
    except TenbinError as exc:
        if exc.code != ICP_NO_CURRENT.code:
            raise
        return render(ctx, "dashboard.html", board=None, empty="no_icp", sel=sel, error=error, versions=versions)
    sort, desc = _sort(params), params.get("desc", "1") != "0"
    board.campaigns = sort_campaigns(board.campaigns, sort, desc)
    return render(ctx, "dashboard.html", board=board, empty=None, sel=sel, error=error, versions=versions,
                  sorts=_sort_links(sel, params, sort, desc), state_labels=STATE_LABELS,
                  orientation_labels=ORIENTATION_LABELS, value=tables.value_rows(board.value) if board.value else [],
                  chart_query=sel.query(stage=board.trend_stage), stage_names={s.code: s.name for s in board.stages},
                  all_campaigns=params.get("campaigns") == "all", leads_url=leads_url,
                  sentence=ce.stage_sentence)  # fmt: skip


# -- charts -----------------------------------------------------------------------------------------
def _not_found(request: Request) -> TenbinError:
    return TenbinError(NOT_FOUND, {"path": request.url.path})


def dashboard_chart(ctx: Ctx, params: Mapping[str, str], chart: str, *, export: bool) -> tuple[dict[str, Any], str]:
    """The spec of one chart for the query string's selection, and its file name."""
    sel = parse_selection(params, _today())
    stages = stages_of(ctx.engine, ctx.lang)
    rates = rates_by_stage_and_period(ctx.engine, sel)
    name = f"tenbin-{chart}-{sel.start:%Y-%m}_{sel.end:%Y-%m}"
    range_text = f"{sel.start:%Y-%m}〜{sel.end:%Y-%m}" if ctx.lang == "ja" else f"{sel.start:%Y-%m} to {sel.end:%Y-%m}"
    if chart == "funnel":
        title = _("ICP rate by funnel stage") + f" ({range_text}, ICP v{rates.icp_version})"
        return ce.funnel_spec(funnel_rows(rates, stages, sel.icp_version), title=title, export=export), name
    codes = {st.code: st.name for st in stages}
    raw = params.get("stage") or ""
    stage = raw if raw in codes else (stages[0].code if stages else "lead")
    targets = get_targets(ctx.engine)
    title = _("ICP rate trend") + f" ({range_text}, ICP v{rates.icp_version})"
    rows = trend_rows(rates, stage, sel)
    band = targets.stage_bands.get(stage, targets.icp_rate)
    part = None if export else params.get("part")
    spec = ce.trend_spec(rows, band, stage_name=codes.get(stage, stage), title=title, export=export, part=part)
    return spec, name


@router.get("/dashboard/charts/{chart}.json")
def chart_json(chart: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> dict[str, Any]:
    if chart not in CHARTS:
        raise _not_found(request)
    return dashboard_chart(ctx, request.query_params, chart, export=False)[0]


def _chart_file(chart: str, request: Request, ctx: Ctx, fmt: str) -> Response:
    if chart not in CHARTS:
        raise _not_found(request)
    spec, name = dashboard_chart(ctx, request.query_params, chart, export=True)
    return ce.chart_response(spec, fmt, name)


@router.get("/dashboard/charts/{chart}.png")
def chart_png(chart: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _chart_file(chart, request, ctx, "png")


@router.get("/dashboard/charts/{chart}.svg")
def chart_svg(chart: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _chart_file(chart, request, ctx, "svg")


# -- tables -----------------------------------------------------------------------------------------
def dashboard_table(ctx: Ctx, params: Mapping[str, str], table: str) -> tables.Table:
    sel = parse_selection(params, _today())
    board: Dashboard = build_dashboard(ctx.engine, sel, lang=ctx.lang, trend_stage=params.get("stage"),
                                       today=_today(), all_campaigns=params.get("campaigns") == "all",
                                       parts=frozenset({table}))  # fmt: skip
    names = {s.code: s.name for s in board.stages}
    if table == "funnel":
        return tables.funnel_table(board.funnel)
    if table == "trend":
        return tables.trend_table(board.trend, names.get(board.trend_stage, board.trend_stage))
    if table == "campaigns":
        return tables.campaigns_table(sort_campaigns(board.campaigns, _sort(params), params.get("desc", "1") != "0"))
    if table == "balance":
        return tables.balance_table(board.balance, board.stages, ctx.lang)
    if table == "conversion":
        return tables.conversion_table(board.conversion, board.stages)
    assert board.value is not None
    return tables.value_table(board.value)


def _table_file(table: str, request: Request, ctx: Ctx, fmt: str) -> Response:
    if table not in TABLES:
        raise _not_found(request)
    params = request.query_params
    header, rows = dashboard_table(ctx, params, table)
    encoding = "cp932" if params.get("encoding") == "cp932" else "utf-8-sig"
    sel = parse_selection(params, _today())
    return ce.table_response(header, rows, fmt=fmt, name=f"tenbin-{table}-{sel.start:%Y-%m}_{sel.end:%Y-%m}",
                             encoding=encoding)  # fmt: skip


@router.get("/dashboard/tables/{table}.csv")
def table_csv(table: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _table_file(table, request, ctx, "csv")


@router.get("/dashboard/tables/{table}.xlsx")
def table_xlsx(table: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _table_file(table, request, ctx, "xlsx")


# -- drill-down -------------------------------------------------------------------------------------
def lead_set(params: Mapping[str, str]) -> LeadSet:
    raw_icp = params.get("icp")
    return LeadSet(
        stage=params.get("stage") or None,
        period_from=parse_day(params.get("from"), "from"),
        period_to=parse_day(params.get("to"), "to"),
        campaign=params.get("campaign") or None,
        offer=params.get("offer") or None,
        icp=True if raw_icp == "yes" else (False if raw_icp == "no" else None),
        icp_version=parse_version(params.get("v")),
    )


@router.get("/dashboard/leads")
def drilldown(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    """The leads behind a dashboard number: the list's count is the number that was clicked."""
    params = request.query_params
    chosen = lead_set(params)
    raw_page = params.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < len(raw_page) < 7 else 1
    found = list_leads(ctx.engine, chosen, offset=(max(page, 1) - 1) * PAGE_SIZE)
    stages = {s.code: s.name for s in stages_of(ctx.engine, ctx.lang)}
    base = {k: v for k, v in params.items() if k != "page"}
    pages = max(1, -(-found.total // PAGE_SIZE))

    def page_url(number: int) -> str:
        return "/dashboard/leads?" + urlencode({**base, "page": str(number)})

    return render(ctx, "dashboard_leads.html", found=found, stage_name=stages.get(found.stage, found.stage),
                  page=max(page, 1), pages=pages, page_url=page_url, page_size=PAGE_SIZE,
                  query=urlencode(base))  # fmt: skip


def _lead_cells(row: dict[str, Any]) -> list[object]:
    campaign = row["campaign"][1] if row["campaign"] else None
    return [row["id"], row["last_name"], row["first_name"], row["email"], row["company"], row["department"],
            row["title"], _("ICP") if row["is_icp"] else _("Non-ICP"), campaign, row["acquired_at"],
            row["reached_at"], row["owner"]]  # fmt: skip


def _leads_file(request: Request, ctx: Ctx, fmt: str) -> Response:
    """Every lead behind the number, as CSV or XLSX (people's data: the export permission)."""
    params = request.query_params
    header = [_("Lead ID"), _("Last name"), _("First name"), _("Email"), _("Company"), _("Department"), _("Title"),
              _("ICP"), _("First-touch campaign"), _("Acquired"), _("Reached the stage"), _("Owner")]  # fmt: skip
    encoding = "cp932" if params.get("encoding") == "cp932" else "utf-8-sig"
    with all_leads(ctx.engine, lead_set(params)) as rows:
        return ce.table_response(header, (_lead_cells(r) for r in rows), fmt=fmt, name="tenbin-leads",
                                 encoding=encoding)  # fmt: skip


@router.get("/dashboard/leads.csv")
def drilldown_csv(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    return _leads_file(request, ctx, "csv")


@router.get("/dashboard/leads.xlsx")
def drilldown_xlsx(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    return _leads_file(request, ctx, "xlsx")
