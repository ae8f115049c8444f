"""The plan page: the next campaign mix. The user edits budget, volume target, band, period and the
maximum per type in a GET form (a calculation: nothing is written, so no CSRF token is needed) and
sees the plan, the history it was made from and the reasons in sentences. Everyone reads (``view``).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from tenbin.auth.roles import Permission
from tenbin.errors import Place, TenbinError
from tenbin.plan import errors as e
from tenbin.plan import text
from tenbin.plan.service import MAX_BUDGET, MAX_LEADS, MAX_PER_TYPE, PlanResult, parse_band, plan_campaign_mix
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()
FIELDS = ("budget", "leads", "band", "period", "max_per_type", "resource_rule")


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
    form = {name: str(request.query_params.get(name, ""))[:40] for name in FIELDS}
    result, error = None, None
    try:
        result = _plan(ctx, form)
    except TenbinError as exc:
        error = exc
    # a refused value is shown beside the form the user is editing: the page itself answers 200
    return render(ctx, "plan.html", form=form, result=result, error=error, text=text)
