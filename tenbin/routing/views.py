"""Read-only views of routing for the pages and the API: the queue per team / member with SLA clocks,
the teams' loads against their capacities, the 2×2 matrix with drill-down ids, a lead's history.

Only current decisions of open leads (:func:`tenbin.routing.state.open_condition`) are in the
queue and the matrix: a won or lost lead leaves them. The SLA clock of a decision runs from its
``decided_at`` for the quadrant's business hours (:mod:`tenbin.routing.sla`, settings in
:mod:`tenbin.routing.settings`) and stops when the lead is marked handled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from tenbin.db import schema as s
from tenbin.routing import decide, state
from tenbin.routing.settings import RoutingSettings, routing_settings
from tenbin.routing.sla import business_due

D = state.D


@dataclass(frozen=True)
class QueueItem:
    decision_id: int
    contact_id: int
    lead_name: str
    email: str | None
    account_id: int | None
    account_name: str | None
    quadrant: str
    action: str
    team_id: int | None
    team_name: str | None
    member_id: int | None
    member_name: str | None
    watch: bool
    likelihood: float | None
    trigger: str
    decided_at: dt.datetime
    handled_at: dt.datetime | None
    sla_due: dt.datetime
    overdue: bool  # not handled and past due (or handled after the due time)
    reason: dict[str, Any]  # the "ja" and "en" sentences (the facts: history / current_decision)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _queue_query(conn: Connection) -> Any:
    """The queue's columns: the reason's two sentences read in SQL, not the whole facts document."""
    c, a, t, m = s.contacts, s.accounts, s.teams, s.team_members
    name = func.trim(func.coalesce(c.c.last_name, "") + " " + func.coalesce(c.c.first_name, ""))
    return (
        select(
            D.c.id, D.c.contact_id, D.c.quadrant, D.c.action, D.c.team_id, D.c.member_id, D.c.watch, D.c.likelihood,
            D.c.trigger, D.c.decided_at, D.c.handled_at, D.c.reason["ja"].as_string().label("reason_ja"),
            D.c.reason["en"].as_string().label("reason_en"), t.c.name.label("team_name"),
            m.c.name.label("member_name"), name.label("lead_name"), c.c.email, a.c.id.label("account_id"),
            a.c.name.label("account_name"),
        )
        .select_from(
            D.join(c, c.c.id == D.c.contact_id)
            .outerjoin(a, a.c.id == c.c.account_id)
            .outerjoin(t, t.c.id == D.c.team_id)
            .outerjoin(m, m.c.id == D.c.member_id)
        )
        .where(D.c.superseded_at.is_(None), state.open_filter(conn))
    )  # fmt: skip


def queue(
    conn: Connection, *, team_id: int | None = None, member_id: int | None = None, unassigned: bool = False,
    include_handled: bool = True, now: dt.datetime | None = None, limit: int | None = None,
    quadrant: str | None = None,
) -> list[QueueItem]:  # fmt: skip
    """Current decisions of open leads (of a team / member / quadrant, or the unassigned ones),
    unhandled first, earliest SLA due first."""
    now = now or state.local_now()
    config = routing_settings(conn)
    query = _queue_query(conn)
    if team_id is not None:
        query = query.where(D.c.team_id == team_id)
    if member_id is not None:
        query = query.where(D.c.member_id == member_id)
    if unassigned:
        query = query.where(D.c.team_id.is_(None))
    if quadrant is not None:
        query = query.where(D.c.quadrant == quadrant)
    if not include_handled:
        query = query.where(D.c.handled_at.is_(None))
    items = [_item(r, config, now) for r in conn.execute(query.order_by(D.c.decided_at, D.c.id))]
    items.sort(key=lambda i: (i.handled_at is not None, i.sla_due, i.decision_id))
    return items[:limit] if limit is not None else items


def _item(r: Any, config: RoutingSettings, now: dt.datetime) -> QueueItem:
    due = business_due(r.decided_at, config.sla_hours[r.quadrant], config.business_hours)
    overdue = (r.handled_at or now) > due
    return QueueItem(
        int(r.id), int(r.contact_id), r.lead_name or "", r.email, r.account_id, r.account_name, r.quadrant, r.action,
        r.team_id, r.team_name, r.member_id, r.member_name, bool(r.watch), r.likelihood, r.trigger, r.decided_at,
        r.handled_at, due, overdue, {"ja": r.reason_ja, "en": r.reason_en},
    )  # fmt: skip


@dataclass(frozen=True)
class MemberLoad:
    id: int
    name: str
    capacity_day: int | None
    capacity_week: int | None
    load_day: int
    load_week: int
    left: float | None  # None: unlimited
    open: int  # current, unhandled decisions (any day)


@dataclass(frozen=True)
class TeamLoad:
    id: int
    name: str
    kind: str
    capacity_day: int | None
    capacity_week: int | None
    load_day: int
    load_week: int
    left: float | None
    open: int
    members: tuple[MemberLoad, ...]


def _open_counts(conn: Connection, column: Any) -> dict[int, int]:
    query = (
        select(column, func.count())
        .where(column.is_not(None), D.c.superseded_at.is_(None), D.c.handled_at.is_(None), state.open_filter(conn))
        .group_by(column)
    )
    return {int(k): int(n) for k, n in conn.execute(query)}


def _left(value: float) -> float | None:
    return None if value == float("inf") else value


def team_loads(conn: Connection, now: dt.datetime | None = None) -> list[TeamLoad]:
    """Per team and active member: assignments today and this week against the capacities, what is
    left, and the unhandled leads they hold."""
    window = state.Window.of(now or state.local_now())
    open_team, open_member = _open_counts(conn, D.c.team_id), _open_counts(conn, D.c.member_id)
    result = []
    for t in state.team_slots(conn, window):
        members = tuple(
            MemberLoad(m.id, m.name, m.capacity_day, m.capacity_week, m.load_day, m.load_week,
                       _left(decide.member_left(m)), open_member.get(m.id, 0))
            for m in t.members
        )  # fmt: skip
        result.append(TeamLoad(t.id, t.name, t.kind, t.capacity_day, t.capacity_week, t.load_day, t.load_week,
                               _left(decide.team_left(t)), open_team.get(t.id, 0), members))  # fmt: skip
    return result


@dataclass(frozen=True)
class Cell:
    quadrant: str
    count: int
    contact_ids: tuple[int, ...]
    by_action: dict[str, int]
    watch: int
    unhandled: int


def matrix(conn: Connection) -> dict[str, Cell]:
    """The 2×2: per quadrant the current decisions of open leads, their lead ids (drill-down), counts
    per action, the watched and the unhandled."""
    query = (
        select(D.c.quadrant, D.c.action, D.c.contact_id, D.c.watch, D.c.handled_at)
        .where(D.c.superseded_at.is_(None), state.open_filter(conn))
        .order_by(D.c.contact_id)
    )
    ids: dict[str, list[int]] = {q: [] for q in decide.QUADRANTS}
    actions: dict[str, dict[str, int]] = {q: {} for q in decide.QUADRANTS}
    watch = dict.fromkeys(decide.QUADRANTS, 0)
    unhandled = dict.fromkeys(decide.QUADRANTS, 0)
    for r in conn.execute(query):
        ids[r.quadrant].append(int(r.contact_id))
        actions[r.quadrant][r.action] = actions[r.quadrant].get(r.action, 0) + 1
        watch[r.quadrant] += int(bool(r.watch))
        unhandled[r.quadrant] += int(r.handled_at is None)
    return {q: Cell(q, len(ids[q]), tuple(ids[q]), actions[q], watch[q], unhandled[q]) for q in decide.QUADRANTS}


def history_rows(conn: Connection, contact_id: int) -> list[Any]:
    """Every decision of a lead, oldest first."""
    return list(conn.execute(state.decision_query().where(D.c.contact_id == contact_id).order_by(D.c.id)))
