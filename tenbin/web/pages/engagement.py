"""Engagement pages: the offer ladder's step-up conversion (``/ladder``), an account's individual
seminars with buying-group coverage and whitespace (``/accounts/{id}/seminars``), and the whitespace
list (``/whitespace``). Everyone reads (``view``); recording, changing and deleting seminars and
attendees needs ``seminars.edit`` (CSRF-checked forms; every change is audited by the service)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from tenbin.auth.roles import Permission
from tenbin.engagement import service as svc
from tenbin.errors import TenbinError
from tenbin.i18n import N_, fmt_percent
from tenbin.i18n import gettext as _
from tenbin.web import card
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()
Id = Annotated[int, Path(ge=1, le=2**62)]  # larger ids cannot be stored; refused before the database
ICP_COLOR, NON_ICP_COLOR, INK = "#1f5fa8", "#9aa6b8", "#1d2430"
PAGE_SIZE = 50
ROLE_NAMES = {
    "decision_maker": N_("Decision maker"), "budget_holder": N_("Budget holder"),
    "user_department": N_("User department"), "it_evaluator": N_("IT evaluator"), "influencer": N_("Influencer"),
    "champion": N_("Champion"),
}  # fmt: skip
LEVEL_NAMES = {"staff": N_("Staff"), "manager": N_("Manager"), "director": N_("Director"), "executive": N_("Executive")}


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _day(raw: str, field: str) -> dt.date | None:
    text = raw.strip()
    return svc.parse_day(text, field) if text else None


def _ladder_form(request: Request) -> dict[str, str]:
    return {k: str(request.query_params.get(k, ""))[:20] for k in ("by", "from", "to")}


def _ladder(ctx: Ctx, form: dict[str, str]) -> svc.LadderResult:
    return svc.compute_ladder(ctx.engine, by=form["by"] or "lead", period_from=_day(form["from"], "from"),
                              period_to=_day(form["to"], "to"))  # fmt: skip


@router.get("/ladder")
def ladder_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    form = _ladder_form(request)
    result, error = None, None
    try:
        result = _ladder(ctx, form)
    except TenbinError as exc:
        error = exc
    query = "&".join(f"{k}={v}" for k, v in form.items() if v)
    return render(ctx, "engagement/ladder.html", form=form, result=result, error=error, chart_query=query)


def ladder_spec(result: svc.LadderResult) -> dict[str, Any]:
    """Grouped bars: per rung, the share of ICP and non-ICP subjects that stepped up to any higher rung,
    with the 95 % Wilson interval as a rule; the top rung (nothing above it) is left out."""
    values = []
    for step in result.steps:
        if step.next_rank is None:
            continue
        rung = f"{step.rank}. {'・'.join(step.offers)}"
        for group, p in ((_("ICP"), step.higher.icp), (_("Non-ICP"), step.higher.non_icp)):
            if p.total:
                values.append({"rung": rung, "group": group, "rate": p.rate, "low": p.low, "high": p.high,
                               "label": f"{fmt_percent(p.rate)} ({p.hits:,}/{p.total:,})"})  # fmt: skip
    color = {"field": "group", "type": "nominal", "title": None,
             "scale": {"domain": [_("ICP"), _("Non-ICP")], "range": [ICP_COLOR, NON_ICP_COLOR]}}  # fmt: skip
    x = {"field": "rung", "type": "nominal", "title": _("Rung reached"), "sort": None, "axis": {"labelAngle": 0}}
    y = {"field": "rate", "type": "quantitative", "title": _("Stepped up to a higher rung"),
         "axis": {"format": ".0%"}, "scale": {"domain": [0, 1]}}  # fmt: skip
    return {
        "$schema": card.SCHEMA, "config": {"font": card.WEB_FONT, "view": {"stroke": None},
                                           "legend": {"orient": "bottom"}},
        "data": {"values": values}, "width": "container", "height": 260,
        "encoding": {"x": x, "xOffset": {"field": "group", "sort": [_("ICP"), _("Non-ICP")]}},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True}, "encoding": {"y": y, "color": color}},
            {"mark": {"type": "rule", "color": INK}, "encoding": {"y": {"field": "low", "type": "quantitative"},
                                                                  "y2": {"field": "high"}}},
            {"mark": {"type": "text", "dy": -8, "fontSize": 10, "color": INK},
             "encoding": {"y": {"field": "high", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }  # fmt: skip


@router.get("/ladder/chart.json")
def ladder_chart(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return JSONResponse(ladder_spec(_ladder(ctx, _ladder_form(request))))


# -- one account's seminars --------------------------------------------------------------------------
def _account_page(
    ctx: Ctx, account_id: int, error: TenbinError | None = None, form: dict[str, str] | None = None,
    target: str = "",
) -> Response:  # fmt: skip
    with ctx.engine.connect() as conn:
        found = svc.account_engagement(conn, account_id)
    contacts = svc.account_contacts(ctx.engine, account_id=account_id) if ctx.can(Permission.SEMINARS_EDIT) else []
    return render(ctx, "engagement/account.html", status=error.status if error else 200, found=found,
                  contacts=contacts, roles=ROLE_NAMES, levels=LEVEL_NAMES, key_roles=svc.KEY_ROLES, error=error,
                  form=form or {}, target=target)  # fmt: skip


@router.get("/accounts/{account_id}/seminars")
def account_seminars(account_id: Id, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _account_page(ctx, account_id)


@router.post("/accounts/{account_id}/seminars")
def add_seminar(
    account_id: Id,
    title: str = Form(""),
    held_on: str = Form(""),
    campaign: str = Form(""),
    notes: str = Form(""),
    ctx: Ctx = requires(Permission.SEMINARS_EDIT),
) -> Response:
    form = {"title": title, "held_on": held_on, "campaign": campaign, "notes": notes}
    try:
        found = svc.add_session(ctx.engine, account_id=account_id, title=title, held_on=held_on, campaign=campaign,
                                notes=notes, actor=_actor(ctx))  # fmt: skip
    except TenbinError as exc:
        return _account_page(ctx, account_id, exc, form, target="new")
    ctx.flash(_("The seminar was recorded. Add who attended below."))
    return RedirectResponse(f"/accounts/{account_id}/seminars#seminar-{found.id}", status_code=303)


@router.post("/seminars/{session_id}")
def update_seminar(
    session_id: Id,
    title: str = Form(""),
    held_on: str = Form(""),
    campaign: str = Form(""),
    notes: str = Form(""),
    ctx: Ctx = requires(Permission.SEMINARS_EDIT),
) -> Response:
    account_id = svc.get_session(ctx.engine, session_id=session_id).account_id
    form = {"title": title, "held_on": held_on, "campaign": campaign, "notes": notes}
    try:
        svc.update_session(ctx.engine, session_id=session_id, title=title, held_on=held_on, campaign=campaign,
                           notes=notes, actor=_actor(ctx))  # fmt: skip
    except TenbinError as exc:
        return _account_page(ctx, account_id, exc, form, target=f"edit-{session_id}")
    ctx.flash(_("The seminar was saved."))
    return RedirectResponse(f"/accounts/{account_id}/seminars#seminar-{session_id}", status_code=303)


@router.post("/seminars/{session_id}/delete")
def delete_seminar(session_id: Id, ctx: Ctx = requires(Permission.SEMINARS_EDIT)) -> Response:
    account_id = svc.delete_session(ctx.engine, session_id=session_id, actor=_actor(ctx))
    ctx.flash(_("The seminar and its attendees were deleted."))
    return RedirectResponse(f"/accounts/{account_id}/seminars", status_code=303)


@router.post("/seminars/{session_id}/attendees")
def add_seminar_attendee(
    session_id: Id,
    contact: str = Form(""),
    name: str = Form(""),
    department: str = Form(""),
    role: str = Form(""),
    level: str = Form(""),
    ctx: Ctx = requires(Permission.SEMINARS_EDIT),
) -> Response:
    account_id = svc.get_session(ctx.engine, session_id=session_id).account_id
    form = {"contact": contact, "name": name, "department": department, "role": role, "level": level}
    try:
        svc.add_attendee(ctx.engine, session_id=session_id, contact=contact, name=name, department=department,
                         role=role, level=level, actor=_actor(ctx))  # fmt: skip
    except TenbinError as exc:
        return _account_page(ctx, account_id, exc, form, target=f"attendee-{session_id}")
    ctx.flash(_("The attendee was added."))
    return RedirectResponse(f"/accounts/{account_id}/seminars#seminar-{session_id}", status_code=303)


@router.post("/seminar-attendees/{attendee_id}/delete")
def delete_seminar_attendee(attendee_id: Id, ctx: Ctx = requires(Permission.SEMINARS_EDIT)) -> Response:
    session_id = svc.delete_attendee(ctx.engine, attendee_id=attendee_id, actor=_actor(ctx))
    account_id = svc.get_session(ctx.engine, session_id=session_id).account_id
    ctx.flash(_("The attendee was removed."))
    return RedirectResponse(f"/accounts/{account_id}/seminars#seminar-{session_id}", status_code=303)


def coverage_spec(found: svc.AccountEngagement) -> dict[str, Any]:
    """Key roles and departments engaged after each seminar, over time (a line per measure)."""
    roles, departments = _("Key roles engaged"), _("Departments engaged")
    values = [{"day": c.held_on.isoformat(), "measure": m, "count": n, "title": c.title}
              for c in found.coverage
              for m, n in ((roles, len(c.roles_after)), (departments, len(c.departments_after)))]  # fmt: skip
    color = {"field": "measure", "type": "nominal", "title": None,
             "scale": {"domain": [roles, departments], "range": [ICP_COLOR, NON_ICP_COLOR]}}  # fmt: skip
    return {
        "$schema": card.SCHEMA, "config": {"font": card.WEB_FONT, "view": {"stroke": None},
                                           "legend": {"orient": "bottom"}},
        "data": {"values": values}, "width": "container", "height": 180,
        "mark": {"type": "line", "point": True, "interpolate": "step-after", "tooltip": True},
        "encoding": {"x": {"field": "day", "type": "temporal", "title": _("Held on")},
                     "y": {"field": "count", "type": "quantitative", "title": None, "axis": {"tickMinStep": 1}},
                     "color": color},
    }  # fmt: skip


@router.get("/accounts/{account_id}/seminars/coverage.json")
def coverage_chart(account_id: Id, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    with ctx.engine.connect() as conn:
        found = svc.account_engagement(conn, account_id)
    return JSONResponse(coverage_spec(found))


# -- whitespace ------------------------------------------------------------------------------------
@router.get("/whitespace")
def whitespace_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    icp_first = request.query_params.get("icp_first") == "1"
    raw_page = str(request.query_params.get("page", "1"))
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    result = svc.compute_whitespace(ctx.engine, icp_first=icp_first)
    pages = max(1, -(-len(result.rows) // PAGE_SIZE))
    page = min(page, pages)
    rows = result.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render(ctx, "engagement/whitespace.html", result=result, rows=rows, page=page, pages=pages,
                  icp_first=icp_first, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
