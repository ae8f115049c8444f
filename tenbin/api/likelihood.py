"""Win likelihood over the REST API.

- ``GET /api/v1/likelihood/leads/{id}`` (view): the lead's probability, band, threshold and every
  factor with its contribution and the sentence in the caller's language (``?as_of=`` optional);
- ``GET /api/v1/likelihood/model`` (view): the model in use (weights, held-out metrics), the threshold and
  the latest calibration run (adopted or not);
- ``POST /api/v1/likelihood/calibrate`` (routing.run): fit, test, store, adopt when better
  (``?dry_run=true`` stores nothing);
- ``PUT /api/v1/likelihood/threshold`` (settings.edit): ``{"value": 0.5}`` or ``{"mode": "capacity"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi import Path as FastApiPath
from pydantic import BaseModel, Field

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.icp.versions import version_condition
from tenbin.likelihood import service as likelihood

router = APIRouter(prefix="/api/v1/likelihood", tags=["likelihood"])
MAX_ID = 2**53
LeadId = Annotated[int, FastApiPath(ge=1, le=MAX_ID, description="The lead's (contact's) id")]


class ThresholdUpdate(BaseModel):
    mode: Literal["value", "capacity"] = Field("value", description="value: use `value`; capacity: choose it")
    value: float | None = Field(None, description="0 < value < 1 (mode value)")
    weeks: int = Field(13, ge=1, le=104, description="capacity mode: weeks of recent leads to measure")


@router.get("/leads/{lead_id}", summary="A lead's win likelihood with every factor's contribution")
def get_lead_likelihood(
    lead_id: LeadId,
    as_of: Annotated[dt.datetime | None, Query(description="score as of this time (default: now)")] = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    when = as_of
    if as_of is not None and as_of.tzinfo is not None:  # stored times are naive, workspace-local
        when = as_of.astimezone(ZoneInfo(ctx.settings.timezone)).replace(tzinfo=None)
    with ctx.engine.connect() as conn:
        return likelihood.get_lead_score(conn, lead_id, as_of=when).as_dict(ctx.lang)


@router.get("/model", summary="The model in use (weights, held-out metrics) and the high/low threshold")
def get_model(ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        model = likelihood.current_model(conn)
        threshold = likelihood.likelihood_threshold(conn)
        latest = likelihood.list_models(conn, limit=1)
    # the latest calibration too, adopted or not: why the defaults may still be in use
    return {**model.as_dict(), "threshold": threshold, "latest_calibration": latest[0].as_dict() if latest else None}


@router.post("/calibrate", summary="Fit the weights on won/lost opportunities and adopt them when better")
def post_calibrate(
    dry_run: Annotated[bool, Query(description="measure only, store nothing")] = False,
    ctx: ApiCtx = api_requires(Permission.ROUTING_RUN),
) -> dict[str, Any]:
    return likelihood.calibrate(ctx.engine, actor=ctx.user.username, dry_run=dry_run).as_dict()


@router.put("/threshold", summary="Set the high/low threshold: a number, or chosen by sales capacity")
def put_threshold(body: ThresholdUpdate, ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)) -> dict[str, Any]:
    if body.mode == "capacity":
        choice = likelihood.choose_by_capacity(
            ctx.engine, icp_condition=version_condition, actor=ctx.user.username, weeks=body.weeks
        )
    else:
        choice = likelihood.set_threshold(ctx.engine, value=body.value, actor=ctx.user.username)
    return choice.as_dict()
