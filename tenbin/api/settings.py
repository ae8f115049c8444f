"""Settings over the REST API: funnel stages, offers, channels, targets, teams, members, users.

Short ordered lists (stages, offers, channels) are read and replaced whole (GET/PUT); teams and
members are resources (GET list, POST, PATCH); lists that grow are paginated
(``?page=&size=`` → ``{items, total, page, size}``). POSTs honour an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Query
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.idempotency import run_idempotent
from tenbin.api.records import aware
from tenbin.auth import service as auth
from tenbin.auth.roles import Permission
from tenbin.workspace import service as ws

router = APIRouter(prefix="/api/v1", tags=["settings"])
T = TypeVar("T")
IDEMPOTENCY = Header(
    None, alias="Idempotency-Key", description="Any unique string (e.g. a UUID): a retry with it creates nothing new"
)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def _page(page: int, size: int) -> tuple[int, int]:
    return (page - 1) * size, size


PAGE = Query(1, ge=1, le=1_000_000, description="Page number, from 1")
MAX_ID = 2**53  # ids beyond this are not ids of this workspace (and overflow SQLite's INTEGER)
TeamId = Annotated[int, FastApiPath(ge=1, le=MAX_ID, description="The team's id")]
MemberId = Annotated[int, FastApiPath(ge=1, le=MAX_ID, description="The member's id")]
SIZE = Query(50, ge=1, le=200, description="Items per page (at most 200)")


# -- wire models ------------------------------------------------------------------------------------
class StagePublic(BaseModel):
    code: str
    name_ja: str
    name_en: str
    position: int


class StageUpdate(BaseModel):
    code: str = Field(description="Lowercase letters, digits and '_'; identifies the stage")
    name_ja: str
    name_en: str


class OfferPublic(BaseModel):
    id: int
    name: str
    ladder_rank: int = Field(description="1 = furthest from purchase")
    description: str | None


class OfferUpdate(BaseModel):
    id: int | None = Field(None, description="An existing offer's id; omit for a new offer")
    name: str
    description: str | None = None


class ChannelPublic(BaseModel):
    code: str
    name_ja: str
    name_en: str
    orientation: Literal["quantity", "quality"]


class ChannelUpdate(ChannelPublic):
    pass


class BandPublic(BaseModel):
    low: float = Field(description="Percent; an ICP rate below it is 量寄り (quantity-leaning)")
    high: float = Field(description="Percent; an ICP rate above it is 質寄り (quality-leaning)")


class TargetsPublic(BaseModel):
    icp_rate: BandPublic
    stage_bands: dict[str, BandPublic] = Field(default_factory=dict, description="Funnel stage code → its own band")
    leads_per_month: int | None = None
    opportunities_per_month: int | None = None


class TargetsUpdate(TargetsPublic):
    pass


class TeamPublic(BaseModel):
    id: int
    name: str
    kind: Literal["sales", "account_sales", "inside_sales", "digital"]
    capacity_per_day: int | None
    capacity_per_week: int | None
    members: int = Field(description="Active members")


class TeamCreate(BaseModel):
    name: str
    kind: str = Field(description="sales | account_sales | inside_sales | digital")
    capacity_per_day: int | None = None
    capacity_per_week: int | None = None


class TeamUpdate(BaseModel):
    name: str | None = None
    kind: str | None = None
    capacity_per_day: int | None = None
    capacity_per_week: int | None = None


class MemberPublic(BaseModel):
    id: int
    team_id: int
    name: str
    email: str | None
    capacity_per_day: int | None
    capacity_per_week: int | None
    is_active: bool
    user_id: int | None


class MemberCreate(BaseModel):
    name: str
    email: str | None = None
    capacity_per_day: int | None = None
    capacity_per_week: int | None = None
    is_active: bool = True
    user_id: int | None = Field(None, description="The tenbin user this member signs in as, if any")


class MemberUpdate(BaseModel):
    name: str | None = None
    email: str | None = None
    capacity_per_day: int | None = None
    capacity_per_week: int | None = None
    is_active: bool | None = None
    user_id: int | None = None


class UserPublic(BaseModel):
    username: str
    display_name: str | None
    email: str | None
    role: str
    is_active: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime | None


def _stage(s: ws.Stage) -> StagePublic:
    return StagePublic(code=s.code, name_ja=s.name_ja, name_en=s.name_en, position=s.position)


def _offer(o: ws.Offer) -> OfferPublic:
    return OfferPublic(id=o.id, name=o.name, ladder_rank=o.ladder_rank, description=o.description)


def _channel(c: ws.Channel) -> ChannelPublic:
    return ChannelPublic.model_validate(c, from_attributes=True)


def _targets(t: ws.Targets) -> TargetsPublic:
    return TargetsPublic.model_validate(t.as_json())


def _team(t: ws.Team) -> TeamPublic:
    return TeamPublic.model_validate(t, from_attributes=True)


def _member(m: ws.Member) -> MemberPublic:
    return MemberPublic.model_validate(m, from_attributes=True)


# -- stages, offers, channels, targets --------------------------------------------------------------
@router.get("/settings/stages", summary="The funnel stages, in order")
def get_stages(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[StagePublic]:
    return [_stage(s) for s in ws.list_stages(ctx.engine)]


@router.put("/settings/stages", summary="Replace the funnel (matched by code; stages in use cannot be removed)")
def put_stages(body: list[StageUpdate], ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)) -> list[StagePublic]:
    stages = [ws.StageInput(s.code, s.name_ja, s.name_en) for s in body]
    return [_stage(s) for s in ws.save_stages(ctx.engine, stages=stages, actor=ctx.user.username)]


@router.get("/settings/offers", summary="The offer ladder, furthest from purchase first")
def get_offers(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[OfferPublic]:
    return [_offer(o) for o in ws.list_offers(ctx.engine)]


@router.put("/settings/offers", summary="Replace the offer ladder (order = rank; offers in use cannot be removed)")
def put_offers(body: list[OfferUpdate], ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)) -> list[OfferPublic]:
    offers = [ws.OfferInput(o.name, o.description, o.id) for o in body]
    return [_offer(o) for o in ws.save_offers(ctx.engine, offers=offers, actor=ctx.user.username)]


@router.get("/settings/channels", summary="Channels and their orientation (quantity 量 / quality 質)")
def get_channels(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[ChannelPublic]:
    return [_channel(c) for c in ws.list_channels(ctx.engine)]


@router.put("/settings/channels", summary="Replace the channel list")
def put_channels(
    body: list[ChannelUpdate], ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)
) -> list[ChannelPublic]:
    channels = [ws.Channel(c.code, c.name_ja, c.name_en, c.orientation) for c in body]
    return [_channel(c) for c in ws.save_channels(ctx.engine, channels=channels, actor=ctx.user.username)]


@router.get("/settings/targets", summary="ICP-rate target bands and volume targets")
def get_targets(ctx: ApiCtx = api_requires(Permission.VIEW)) -> TargetsPublic:
    return _targets(ws.get_targets(ctx.engine))


@router.put("/settings/targets", summary="Set the targets (0 ≤ low < high ≤ 100)")
def put_targets(body: TargetsUpdate, ctx: ApiCtx = api_requires(Permission.SETTINGS_EDIT)) -> TargetsPublic:
    targets = ws.save_targets(
        ctx.engine,
        icp_rate=(body.icp_rate.low, body.icp_rate.high),
        stage_bands={code: (b.low, b.high) for code, b in body.stage_bands.items()},
        leads_per_month=body.leads_per_month,
        opportunities_per_month=body.opportunities_per_month,
        actor=ctx.user.username,
    )
    return _targets(targets)


# -- teams and members ------------------------------------------------------------------------------
@router.get("/teams", summary="Teams, by name")
def get_teams(page: int = PAGE, size: int = SIZE, ctx: ApiCtx = api_requires(Permission.VIEW)) -> Page[TeamPublic]:
    offset, limit = _page(page, size)
    items = [_team(t) for t in ws.list_teams(ctx.engine, offset=offset, limit=limit)]
    return Page[TeamPublic](items=items, total=ws.count_teams(ctx.engine), page=page, size=size)


@router.post("/teams", status_code=201, response_model=TeamPublic, summary="Add a team")
def post_team(
    body: TeamCreate, idempotency_key: str | None = IDEMPOTENCY, ctx: ApiCtx = api_requires(Permission.TEAMS_EDIT)
) -> JSONResponse:
    def create() -> TeamPublic:
        return _team(ws.add_team(ctx.engine, **body.model_dump(), actor=ctx.user.username))

    return run_idempotent(ctx, key=idempotency_key, body=body.model_dump(mode="json"), create=create)


@router.get("/teams/{team_id}", summary="One team")
def get_team(team_id: TeamId, ctx: ApiCtx = api_requires(Permission.VIEW)) -> TeamPublic:
    return _team(ws.get_team(ctx.engine, team_id=team_id))


@router.patch("/teams/{team_id}", summary="Change a team (only the fields sent)")
def patch_team(team_id: TeamId, body: TeamUpdate, ctx: ApiCtx = api_requires(Permission.TEAMS_EDIT)) -> TeamPublic:
    current = ws.get_team(ctx.engine, team_id=team_id)
    values: dict[str, Any] = {
        "name": current.name,
        "kind": current.kind,
        "capacity_per_day": current.capacity_per_day,
        "capacity_per_week": current.capacity_per_week,
        **body.model_dump(exclude_unset=True),
    }
    return _team(ws.update_team(ctx.engine, team_id=team_id, **values, actor=ctx.user.username))


@router.get("/teams/{team_id}/members", summary="A team's members, by name")
def get_members(
    team_id: TeamId, page: int = PAGE, size: int = SIZE, ctx: ApiCtx = api_requires(Permission.VIEW)
) -> Page[MemberPublic]:
    offset, limit = _page(page, size)
    items = [_member(m) for m in ws.list_members(ctx.engine, team_id=team_id, offset=offset, limit=limit)]
    total = ws.count_members(ctx.engine, team_id=team_id)
    return Page[MemberPublic](items=items, total=total, page=page, size=size)


@router.post("/teams/{team_id}/members", status_code=201, response_model=MemberPublic, summary="Add a member")
def post_member(
    team_id: TeamId,
    body: MemberCreate,
    idempotency_key: str | None = IDEMPOTENCY,
    ctx: ApiCtx = api_requires(Permission.TEAMS_EDIT),
) -> JSONResponse:
    def create() -> MemberPublic:
        return _member(ws.add_member(ctx.engine, team_id=team_id, **body.model_dump(), actor=ctx.user.username))

    return run_idempotent(ctx, key=idempotency_key, body=body.model_dump(mode="json"), create=create)


@router.patch("/teams/{team_id}/members/{member_id}", summary="Change a member (only the fields sent)")
def patch_member(
    team_id: TeamId, member_id: MemberId, body: MemberUpdate, ctx: ApiCtx = api_requires(Permission.TEAMS_EDIT)
) -> MemberPublic:
    current = ws.get_member(ctx.engine, team_id=team_id, member_id=member_id)
    values: dict[str, Any] = {
        "name": current.name,
        "email": current.email,
        "capacity_per_day": current.capacity_per_day,
        "capacity_per_week": current.capacity_per_week,
        "is_active": current.is_active,
        "user_id": current.user_id,
        **body.model_dump(exclude_unset=True),
    }
    updated = ws.update_member(ctx.engine, team_id=team_id, member_id=member_id, **values, actor=ctx.user.username)
    return _member(updated)


# -- users ------------------------------------------------------------------------------------------
@router.get("/users", tags=["users"], summary="Users, their roles and last sign-in (admins)")
def get_users(
    page: int = PAGE, size: int = SIZE, ctx: ApiCtx = api_requires(Permission.USERS_MANAGE)
) -> Page[UserPublic]:
    users = auth.list_users(ctx.engine)  # a workspace has tens of users, not thousands
    offset, limit = _page(page, size)
    zone = ZoneInfo(ctx.settings.timezone)  # stored naive in workspace time; sent with the offset
    items = [UserPublic.model_validate(aware(asdict(u), zone)) for u in users[offset : offset + limit]]
    return Page[UserPublic](items=items, total=len(users), page=page, size=size)
