"""Metrics over the REST API: ICP rate by any dimensions, ICP vs non-ICP conversion, value-weighted
ICP rate and campaign costs. Every department reads (``view``). The bodies are the runners' results
(:mod:`tenbin.metrics.service`); a bad dimension, stage or period is a 400 problem with its
``METRICS_*`` code and the offending parameter in ``attr``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.metrics import service as metrics
from tenbin.metrics.filters import lead_filter

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9999, 12, 30)


def _in_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValueError(f"a date between {EARLIEST} and {LATEST}")
    return day


Day = Annotated[dt.date | None, AfterValidator(_in_range)]
From = Annotated[Day, Query(alias="from", description="first day (YYYY-MM-DD), inclusive")]
To = Annotated[Day, Query(alias="to", description="last day (YYYY-MM-DD), inclusive")]
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="ICP version; default: the current one")]
Values = Annotated[list[str], Query(max_length=50)]
STEPS = r"^[^>,]+>[^>,]+(,[^>,]+>[^>,]+)*$"


result_dict = metrics.result_dict


def filter_of(
    campaign: Values = [],  # noqa: B006 (FastAPI copies defaults)
    channel: Values = [],  # noqa: B006
    orientation: Values = [],  # noqa: B006
    offer: Values = [],  # noqa: B006
    team: Values = [],  # noqa: B006
    industry: Values = [],  # noqa: B006
    size_band: Values = [],  # noqa: B006
) -> metrics.LeadFilter:
    """The lead filter of the query parameters (each repeatable and/or comma-separated)."""
    given = {"campaign": campaign, "channel": channel, "orientation": orientation, "offer": offer, "team": team,
             "industry": industry, "size_band": size_band}  # fmt: skip
    return lead_filter({name: values for name, values in given.items() if values})


FILTERS = Depends(filter_of)  # the seven filter parameters, declared once
LeadFilter = metrics.LeadFilter


@router.get("/icp-rate", summary="ICP rate with its 95 % Wilson interval, grouped by any dimensions")
def get_icp_rate(
    by: Annotated[str, Query(max_length=300, description="comma-separated: " + ", ".join(metrics.DIMENSIONS))] = "",
    icp_version: Version = None,
    stage: Annotated[str | None, Query(max_length=100, description="only leads that reached this stage")] = None,
    period_from: From = None,
    period_to: To = None,
    filters: LeadFilter = FILTERS,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    query = metrics.IcpRateQuery(
        by=tuple(part.strip() for part in by.split(",") if part.strip()), icp_version=icp_version, stage=stage,
        period_from=period_from, period_to=period_to,
        filters=filters,
    )  # fmt: skip
    return metrics.compute_icp_rate(ctx.engine, query).as_dict()


@router.get("/conversion", summary="Stage-to-stage conversion of ICP vs non-ICP leads (Fisher exact test)")
def get_conversion(
    steps: Annotated[str, Query(max_length=500, pattern=STEPS, description="FROM>TO pairs, comma-separated")] = (
        "lead>sql,sql>won"
    ),
    icp_version: Version = None,
    period_from: From = None,
    period_to: To = None,
    filters: LeadFilter = FILTERS,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    pairs = tuple((start.strip(), end.strip()) for start, end in (part.split(">") for part in steps.split(",")))
    query = metrics.ConversionQuery(steps=pairs, icp_version=icp_version, period_from=period_from,
                                    period_to=period_to, filters=filters)  # fmt: skip
    return result_dict(metrics.compute_conversion(ctx.engine, query))


@router.get("/value", summary="Value-weighted ICP rate: shares of pipeline, won amount and LTV")
def get_value(
    icp_version: Version = None,
    period_from: From = None,
    period_to: To = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    query = metrics.ValueShareQuery(icp_version=icp_version, period_from=period_from, period_to=period_to)
    return result_dict(metrics.compute_value_share(ctx.engine, query))


@router.get("/costs", summary="Cost per lead and per ICP lead of each campaign")
def get_costs(
    icp_version: Version = None,
    period_from: From = None,
    period_to: To = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    query = metrics.CampaignCostQuery(icp_version=icp_version, period_from=period_from, period_to=period_to)
    return result_dict(metrics.compute_campaign_costs(ctx.engine, query))
