"""Routing pages: the queue per team and member with capacity bars and SLA timers (``/routing``), the
ICP × likelihood 2×2 with counts and drill-down (``/routing/matrix``), and the batch run button.

Everyone signed in reads (``view``); running routing needs ``routing.run``; the drill-down lists
download as CSV/XLSX with ``export`` (they list people). The numbers come from
:mod:`tenbin.routing.views` (current decisions of open leads); leads not yet routed are placed in
the 2×2 by today's ICP and likelihood, as the next run would place them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, func, select

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.i18n import N_
from tenbin.i18n import gettext as _
from tenbin.likelihood.service import likelihood_threshold, score_contacts
from tenbin.routing import decide, state, views
from tenbin.routing import errors as routing_errors
from tenbin.routing.service import RunResult, run_routing
from tenbin.routing.text import QUADRANT_LABELS
from tenbin.web import chart_export as ce
from tenbin.web.context import Ctx, requires
from tenbin.web.errors import NOT_FOUND
from tenbin.web.pages import page_router
from tenbin.web.pages.leads import labels
from tenbin.web.render import render

router = page_router()

QUEUE_LIMIT = 100  # rows shown on the queue page (filters narrow it)
PAGE_SIZE = 100  # rows per drill-down page
SETS = ("routed", "unrouted", "watch")

# What each quadrant means (DOMAIN.md §6): (the hand-off, what to do next).
POLICY = {
    "icp_high": (N_("Hand to sales at once"), N_("Follow up fast; account sales owns named accounts.")),
    "icp_low": (
        N_("To sales if sales has capacity, else inside sales"),
        N_("Inside sales keeps the relationship warm until the lead is ready."),
    ),
    "non_icp_high": (N_("Digital sales"), N_("Future ICPs may hide here: these leads are watched.")),
    "non_icp_low": (N_("Digital nurturing"), N_("Keep qualifying; approach at the right time.")),
}


# -- shared state of the pages ----------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    no_icp: bool
    no_teams: bool
    nothing_routed: bool
    icp_version: int | None


def _status(conn: Connection) -> Status:
    teams = int(conn.execute(select(func.count()).select_from(schema.teams)).scalar_one())
    decisions = conn.execute(select(schema.routing_decisions.c.id).limit(1)).first()
    try:
        version: int | None = state.current_icp(conn).version.version
    except TenbinError as error:
        if error.error is not routing_errors.ROUTING_NO_ICP:
            raise
        version = None
    return Status(version is None, teams == 0, decisions is None, version)


def _span(delta: dt.timedelta, lang: str) -> str:
    """A duration for a timer: 3日4時間 / 2時間5分 / 12分 (en: 3 d 4 h / 2 h 5 min / 12 min)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang == "en":
        parts = [f"{days} d", f"{hours} h"] if days else ([f"{hours} h", f"{mins} min"] if hours else [f"{mins} min"])
        return " ".join(parts)
    if days:
        return f"{days}日{hours}時間"
    return f"{hours}時間{mins}分" if hours else f"{mins}分"


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


# -- the queue ----------------------------------------------------------------------------------------
def _bar(load: int, capacity: int | None) -> dict[str, Any]:
    full = capacity is not None and load >= capacity
    width = 100.0 if full else (0.0 if not capacity else round(100 * load / capacity, 1))
    return {"load": load, "capacity": capacity, "full": full, "width": width}


def _load_cards(loads: Sequence[views.TeamLoad], member_id: int | None) -> list[dict[str, Any]]:
    """Per team: one row for the team and one per active member, each with today's and this week's bar."""
    cards = []
    for t in loads:
        rows: list[dict[str, Any]] = [{"label": _("Team"), "member_id": None, "day": _bar(t.load_day, t.capacity_day),
                 "week": _bar(t.load_week, t.capacity_week)}]  # fmt: skip
        rows += [
            {"label": m.name, "member_id": m.id, "day": _bar(m.load_day, m.capacity_day),
             "week": _bar(m.load_week, m.capacity_week)}
            for m in t.members
            if member_id is None or m.id == member_id
        ]  # fmt: skip
        # full: the team's own capacity is used up, or every active member's is
        full = t.left == 0 or (bool(t.members) and all(m.left == 0 for m in t.members))
        cards.append({"id": t.id, "name": t.name, "kind": t.kind, "rows": rows, "full": full})
    return cards


def _queue_rows(items: Sequence[views.QueueItem], now: dt.datetime, lang: str) -> list[dict[str, Any]]:
    rows = []
    for i in items:
        rows.append({
            "contact_id": i.contact_id, "name": i.lead_name or i.email or f"#{i.contact_id}",
            "account_id": i.account_id, "company": i.account_name, "quadrant": i.quadrant, "action": i.action,
            "likelihood": i.likelihood, "team_name": i.team_name, "member_name": i.member_name, "watch": i.watch,
            "unassigned": i.team_id is None, "handled_at": i.handled_at, "due_at": i.sla_due,
            "overdue": i.overdue and i.handled_at is None, "age": _span(now - i.decided_at, lang),
            "left": _span(i.sla_due - now, lang), "late": _span(now - i.sla_due, lang),
        })  # fmt: skip
    return rows


def _teams(conn: Connection) -> list[dict[str, Any]]:
    t, m = schema.teams, schema.team_members
    members: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(select(m.c.id, m.c.team_id, m.c.name).where(m.c.is_active.is_(True)).order_by(m.c.name)):
        members.setdefault(int(r.team_id), []).append({"id": int(r.id), "name": r.name})
    return [{"id": int(r.id), "name": r.name, "kind": r.kind, "members": members.get(int(r.id), [])}
            for r in conn.execute(select(t.c.id, t.c.name, t.c.kind).order_by(t.c.name))]  # fmt: skip


@router.get("/routing")
def queue_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    params = request.query_params
    summary = request.session.pop(RUN_KEY, None)
    quadrant = params.get("quadrant") if params.get("quadrant") in decide.QUADRANTS else None
    team_id, member_id, handled = _int(params.get("team")), _int(params.get("member")), params.get("handled") == "1"
    sel = {"team": team_id, "member": member_id, "quadrant": quadrant, "handled": handled}
    now = state.local_now()
    with ctx.engine.connect() as conn:
        status = _status(conn)
        teams = _teams(conn)
        loads = views.team_loads(conn, now)
        items = views.queue(conn, team_id=team_id, member_id=member_id, include_handled=handled, now=now)
    if team_id is not None:
        loads = [t for t in loads if t.id == team_id]
    if quadrant is not None:
        items = [i for i in items if i.quadrant == quadrant]
    # unassigned ("all full") first, then as the routing slice orders them: unhandled, earliest due first
    items = sorted(items, key=lambda i: i.team_id is not None)
    return render(
        ctx, "routing/queue.html", sel=sel, teams=teams, loads=_load_cards(loads, member_id),
        items=_queue_rows(items[:QUEUE_LIMIT], now, ctx.lang), truncated=len(items) > QUEUE_LIMIT, total=len(items),
        no_icp=status.no_icp, no_teams=status.no_teams, nothing_routed=status.nothing_routed, summary=summary,
        **labels(ctx.lang),
    )  # fmt: skip


RUN_KEY = "routing_run"  # the last run's summary, shown once on the queue page


def _run_summary(result: RunResult) -> dict[str, Any]:
    """What the queue page shows after a run (kept small: it travels in the signed session cookie)."""
    counts = {k: v for k, v in result.as_dict().items() if k in ("considered", "created", "revisited", "unassigned",
                                                                  "kept")}  # fmt: skip
    rows = [[r["quadrant"], r["team"], r["action"], r["count"]] for r in result.summary()[:16]]
    return {"counts": counts, "rows": rows}


@router.post("/routing/run")
def run_page(request: Request, ctx: Ctx = requires(Permission.ROUTING_RUN)) -> Response:
    """Route every open lead not yet routed and revisit the others (``tenbin route``); the summary is
    shown on the queue page."""
    assert ctx.user is not None
    result = run_routing(ctx.engine, actor=ctx.user.username)
    request.session[RUN_KEY] = _run_summary(result)
    return RedirectResponse("/routing", status_code=303)


# -- the 2×2 matrix -----------------------------------------------------------------------------------
def unrouted_by_quadrant(conn: Connection) -> dict[str, list[tuple[int, float | None]]]:
    """Open leads without a current decision, placed by today's ICP and likelihood as the next run
    would place them: quadrant → [(lead id, likelihood)] in id order. Needs an adopted ICP."""
    found: dict[str, list[tuple[int, float | None]]] = {q: [] for q in decide.QUADRANTS}
    ids = state.open_lead_ids(conn, decided=False)
    if not ids:
        return found
    leads = state.lead_rows(conn, ids, state.current_icp(conn))
    scores = score_contacts(conn, ids)
    for i in ids:
        score = scores.get(i)
        quadrant = decide.quadrant_of(leads[i].is_icp, None if score is None else score.band)
        found[quadrant].append((i, None if score is None else score.probability))
    return found


def _cell_url(quadrant: str, kind: str) -> str:
    return "/routing/matrix/leads?" + urlencode({"quadrant": quadrant, "set": kind})


@router.get("/routing/matrix")
def matrix_page(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    with ctx.engine.connect() as conn:
        status = _status(conn)
        cells: dict[str, dict[str, Any]] = {}
        threshold = likelihood_threshold(conn)
        if not status.no_icp:
            routed = views.matrix(conn)
            unrouted = unrouted_by_quadrant(conn)
            for q in decide.QUADRANTS:
                c = routed[q]
                cells[q] = {
                    "routed": c.count, "routed_url": _cell_url(q, "routed"), "unrouted": len(unrouted[q]),
                    "unrouted_url": _cell_url(q, "unrouted"), "watch": c.watch, "watch_url": _cell_url(q, "watch"),
                    "actions": [{"action": a, "count": n} for a, n in sorted(c.by_action.items(), key=lambda x: -x[1])],
                }  # fmt: skip
    return render(ctx, "routing/matrix.html", cells=cells, policy=POLICY, threshold=threshold,
                  icp_version=status.icp_version, no_icp=status.no_icp, no_teams=status.no_teams,
                  nothing_routed=status.nothing_routed, **labels(ctx.lang))  # fmt: skip


@dataclass(frozen=True)
class Drill:
    quadrant: str
    kind: str  # routed | unrouted | watch
    rows: list[dict[str, Any]]  # every lead behind the number, in order


def _people(conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
    c, a = schema.contacts, schema.accounts
    name = func.trim(func.coalesce(c.c.last_name, "") + " " + func.coalesce(c.c.first_name, ""))
    query = (
        select(c.c.id, name.label("name"), c.c.email, a.c.id.label("account_id"), a.c.name.label("company"))
        .select_from(c.outerjoin(a, a.c.id == c.c.account_id))
        .where(c.c.id.in_(list(ids)))
    )
    return {int(r.id): r for r in conn.execute(query)} if ids else {}


def _row(
    contact_id: int, name: str | None, account_id: int | None, company: str | None, likelihood: float | None,
    action: str | None = None, team_name: str | None = None, member_name: str | None = None,
    decided_at: dt.datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {"contact_id": contact_id, "name": name or f"#{contact_id}", "account_id": account_id, "company": company,
            "likelihood": likelihood, "action": action, "team_name": team_name, "member_name": member_name,
            "decided_at": decided_at}  # fmt: skip


def drill(conn: Connection, quadrant: str, kind: str) -> Drill:
    """The leads behind one number of the matrix (the same sets the counts are made of)."""
    if kind == "unrouted":
        pairs = unrouted_by_quadrant(conn)[quadrant]
        people = _people(conn, [i for i, _ in pairs])
        rows = [_row(i, (r := people[i]).name or r.email, r.account_id, r.company, p) for i, p in pairs]
        return Drill(quadrant, kind, rows)
    ids = list(views.matrix(conn)[quadrant].contact_ids)  # exactly the leads the matrix counted
    d, t, m = schema.routing_decisions, schema.teams, schema.team_members
    query = (
        select(
            d.c.contact_id,
            d.c.likelihood,
            d.c.action,
            d.c.watch,
            d.c.decided_at,
            t.c.name.label("team_name"),
            m.c.name.label("member_name"),
        )
        .select_from(d.outerjoin(t, t.c.id == d.c.team_id).outerjoin(m, m.c.id == d.c.member_id))
        .where(d.c.superseded_at.is_(None), d.c.contact_id.in_(ids))
        .order_by(d.c.contact_id)
    )
    if kind == "watch":
        query = query.where(d.c.watch.is_(True))
    found = conn.execute(query).all() if ids else []
    people = _people(conn, [r.contact_id for r in found])
    rows = [
        _row(r.contact_id, (p := people[r.contact_id]).name or p.email, p.account_id, p.company, r.likelihood, r.action,
             r.team_name, r.member_name, r.decided_at)
        for r in found
    ]  # fmt: skip
    return Drill(quadrant, kind, rows)


SET_TITLES = {
    "routed": N_("Routed leads"),
    "unrouted": N_("Open leads not yet routed"),
    "watch": N_("Watched: possible future ICP"),
}


def _drill_args(request: Request) -> tuple[str, str]:
    quadrant, kind = request.query_params.get("quadrant", ""), request.query_params.get("set", "routed")
    if quadrant not in decide.QUADRANTS or kind not in SETS:
        raise TenbinError(NOT_FOUND, {"path": request.url.path})
    return quadrant, kind


@router.get("/routing/matrix/leads")
def drill_page(request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    quadrant, kind = _drill_args(request)
    with ctx.engine.connect() as conn:
        if _status(conn).no_icp:
            raise TenbinError(routing_errors.ROUTING_NO_ICP, {})
        found = drill(conn, quadrant, kind)
    total = len(found.rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(_int(request.query_params.get("page")) or 1, 1), pages)
    base = {"quadrant": quadrant, "set": kind}

    def page_url(n: int) -> str:
        return "/routing/matrix/leads?" + urlencode({**base, "page": str(n)})

    return render(
        ctx, "routing/leads.html", quadrant=quadrant, title=_(SET_TITLES[kind]), total=total,
        rows=found.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page=page, pages=pages, page_url=page_url,
        csv_url="/routing/matrix/leads.csv?" + urlencode(base),
        xlsx_url="/routing/matrix/leads.xlsx?" + urlencode(base),
        **labels(ctx.lang),
    )  # fmt: skip


def _drill_file(request: Request, ctx: Ctx, fmt: str) -> Response:
    quadrant, kind = _drill_args(request)
    with ctx.engine.connect() as conn:
        found = drill(conn, quadrant, kind)
    names = labels(ctx.lang)["action_labels"]
    header = [_("Lead ID"), _("Lead"), _("Company"), _("Quadrant"), _("Likelihood (%)"), _("Action"), _("Team"),
              _("Member"), _("Decided")]  # fmt: skip
    quadrant_name = QUADRANT_LABELS[quadrant][1 if ctx.lang == "en" else 0]
    rows: list[list[object]] = [
        [r["contact_id"], r["name"], r["company"], quadrant_name, ce.pct(r["likelihood"]),
         names.get(r["action"], r["action"]) if r["action"] else None, r["team_name"], r["member_name"],
         r["decided_at"]] for r in found.rows
    ]  # fmt: skip
    return ce.table_response(header, rows, fmt=fmt, name=f"tenbin-routing-{quadrant}-{kind}", encoding="utf-8-sig")


@router.get("/routing/matrix/leads.csv")
def drill_csv(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    return _drill_file(request, ctx, "csv")


@router.get("/routing/matrix/leads.xlsx")
def drill_xlsx(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    return _drill_file(request, ctx, "xlsx")
