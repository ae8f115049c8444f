"""The next campaign mix over the REST API: ``GET /api/v1/plan`` (a calculation: nothing is written).
Every department reads (``view``). The body is :meth:`tenbin.plan.service.PlanResult.as_dict` with
the sentences in the caller's language; bad arguments are 400 problems with their ``PLAN_*`` code
and the parameter in ``attr``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.plan.service import MAX_BUDGET, MAX_LEADS, MAX_PER_TYPE, parse_band, plan_campaign_mix

router = APIRouter(prefix="/api/v1", tags=["plan"])


@router.get("/plan", summary="The next campaign mix per type as an exact integer program")
def get_plan(
    budget: Annotated[int | None, Query(ge=0, le=MAX_BUDGET, description="yen for the period")] = None,
    leads: Annotated[int | None, Query(ge=1, le=MAX_LEADS, description="volume target")] = None,
    band: Annotated[str | None, Query(max_length=40, description="ICP-rate band LOW-HIGH in percent")] = None,
    period: Annotated[str, Query(max_length=20, description="month | quarter")] = "month",
    max_per_type: Annotated[int | None, Query(ge=1, le=MAX_PER_TYPE)] = None,
    resource_rule: Annotated[str, Query(max_length=10, description="auto | on | off")] = "auto",
    icp_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    since: Annotated[dt.date | None, Query(description="history: campaigns started on or after")] = None,
    today: Annotated[dt.date | None, Query(description="default: today")] = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    result = plan_campaign_mix(
        ctx.engine, budget=budget, leads=leads, band=None if band is None else parse_band(band), period=period,
        max_per_type=max_per_type, resource_rule=resource_rule, icp_version=icp_version, history_from=since,
        today=today,
    )  # fmt: skip
    return result.as_dict(ctx.lang)
