"""Settings: teams (sales, account sales, inside sales, digital), their capacities and members.

Reading needs VIEW; adding, changing and deleting needs TEAMS_EDIT.
"""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, String, case, cast, func, literal, select

from tenbin.auth import service as auth
from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.i18n import N_
from tenbin.i18n import gettext as _
from tenbin.web.context import Ctx, requires
from tenbin.web.listing import Col, ListSpec, ListState, csv_response, fetch_page
from tenbin.web.pages import page_router
from tenbin.web.render import render
from tenbin.workspace import service as ws

router = page_router()

TEAM_KIND_LABELS = {
    "sales": N_("Sales"),
    "account_sales": N_("Account sales"),
    "inside_sales": N_("Inside sales"),
    "digital": N_("Digital sales"),
}
ACTIVE, INACTIVE = N_("Active"), N_("Inactive")


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _done(ctx: Ctx, url: str, message: str) -> Response:
    ctx.flash(message)
    return RedirectResponse(url, status_code=303)


def _teams_spec() -> ListSpec:
    """Built per request: the kind column shows its label in the reader's language."""
    teams, members = schema.teams, schema.team_members
    kinds = {k: _(label) for k, label in TEAM_KIND_LABELS.items()}

    def query() -> Select[Any]:
        active = (
            select(func.count()).where(members.c.team_id == teams.c.id, members.c.is_active.is_(True)).scalar_subquery()
        )
        return select(
            teams.c.name.label("name"),
            case(kinds, value=teams.c.kind, else_=teams.c.kind).label("kind"),
            teams.c.capacity_per_day.label("capacity_per_day"),
            teams.c.capacity_per_week.label("capacity_per_week"),
            active.label("members"),
            teams.c.id.label("id"),
        )

    return ListSpec(
        name="teams",
        columns=(
            Col("name", N_("Team"), filter="text", link=lambda r: f"/settings/teams/{r['id']}"),
            Col("kind", N_("Kind"), filter="choice", choices=tuple((v, v) for v in kinds.values())),
            Col("capacity_per_day", N_("Capacity per day"), kind="number"),
            Col("capacity_per_week", N_("Capacity per week"), kind="number"),
            Col("members", N_("Active members"), kind="number"),
        ),
        query=query,
        default_sort="name",
        search=("name",),
        empty=N_(
            "No teams yet. Add your sales, inside-sales and digital teams below, with how many leads each can take."
        ),
    )


def _members_spec(team_id: int) -> ListSpec:
    members, users = schema.team_members, schema.users
    status = case((members.c.is_active.is_(True), literal(_(ACTIVE))), else_=literal(_(INACTIVE)))

    def query() -> Select[Any]:
        return (
            select(
                members.c.name.label("name"),
                members.c.email.label("email"),
                members.c.capacity_per_day.label("capacity_per_day"),
                members.c.capacity_per_week.label("capacity_per_week"),
                cast(status, String).label("status"),
                users.c.username.label("user"),
                members.c.id.label("id"),
            )
            .select_from(members.outerjoin(users, users.c.id == members.c.user_id))
            .where(members.c.team_id == team_id)
        )

    return ListSpec(
        name=f"team-{team_id}-members",
        columns=(
            Col("name", N_("Name"), filter="text", link=lambda r: f"/settings/teams/{team_id}/members/{r['id']}"),
            Col("email", N_("Email"), filter="text"),
            Col("capacity_per_day", N_("Capacity per day"), kind="number"),
            Col("capacity_per_week", N_("Capacity per week"), kind="number"),
            Col("status", N_("Status"), filter="choice", choices=((_(ACTIVE), ACTIVE), (_(INACTIVE), INACTIVE))),
            Col("user", N_("User"), filter="text"),
        ),
        query=query,
        default_sort="name",
        search=("name", "email"),
        empty=N_("No members yet. Add the people of this team below, with how many leads each can take."),
    )


# -- teams ------------------------------------------------------------------------------------------
def _teams_page(
    ctx: Ctx, request: Request, error: TenbinError | None = None, form: dict[str, str] | None = None
) -> Response:
    spec = _teams_spec()
    state = ListState.from_query(spec, request.query_params)
    if request.query_params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, spec, state)
    page = fetch_page(ctx.engine, spec, state)
    status = error.status if error else 200
    return render(
        ctx, "settings/teams.html", status=status, page=page, kinds=TEAM_KIND_LABELS, error=error, form=form or {}
    )


@router.get("/settings/teams")
def teams_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _teams_page(ctx, request)


@router.post("/settings/teams")
def add_team(
    request: Request,
    name: str = Form(""),
    kind: str = Form("sales"),
    capacity_per_day: str = Form(""),
    capacity_per_week: str = Form(""),
    ctx: Ctx = requires(Permission.TEAMS_EDIT),
) -> Response:
    form = {"name": name, "kind": kind, "capacity_per_day": capacity_per_day, "capacity_per_week": capacity_per_week}
    try:
        team = ws.add_team(ctx.engine, **form, actor=_actor(ctx))
    except TenbinError as exc:
        return _teams_page(ctx, request, exc, form)
    return _done(ctx, f"/settings/teams/{team.id}", _("The team was added. Add its members below."))


def _team_page(
    ctx: Ctx,
    request: Request,
    team_id: int,
    error: TenbinError | None = None,
    form: dict[str, str] | None = None,
    member_error: TenbinError | None = None,
    member_form: dict[str, str] | None = None,
) -> Response:
    team = ws.get_team(ctx.engine, team_id=team_id)
    spec = _members_spec(team_id)
    state = ListState.from_query(spec, request.query_params)
    if request.query_params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, spec, state)
    page = fetch_page(ctx.engine, spec, state)
    status = (error or member_error).status if (error or member_error) else 200  # type: ignore[union-attr]
    return render(
        ctx, "settings/team.html", status=status, team=team, page=page, kinds=TEAM_KIND_LABELS,
        users=auth.list_users(ctx.engine), error=error, form=form or {}, member_error=member_error,
        member_form=member_form or {},
    )  # fmt: skip


@router.get("/settings/teams/{team_id}")
def team_page(team_id: int, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _team_page(ctx, request, team_id)


@router.post("/settings/teams/{team_id}")
def update_team(
    team_id: int,
    request: Request,
    name: str = Form(""),
    kind: str = Form(""),
    capacity_per_day: str = Form(""),
    capacity_per_week: str = Form(""),
    ctx: Ctx = requires(Permission.TEAMS_EDIT),
) -> Response:
    form = {"name": name, "kind": kind, "capacity_per_day": capacity_per_day, "capacity_per_week": capacity_per_week}
    try:
        ws.update_team(ctx.engine, team_id=team_id, **form, actor=_actor(ctx))
    except TenbinError as exc:
        return _team_page(ctx, request, team_id, error=exc, form=form)
    return _done(ctx, f"/settings/teams/{team_id}", _("The team was saved."))


@router.post("/settings/teams/{team_id}/delete")
def delete_team(team_id: int, ctx: Ctx = requires(Permission.TEAMS_EDIT)) -> Response:
    ws.delete_team(ctx.engine, team_id=team_id, actor=_actor(ctx))
    return _done(ctx, "/settings/teams", _("The team and its members were deleted."))


# -- members ----------------------------------------------------------------------------------------
def _member_fields(
    name: str, email: str, capacity_per_day: str, capacity_per_week: str, user: str, is_active: str
) -> dict[str, Any]:
    return {
        "name": name, "email": email, "capacity_per_day": capacity_per_day,
        "capacity_per_week": capacity_per_week, "user_id": user or None, "is_active": bool(is_active),
    }  # fmt: skip


@router.post("/settings/teams/{team_id}/members")
def add_member(
    team_id: int,
    request: Request,
    name: str = Form(""),
    email: str = Form(""),
    capacity_per_day: str = Form(""),
    capacity_per_week: str = Form(""),
    user: str = Form(""),
    ctx: Ctx = requires(Permission.TEAMS_EDIT),
) -> Response:
    fields = _member_fields(name, email, capacity_per_day, capacity_per_week, user, "1")
    try:
        ws.add_member(ctx.engine, team_id=team_id, **fields, actor=_actor(ctx))
    except TenbinError as exc:
        form = {"name": name, "email": email, "capacity_per_day": capacity_per_day,
                "capacity_per_week": capacity_per_week, "user": user}  # fmt: skip
        return _team_page(ctx, request, team_id, member_error=exc, member_form=form)
    return _done(ctx, f"/settings/teams/{team_id}", _("The member was added."))


def _member_page(
    ctx: Ctx, team_id: int, member_id: int, error: TenbinError | None = None, form: dict[str, Any] | None = None
) -> Response:
    team = ws.get_team(ctx.engine, team_id=team_id)
    member = ws.get_member(ctx.engine, team_id=team_id, member_id=member_id)
    users = auth.list_users(ctx.engine)
    if form is None:
        form = {
            "name": member.name, "email": member.email or "", "is_active": member.is_active,
            "user": "" if member.user_id is None else str(member.user_id),
            "capacity_per_day": "" if member.capacity_per_day is None else member.capacity_per_day,
            "capacity_per_week": "" if member.capacity_per_week is None else member.capacity_per_week,
        }  # fmt: skip
    status = error.status if error else 200
    return render(
        ctx, "settings/member.html", status=status, team=team, member=member, users=users, error=error, form=form
    )


@router.get("/settings/teams/{team_id}/members/{member_id}")
def member_page(team_id: int, member_id: int, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _member_page(ctx, team_id, member_id)


@router.post("/settings/teams/{team_id}/members/{member_id}")
def update_member(
    team_id: int,
    member_id: int,
    name: str = Form(""),
    email: str = Form(""),
    capacity_per_day: str = Form(""),
    capacity_per_week: str = Form(""),
    user: str = Form(""),
    is_active: str = Form(""),
    ctx: Ctx = requires(Permission.TEAMS_EDIT),
) -> Response:
    fields = _member_fields(name, email, capacity_per_day, capacity_per_week, user, is_active)
    try:
        ws.update_member(ctx.engine, team_id=team_id, member_id=member_id, **fields, actor=_actor(ctx))
    except TenbinError as exc:
        form = {**fields, "user": user}
        return _member_page(ctx, team_id, member_id, exc, form)
    return _done(ctx, f"/settings/teams/{team_id}", _("The member was saved."))


@router.post("/settings/teams/{team_id}/members/{member_id}/delete")
def delete_member(team_id: int, member_id: int, ctx: Ctx = requires(Permission.TEAMS_EDIT)) -> Response:
    ws.delete_member(ctx.engine, team_id=team_id, member_id=member_id, actor=_actor(ctx))
    return _done(ctx, f"/settings/teams/{team_id}", _("The member was deleted."))
