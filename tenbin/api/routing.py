"""Routing (振り分け) over the REST API, thin over :mod:`tenbin.routing.service`.

Reading (decisions, a lead's history, the queue, loads, the 2×2 matrix, settings) needs ``view``;
running routing in batch ``routing.run``; overriding a decision and marking a lead handled
``routing.override`` (both honour an ``Idempotency-Key``); changing the response times
``settings.edit``. Errors are problems with their ``ROUTING_*`` code and the field in ``attr``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, RootModel

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.idempotency import run_idempotent
from tenbin.auth.roles import Permission
from tenbin.routing import service as routing

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])
IDEMPOTENCY = Header(None, alias="Idempotency-Key", description="A unique string: a retry with it creates nothing new")
LeadId = Annotated[int, Path(ge=1, le=2**62, description="the lead's (contact's) ID")]
Quadrant = Literal["icp_high", "icp_low", "non_icp_high", "non_icp_low"]


class Result(RootModel[dict[str, Any]]):
    pass


class RunIn(BaseModel):
    lead_ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(None, max_length=10_000)
    revisit_only: bool = False
    dry_run: bool = False
    since: dt.date | None = Field(None, description="new leads: only those acquired on or after this day")


class OverrideIn(BaseModel):
    team: str = Field(..., min_length=1, max_length=200, description="team ID or name")
    member: str | None = Field(None, max_length=200, description="member ID or name (none: the team's queue)")
    reason: str = Field(..., max_length=1000, description="why (required; kept with the decision)")


class SettingsIn(BaseModel):
    sla_hours: dict[Quadrant, float] = Field(..., description="business hours to respond, per quadrant (0.25–720)")


def _now(ctx: ApiCtx) -> dt.datetime:
    return routing.local_now(ctx.settings.timezone)


@router.get("/decisions", summary="Routing decisions, newest first")
def get_decisions(
    team_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    member_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    quadrant: Quadrant | None = None,
    current: Annotated[Literal["true", "false", "all"], Query(description="current decisions only (default)")] = "true",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> list[dict[str, Any]]:
    flag = {"true": True, "false": False, "all": None}[current]
    with ctx.engine.connect() as conn:
        found = routing.list_decisions(conn, team_id=team_id, member_id=member_id, quadrant=quadrant, current=flag,
                                       offset=offset, limit=limit)  # fmt: skip
    return [d.as_dict(ctx.lang) for d in found]


@router.get("/leads/{contact_id}", summary="A lead's routing history, oldest first, and its current decision")
def get_lead(contact_id: LeadId, ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        decisions = routing.history(conn, contact_id)
    current = next((d for d in decisions if d.is_current), None)
    return {
        "contact_id": contact_id,
        "current": None if current is None else current.as_dict(ctx.lang),
        "history": [d.as_dict(ctx.lang) for d in decisions],
    }


@router.post("/run", summary="Route open leads in batch and revisit current decisions")
def post_run(body: RunIn, ctx: ApiCtx = api_requires(Permission.ROUTING_RUN)) -> dict[str, Any]:
    result = routing.run_routing(ctx.engine, actor=ctx.user.username, contact_ids=body.lead_ids,
                                 revisit_only=body.revisit_only, dry_run=body.dry_run, since=body.since,
                                 now=_now(ctx))  # fmt: skip
    return result.as_dict(ctx.lang)


@router.post("/leads/{contact_id}/override", status_code=201, response_model=Result,
             summary="A manager moves a lead to another team / member (reason required; audited)")  # fmt: skip
def post_override(
    contact_id: LeadId, body: OverrideIn, idempotency_key: str | None = IDEMPOTENCY,
    ctx: ApiCtx = api_requires(Permission.ROUTING_OVERRIDE),
) -> JSONResponse:  # fmt: skip
    def create() -> Result:
        decision = routing.override_decision(ctx.engine, contact_id=contact_id, team=body.team, member=body.member,
                                             reason=body.reason, actor=ctx.user.username, now=_now(ctx))  # fmt: skip
        return Result(decision.as_dict(ctx.lang))

    return run_idempotent(ctx, key=idempotency_key, body=body.model_dump(mode="json"), create=create)


@router.post("/leads/{contact_id}/handled", summary="Mark a lead handled by its assignee (stops the SLA clock)")
def post_handled(contact_id: LeadId, ctx: ApiCtx = api_requires(Permission.ROUTING_OVERRIDE)) -> dict[str, Any]:
    decision = routing.mark_handled(ctx.engine, contact_id=contact_id, actor=ctx.user.username, now=_now(ctx))
    return decision.as_dict(ctx.lang)


@router.get("/queue", summary="The routing queue: current decisions of open leads with SLA due times")
def get_queue(
    team_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    member_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    unassigned: bool = False,
    quadrant: Quadrant | None = None,
    open_only: Annotated[bool, Query(alias="open", description="only leads not handled yet")] = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        items = routing.queue(conn, team_id=team_id, member_id=member_id, unassigned=unassigned,
                              include_handled=not open_only, now=_now(ctx), limit=limit, quadrant=quadrant)  # fmt: skip
    return [i.as_dict() for i in items]


@router.get("/loads", summary="Per team and member: assignments today and this week against capacity")
def get_loads(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        return [asdict(t) for t in routing.team_loads(conn, _now(ctx))]


@router.get("/matrix", summary="The ICP × likelihood 2×2: current decisions per quadrant with their lead IDs")
def get_matrix(ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        return {q: asdict(cell) for q, cell in routing.matrix(conn).items()}


@router.get("/settings", summary="Response times (SLA, business hours) per quadrant")
def get_settings(ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        return routing.routing_settings(conn).as_dict()


@router.put("/settings", summary="Set the response times of some quadrants (audited)")
def put_settings(body: SettingsIn, ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)) -> dict[str, Any]:
    return routing.save_routing_settings(
        ctx.engine, sla_hours={str(k): v for k, v in body.sla_hours.items()}, actor=ctx.user.username
    ).as_dict()
