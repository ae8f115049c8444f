"""Settings: users (admins only, USERS_MANAGE). Add a user, change a role, reset a password,
deactivate or activate. A generated one-time password is shown once, on the page that made it.
The last active admin cannot be demoted or deactivated (USER_LAST_ADMIN, from tenbin.auth)."""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, case, literal, select

from tenbin.auth import service as auth
from tenbin.auth.errors import USER_NOT_FOUND
from tenbin.auth.roles import ROLE_LABELS, Permission, Role
from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.i18n import N_
from tenbin.i18n import gettext as _
from tenbin.web.context import Ctx, requires
from tenbin.web.listing import Col, ListSpec, ListState, csv_response, fetch_page
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()
ACTIVE, INACTIVE = N_("Active"), N_("Inactive")


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _role_label(role: Role, lang: str) -> str:
    ja, en = ROLE_LABELS[role]
    return en if lang == "en" else ja


def _users_spec(lang: str) -> ListSpec:
    users = schema.users
    roles = {r.value: _role_label(r, lang) for r in Role}

    def query() -> Select[Any]:
        return select(
            users.c.username.label("username"),
            users.c.display_name.label("display_name"),
            users.c.email.label("email"),
            case(roles, value=users.c.role, else_=users.c.role).label("role"),
            case((users.c.is_active.is_(True), literal(_(ACTIVE))), else_=literal(_(INACTIVE))).label("status"),
            users.c.last_login_at.label("last_login_at"),
            users.c.created_at.label("created_at"),
        )

    return ListSpec(
        name="users",
        columns=(
            Col("username", N_("Username"), filter="text", link=lambda r: f"/settings/users/{r['username']}"),
            Col("display_name", N_("Display name"), filter="text"),
            Col("email", N_("Email")),
            Col("role", N_("Role"), filter="choice", choices=tuple((v, v) for v in roles.values())),
            Col("status", N_("Status"), filter="choice", choices=((_(ACTIVE), ACTIVE), (_(INACTIVE), INACTIVE))),
            Col("last_login_at", N_("Last sign-in"), kind="datetime"),
            Col("created_at", N_("Created"), kind="datetime"),
        ),
        query=query,
        default_sort="username",
        search=("username", "display_name", "email"),
        empty=N_("No users yet. Add one below."),
    )


def _users_page(
    ctx: Ctx,
    request: Request,
    error: TenbinError | None = None,
    form: dict[str, str] | None = None,
    created: auth.NewUser | None = None,
) -> Response:
    spec = _users_spec(ctx.lang)
    state = ListState.from_query(spec, request.query_params)
    if request.query_params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, spec, state)
    page = fetch_page(ctx.engine, spec, state)
    status = error.status if error else (201 if created else 200)
    roles = [r.value for r in Role]
    return render(
        ctx, "settings/users.html", status=status, page=page, roles=roles, error=error, form=form or {}, created=created
    )


@router.get("/settings/users")
def users_page(request: Request, ctx: Ctx = requires(Permission.USERS_MANAGE)) -> Response:
    return _users_page(ctx, request)


@router.post("/settings/users")
def add_user(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    email: str = Form(""),
    role: str = Form(Role.VIEWER.value),
    ctx: Ctx = requires(Permission.USERS_MANAGE),
) -> Response:
    form = {"username": username, "display_name": display_name, "email": email, "role": role}
    try:
        created = auth.add_user(
            ctx.engine,
            username=username,
            role=role,
            display_name=display_name.strip() or None,
            email=email.strip() or None,
            actor=_actor(ctx),
        )
    except TenbinError as exc:
        return _users_page(ctx, request, exc, form)
    return _users_page(ctx, request, created=created)


def _user_page(ctx: Ctx, username: str, error: TenbinError | None = None, password: str | None = None) -> Response:
    user = next((u for u in auth.list_users(ctx.engine) if u.username == username), None)
    if user is None:
        raise TenbinError(USER_NOT_FOUND, {"username": username})
    status = error.status if error else 200
    roles = [r.value for r in Role]
    return render(ctx, "settings/user.html", status=status, user=user, roles=roles, error=error, password=password)


@router.get("/settings/users/{username}")
def user_page(username: str, ctx: Ctx = requires(Permission.USERS_MANAGE)) -> Response:
    return _user_page(ctx, username)


@router.post("/settings/users/{username}/role")
def set_role(username: str, role: str = Form(""), ctx: Ctx = requires(Permission.USERS_MANAGE)) -> Response:
    try:
        auth.set_role(ctx.engine, username=username, role=role, actor=_actor(ctx))
    except TenbinError as exc:
        return _user_page(ctx, username, exc)
    ctx.flash(_("The role was changed."))
    return RedirectResponse(f"/settings/users/{username}", status_code=303)


@router.post("/settings/users/{username}/reset")
def reset_password(username: str, ctx: Ctx = requires(Permission.USERS_MANAGE)) -> Response:
    password = auth.reset_password(ctx.engine, username=username, actor=_actor(ctx))
    return _user_page(ctx, username, password=password)


@router.post("/settings/users/{username}/active")
def set_active(username: str, active: str = Form(""), ctx: Ctx = requires(Permission.USERS_MANAGE)) -> Response:
    try:
        auth.set_active(ctx.engine, username=username, active=active == "1", actor=_actor(ctx))
    except TenbinError as exc:
        return _user_page(ctx, username, exc)
    ctx.flash(
        _("The user was activated.") if active == "1" else _("The user was deactivated; they can no longer sign in.")
    )
    return RedirectResponse(f"/settings/users/{username}", status_code=303)
