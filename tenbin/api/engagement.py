"""Engagement over the REST API: the offer ladder's step-up conversion (``GET /api/v1/ladder``), an
account's individual seminars (``GET``/``POST /api/v1/accounts/{account_id}/seminars``) and whitespace
(``GET /api/v1/whitespace``). Reading needs ``view``; recording a seminar needs ``seminars.edit`` and
honours an ``Idempotency-Key`` header (a retry creates nothing new)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, RootModel

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.idempotency import run_idempotent
from tenbin.auth.roles import Permission
from tenbin.engagement import service as svc

router = APIRouter(prefix="/api/v1", tags=["engagement"])
IDEMPOTENCY = Header(None, alias="Idempotency-Key", description="A unique string: a retry with it creates nothing new")
AccountId = Annotated[int, Path(ge=1, le=2**62)]


class AttendeeIn(BaseModel):
    contact: str | None = Field(None, max_length=320, description="one of the account's contacts: id or email")
    name: str | None = Field(None, max_length=200, description="an attendee who is not a contact")
    department: str | None = Field(None, max_length=200)
    role: str | None = Field(None, max_length=40, description="buying-group role, e.g. decision_maker or 決裁者")
    level: str | None = Field(None, max_length=20, description="staff | manager | director | executive")


class SeminarIn(BaseModel):
    title: str = Field(max_length=300)
    held_on: dt.date
    campaign: str | None = Field(None, max_length=300, description="campaign id or exact name")
    notes: str | None = Field(None, max_length=10_000)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=500)


class Result(RootModel[dict[str, Any]]):
    pass


@router.get("/ladder", summary="Step-up conversion per rung of the offer ladder, ICP vs non-ICP")
def get_ladder(
    by: Annotated[str, Query(max_length=10, description="lead | account")] = "lead",
    period_from: Annotated[dt.date | None, Query(description="responses on or after")] = None,
    period_to: Annotated[dt.date | None, Query(description="responses on or before")] = None,
    icp_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    result = svc.compute_ladder(
        ctx.engine, by=by, period_from=period_from, period_to=period_to, icp_version=icp_version
    )
    data: dict[str, Any] = svc.as_plain(result)
    return data


@router.get("/accounts/{account_id}/seminars", summary="An account's individual seminars, coverage and whitespace")
def get_seminars(account_id: AccountId, ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        data: dict[str, Any] = svc.as_plain(svc.account_engagement(conn, account_id))
    return data


@router.post("/accounts/{account_id}/seminars", status_code=201, response_model=Result,
             summary="Record an individual seminar with its attendees")  # fmt: skip
def post_seminar(
    account_id: AccountId,
    body: SeminarIn,
    idempotency_key: str | None = IDEMPOTENCY,
    ctx: ApiCtx = api_requires(Permission.SEMINARS_EDIT),
) -> JSONResponse:
    def create() -> Result:
        found = svc.add_session(
            ctx.engine, account_id=account_id, title=body.title, held_on=body.held_on, campaign=body.campaign,
            notes=body.notes, attendees=[a.model_dump() for a in body.attendees], actor=ctx.user.username,
        )  # fmt: skip
        return Result(svc.as_plain(found))

    payload = {"account_id": account_id, **body.model_dump(mode="json")}
    return run_idempotent(ctx, key=idempotency_key, body=payload, create=create)


@router.get("/whitespace", summary="Whitespace per customer account, ranked by opportunity")
def get_whitespace(
    account_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    icp_first: bool = False,
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    data: dict[str, Any] = svc.as_plain(svc.compute_whitespace(ctx.engine, account_id=account_id, icp_first=icp_first))
    return data
