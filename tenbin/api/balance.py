"""The balance over the REST API: ``GET /api/v1/balance`` returns what ``tenbin balance --json``
prints (:func:`tenbin.balance.report.balance_dict` per stage and period, the sentences in the
request's language), and ``GET /api/v1/balance/pressure`` the resource rule's judgement for the
last complete period. Every department reads (``view``). A bad period, number of periods, stage
or filter is a 400 problem with its code and the parameter in ``attr``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.metrics import FILTERS, Day, LeadFilter, Version
from tenbin.auth.roles import Permission
from tenbin.balance.report import balance_dict, pressure_dict
from tenbin.balance.service import balance_state, resource_pressure

router = APIRouter(prefix="/api/v1/balance", tags=["balance"])
Period = Annotated[str, Query(max_length=20, description="month | quarter | fiscal_year (年度, April–March)")]
Today = Annotated[Day, Query(description="the day to look back from (YYYY-MM-DD); default: today")]


@router.get("", summary="Balance state (量寄り / バランス / 質寄り) per stage and period, with the signals")
def get_balance(
    period: Period = "month",
    periods: Annotated[int, Query(description="how many periods up to today (1–60)")] = 3,
    stage: Annotated[str | None, Query(max_length=100, description="only this funnel stage")] = None,
    icp_version: Version = None,
    today: Today = None,
    filters: LeadFilter = FILTERS,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> list[dict[str, Any]]:
    rows = balance_state(ctx.engine, icp_version=icp_version, period=period, periods=periods, today=today,
                         stage=stage, filters=filters)  # fmt: skip
    return [balance_dict(row, ctx.lang) for row in rows]


@router.get("/pressure", summary="Has the win rate fallen and is sales capacity saturated (last complete period)")
def get_pressure(
    period: Period = "month",
    today: Today = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    return pressure_dict(resource_pressure(ctx.engine, period=period, today=today), ctx.lang)
