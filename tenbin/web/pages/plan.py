"""The plan page: the next campaign mix. The user edits budget, volume target, band, period and the
maximum per type in a GET form (a calculation: nothing is written, so no CSRF token is needed) and
sees the plan, the history it was made from and the reasons in sentences. Everyone reads (``view``).
Each of the three tables (the plan, its targets and limits, the history per type) downloads as CSV
(UTF-8 with BOM, or CP932) or XLSX with the same form values.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from tenbin.auth.roles import Permission
from tenbin.errors import Place, TenbinError
from tenbin.i18n import gettext as _
from tenbin.plan import errors as e
from tenbin.plan import text
from tenbin.plan.service import MAX_BUDGET, MAX_LEADS, MAX_PER_TYPE, PlanResult, parse_band, plan_campaign_mix
from tenbin.web import chart_export as ce
from tenbin.web.context import Ctx, requires
from tenbin.web.errors import NOT_FOUND
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()
FIELDS = ("budget", "leads", "band", "period", "max_per_type", "resource_rule")
TABLES = ("plan", "checks", "history")
Table = tuple[list[str], list[list[object]]]


def _whole(form: dict[str, str], field: str, low: int, high: int) -> int | None:
    raw = form.get(field, "").replace(",", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise TenbinError(e.PLAN_NUMBER_INVALID, {"field": field, "min": low, "max": high, "value": raw},
                          Place(field=field))  # fmt: skip
    return int(raw)


def _plan(ctx: Ctx, form: dict[str, str]) -> PlanResult:
    band = form.get("band", "").strip()
    return plan_campaign_mix(
        ctx.engine, budget=_whole(form, "budget", 0, MAX_BUDGET), leads=_whole(form, "leads", 1, MAX_LEADS),
        band=parse_band(band) if band else None, period=form.get("period") or "month",
        max_per_type=_whole(form, "max_per_type", 1, MAX_PER_TYPE), resource_rule=form.get("resource_rule") or "auto",
    )  # fmt: skip


@router.get("/plan")
def plan_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    form = _form(request)
    result, error = None, None
    try:
        result = _plan(ctx, form)
    except TenbinError as exc:
        error = exc
    # a refused value is shown beside the form the user is editing: the page itself answers 200
    return render(ctx, "plan.html", form=form, result=result, error=error, text=text)


def _form(request: Request) -> dict[str, str]:
    return {name: str(request.query_params.get(name, ""))[:40] for name in FIELDS}


def plan_table(result: PlanResult, table: str, lang: str) -> Table:
    """One of the page's tables as header + rows: counts and yen as numbers, rates in percent."""

    def pct(value: float | None) -> float | None:
        return ce.pct(value)

    def names(channel: str, orientation: str) -> list[object]:
        return [text.channel_label(result, channel, lang), text.label(text.ORIENTATION_LABELS, orientation, lang)]

    if table == "plan":
        header = [_("Campaign type"), _("Orientation"), _("Count"), _("Expected leads"), _("ICP leads"),
                  _("Cost (yen)"), _("Opportunities")]  # fmt: skip
        return header, [[*names(ln.channel, ln.orientation), ln.count, round(ln.leads, 1), round(ln.icp_leads, 1),
                         round(ln.cost), round(ln.sales_load, 1)] for ln in result.plan.lines if ln.count]  # fmt: skip
    if table == "checks":
        header = [_("Target or limit"), _("Plan"), _("Target or limit"), _("Met"), _("Binds")]
        rows: list[list[object]] = []
        for c in result.plan.checks:
            rate = c.name in ("band_low", "band_high")
            rows.append([text.label(text.CONSTRAINT_LABELS, c.name, lang), pct(c.value) if rate else round(c.value, 1),
                         pct(c.limit) if rate else round(c.limit, 1), c.met, c.binds])  # fmt: skip
        return header, rows
    header = [_("Campaign type"), _("Orientation"), _("Campaigns"), _("Leads per campaign"), _("Standard error"),
              _("ICP-fit leads"), _("Leads"), _("ICP rate (%)"), _("Opportunity rate (%)"),
              _("Cost per campaign (yen)")]  # fmt: skip
    return header, [[*names(h.channel, h.orientation), h.campaigns, h.leads_per_campaign, h.leads_se, h.icp.hits,
                     h.icp.total, pct(h.icp.rate), pct(h.opportunities.rate), h.cost_per_campaign]
                    for h in result.history if h.excluded is None]  # fmt: skip


def _table_file(table: str, request: Request, ctx: Ctx, fmt: str) -> Response:
    if table not in TABLES:
        raise TenbinError(NOT_FOUND, {"path": request.url.path})
    result = _plan(ctx, _form(request))  # a refused value answers with its coded problem (400)
    header, rows = plan_table(result, table, ctx.lang)
    encoding = "cp932" if request.query_params.get("encoding") == "cp932" else "utf-8-sig"
    return ce.table_response(header, rows, fmt=fmt, name=f"tenbin-plan-{result.period_key}-{table}", encoding=encoding)


@router.get("/plan/tables/{table}.csv")
def plan_csv(table: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _table_file(table, request, ctx, "csv")


@router.get("/plan/tables/{table}.xlsx")
def plan_xlsx(table: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _table_file(table, request, ctx, "xlsx")
