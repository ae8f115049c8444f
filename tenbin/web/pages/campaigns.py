"""A campaign's figures (施策の成果): its leads by first touch with the ICP rate and interval, by funnel
stage and by month, cost per lead and per ICP lead, ICP vs non-ICP conversion, the offers its leads
came in by, and the leads behind every number; charts as PNG/SVG and tables as CSV/XLSX. The raw
record (fields, description) stays on its records page, which this page links to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Path, Request
from fastapi.responses import Response

from tenbin.auth.roles import Permission
from tenbin.crm import records as rec
from tenbin.errors import TenbinError
from tenbin.i18n import gettext as _
from tenbin.metrics.service import (
    CampaignCost,
    CampaignCostQuery,
    ConversionStep,
    IcpRateQuery,
    IcpRateResult,
    compute_campaign_costs,
    compute_icp_rate,
)
from tenbin.web import chart_export as ce
from tenbin.web import dashboard_tables as tables
from tenbin.web.context import Ctx, requires
from tenbin.web.dashboard_period import Selection, parse_version
from tenbin.web.dashboard_view import (
    ORIENTATION_LABELS,
    Stage,
    campaign_filter,
    conversion_steps,
    funnel_rows,
    leads_url,
    links_to_leads,
    stages_of,
    trend_rows,
)
from tenbin.web.errors import NOT_FOUND
from tenbin.web.pages import page_router
from tenbin.web.render import render
from tenbin.workspace.service import get_targets

router = page_router()

CampaignId = Path(ge=1, le=2**62, description="the campaign's id")
CHARTS = ("funnel", "trend")
TABLES = ("funnel", "trend", "offers", "conversion")


@dataclass
class CampaignView:
    record: dict[str, Any]
    icp_version: int
    cost: CampaignCost | None
    funnel: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    conversion: tuple[ConversionStep, ...]
    first_stage: str


def _life(result: IcpRateResult, first_stage: str, version: int | None) -> Selection | None:
    """The months from the campaign's first lead to its last (``None`` without leads)."""
    months = sorted({row.keys[1] for row in result.rows if row.keys[0] == first_stage and row.total})
    if not months:
        return None
    start = dt.date.fromisoformat(months[0] + "-01")
    last = dt.date.fromisoformat(months[-1] + "-01")
    end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Selection("month", start, end, version)


def campaign_view(ctx: Ctx, campaign_id: int, params: Mapping[str, str]) -> CampaignView:
    """Four aggregate statements (stage × month, offers, costs, conversion) for one campaign."""
    record = rec.get_record(ctx.engine, rec.record_type("campaigns"), campaign_id, related=False).row
    version = parse_version(params.get("v"))
    name = str(record["name"])
    only = campaign_filter(name)
    stages = stages_of(ctx.engine, ctx.lang)
    first = stages[0].code if stages else "lead"
    rates = compute_icp_rate(ctx.engine, IcpRateQuery(by=("stage", "month"), icp_version=version, filters=only))
    life = _life(rates, first, version)
    offers = compute_icp_rate(ctx.engine, IcpRateQuery(by=("offer",), icp_version=version, filters=only))
    costs = compute_campaign_costs(ctx.engine, CampaignCostQuery(icp_version=version))
    return CampaignView(
        record=record,
        icp_version=rates.icp_version,
        cost=next((c for c in costs.campaigns if c.campaign == name), None),
        funnel=funnel_rows(rates, stages, version, campaign=name),
        trend=trend_rows(rates, first, life, campaign=name) if life else [],
        offers=_offer_rows(offers, version, name),
        conversion=conversion_steps(ctx.engine, stages, icp_version=version, filters=only),
        first_stage=first,
    )


def _offer_rows(result: IcpRateResult, version: int | None, campaign: str) -> list[dict[str, Any]]:
    return [{"offer": r.keys[0], "total": r.total, "icp": r.icp, "non_icp": r.non_icp, "rate": r.rate, "low": r.low,
             "high": r.high, "links": links_to_leads(version, campaign=campaign, offer=r.keys[0])}
            for r in result.rows]  # fmt: skip


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int = CampaignId, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    view = campaign_view(ctx, campaign_id, request.query_params)
    query = "" if request.query_params.get("v") is None else f"v={view.icp_version}"
    return render(ctx, "campaign.html", view=view, query=query, orientation_labels=ORIENTATION_LABELS,
                  stage_names={s.code: s.name for s in stages_of(ctx.engine, ctx.lang)},
                  leads_url=leads_url, sentence=ce.stage_sentence)  # fmt: skip


def _not_found(request: Request) -> TenbinError:
    return TenbinError(NOT_FOUND, {"path": request.url.path})


def campaign_chart(ctx: Ctx, campaign_id: int, params: Mapping[str, str], chart: str,
                   *, export: bool) -> tuple[dict[str, Any], str]:  # fmt: skip
    view = campaign_view(ctx, campaign_id, params)
    name = str(view.record["name"])
    file_name = f"tenbin-campaign-{campaign_id}-{chart}"
    if chart == "funnel":
        title = _("ICP rate by funnel stage") + f": {name} (ICP v{view.icp_version})"
        return ce.funnel_spec(view.funnel, title=title, export=export), file_name
    targets = get_targets(ctx.engine)
    band = targets.stage_bands.get(view.first_stage, targets.icp_rate)
    stage_name = view.funnel[0]["name"] if view.funnel else view.first_stage
    title = _("ICP rate trend") + f": {name} (ICP v{view.icp_version})"
    part = None if export else params.get("part")
    spec = ce.trend_spec(view.trend, band, stage_name=stage_name, title=title, export=export, part=part)
    return spec, file_name


@router.get("/campaigns/{campaign_id}/charts/{chart}.json")
def chart_json(request: Request, chart: str, campaign_id: int = CampaignId,
               ctx: Ctx = requires(Permission.VIEW)) -> dict[str, Any]:  # fmt: skip
    if chart not in CHARTS:
        raise _not_found(request)
    return campaign_chart(ctx, campaign_id, request.query_params, chart, export=False)[0]


def _chart_file(request: Request, ctx: Ctx, campaign_id: int, chart: str, fmt: str) -> Response:
    if chart not in CHARTS:
        raise _not_found(request)
    spec, name = campaign_chart(ctx, campaign_id, request.query_params, chart, export=True)
    return ce.chart_response(spec, fmt, name)


@router.get("/campaigns/{campaign_id}/charts/{chart}.png")
def chart_png(request: Request, chart: str, campaign_id: int = CampaignId,
              ctx: Ctx = requires(Permission.VIEW)) -> Response:  # fmt: skip
    return _chart_file(request, ctx, campaign_id, chart, "png")


@router.get("/campaigns/{campaign_id}/charts/{chart}.svg")
def chart_svg(request: Request, chart: str, campaign_id: int = CampaignId,
              ctx: Ctx = requires(Permission.VIEW)) -> Response:  # fmt: skip
    return _chart_file(request, ctx, campaign_id, chart, "svg")


def campaign_table(view: CampaignView, table: str) -> tables.Table:
    if table == "funnel":
        return tables.funnel_table(view.funnel)
    if table == "trend":
        return tables.trend_table(view.trend, view.funnel[0]["name"] if view.funnel else view.first_stage)
    if table == "offers":
        header, rows = tables.funnel_table([{**o, "name": o["offer"]} for o in view.offers])
        return [_("First-touch offer"), *header[1:]], rows
    return tables.conversion_table(view.conversion, [Stage(r["stage"], r["name"]) for r in view.funnel])


def _table_file(request: Request, ctx: Ctx, campaign_id: int, table: str, fmt: str) -> Response:
    if table not in TABLES:
        raise _not_found(request)
    view = campaign_view(ctx, campaign_id, request.query_params)
    header, rows = campaign_table(view, table)
    encoding = "cp932" if request.query_params.get("encoding") == "cp932" else "utf-8-sig"
    return ce.table_response(header, rows, fmt=fmt, name=f"tenbin-campaign-{campaign_id}-{table}", encoding=encoding)


@router.get("/campaigns/{campaign_id}/tables/{table}.csv")
def table_csv(request: Request, table: str, campaign_id: int = CampaignId,
              ctx: Ctx = requires(Permission.VIEW)) -> Response:  # fmt: skip
    return _table_file(request, ctx, campaign_id, table, "csv")


@router.get("/campaigns/{campaign_id}/tables/{table}.xlsx")
def table_xlsx(request: Request, table: str, campaign_id: int = CampaignId,
               ctx: Ctx = requires(Permission.VIEW)) -> Response:  # fmt: skip
    return _table_file(request, ctx, campaign_id, table, "xlsx")
