"""What a routing decision reads from the database: the leads' ICP fit and account, the teams with
their loads, the current decisions, and the row locks that serialise decisions on PostgreSQL.

**Load** (see :mod:`tenbin.routing.decide`): current decisions (``superseded_at IS NULL``) of a
member / team decided in ``[day_start, day_start + 1 day)`` and ``[week_start, week_start + 7 days)``,
workspace-local, weeks from Monday.

**Locks**: on SQLite the caller's ``BEGIN IMMEDIATE`` write transaction already serialises every
writer. On PostgreSQL a decision locks the rows of the teams it may assign to (``SELECT … FOR
UPDATE``, in id order) and the lead's row, and reads the loads and the current decision only after
the locks; in READ COMMITTED each statement sees every transaction committed before it, so two
decisions for the same team never both see the last free slot. Order: a transaction about one lead
(intake, which has written the lead already; an override) holds the lead's row first, then takes the
team rows; a batch takes every team row first, then the leads with ``SKIP LOCKED`` (a lead held
elsewhere is that transaction's to route), so a batch never waits for a lead while holding teams
and the locks cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, exists, func, or_, select

from tenbin.db import schema as s
from tenbin.errors import TenbinError
from tenbin.icp import errors as icp_errors
from tenbin.icp.versions import IcpVersion, definition_sql, get_version, version_definition
from tenbin.routing import errors as e
from tenbin.routing.decide import MemberSlot, TeamSlot

D = s.routing_decisions


def local_now(timezone: str = "Asia/Tokyo") -> dt.datetime:
    """Now, naive in workspace-local time (how tenbin stores timestamps)."""
    return dt.datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Window:
    """Today and this week in workspace-local time."""

    day_start: dt.datetime
    week_start: dt.datetime

    @classmethod
    def of(cls, now: dt.datetime) -> Window:
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(day, day - dt.timedelta(days=day.weekday()))

    @property
    def day_end(self) -> dt.datetime:
        return self.day_start + dt.timedelta(days=1)

    @property
    def week_end(self) -> dt.datetime:
        return self.week_start + dt.timedelta(days=7)

    def in_day(self, at: dt.datetime) -> bool:
        return self.day_start <= at < self.day_end

    def in_week(self, at: dt.datetime) -> bool:
        return self.week_start <= at < self.week_end


@dataclass(frozen=True)
class Icp:
    version: IcpVersion
    condition: ColumnElement[bool]


def current_icp(conn: Connection) -> Icp:
    """The adopted ICP version and its SQL condition; ROUTING_NO_ICP when none is adopted."""
    try:
        version = get_version(conn)
    except TenbinError as error:
        if error.error is icp_errors.ICP_NO_CURRENT:
            raise TenbinError(e.ROUTING_NO_ICP, {}) from None
        raise
    return Icp(version, definition_sql(version_definition(conn, version)))


@dataclass(frozen=True)
class LeadRow:
    contact_id: int
    account_id: int | None
    is_named: bool
    is_icp: bool


_lead_queries: dict[int, tuple[ColumnElement[bool], Any]] = {}


def _lead_query(icp: Icp) -> Any:
    """The lead-rows statement for this ICP condition, built once per condition object (a statement
    object reused keeps its compiled form and cache key)."""
    found = _lead_queries.get(id(icp.condition))
    if found is not None and found[0] is icp.condition:
        return found[1]
    c, a = s.contacts, s.accounts
    flag = case((and_(a.c.id.is_not(None), icp.condition), 1), else_=0)
    query = (
        select(c.c.id, c.c.account_id, func.coalesce(a.c.is_named_account, False).label("named"), flag.label("icp"))
        .select_from(c.outerjoin(a, a.c.id == c.c.account_id))
        .where(c.c.id.in_(bindparam("ids", expanding=True)))
    )
    if len(_lead_queries) > 32:
        _lead_queries.clear()
    _lead_queries[id(icp.condition)] = (icp.condition, query)
    return query


def lead_rows(conn: Connection, contact_ids: Sequence[int], icp: Icp) -> dict[int, LeadRow]:
    """ICP fit and the named-account flag of the leads (a lead without an account is not ICP)."""
    rows = conn.execute(_lead_query(icp), {"ids": list(contact_ids)})
    return {r.id: LeadRow(r.id, r.account_id, bool(r.named), bool(r.icp)) for r in rows}


def open_condition(conn: Connection) -> ColumnElement[bool]:
    """An open lead: it has not reached the won stage (or a later one) and no opportunity of the lead
    is closed (won or lost)."""
    c, se, fs, o = s.contacts, s.stage_events, s.funnel_stages, s.opportunities
    won = conn.execute(select(fs.c.position).where(fs.c.code == "won")).scalar_one_or_none()
    closed = exists().where(o.c.contact_id == c.c.id, o.c.status.in_(("won", "lost")))
    parts = [~closed]
    if won is not None:
        reached = exists().where(se.c.contact_id == c.c.id, se.c.stage_id == fs.c.id, fs.c.position >= won).correlate(c)
        parts.append(~reached)
    return and_(*parts)


def open_lead_ids(
    conn: Connection, *, decided: bool | None, contact_ids: Iterable[int] | None = None,
    since: dt.datetime | None = None,
) -> list[int]:  # fmt: skip
    """Open leads, in id order: without a current decision (``decided=False``), with one (``True``) or
    all; ``since``: acquired then or later."""
    c = s.contacts
    query = select(c.c.id).where(open_condition(conn)).order_by(c.c.id)
    if since is not None:
        query = query.where(c.c.acquired_at >= since)
    has_current = exists().where(D.c.contact_id == c.c.id, D.c.superseded_at.is_(None))
    if decided is True:
        query = query.where(has_current)
    elif decided is False:
        query = query.where(~has_current)
    if contact_ids is not None:
        query = query.where(c.c.id.in_(list(contact_ids)))
    return [int(i) for i in conn.execute(query).scalars()]


def existing_ids(conn: Connection, contact_ids: Iterable[int]) -> set[int]:
    ids = list(contact_ids)
    return set(conn.execute(select(s.contacts.c.id).where(s.contacts.c.id.in_(ids))).scalars()) if ids else set()


_LOCK_TEAMS_OF_KINDS = (
    select(s.teams.c.id).where(s.teams.c.kind.in_(bindparam("kinds", expanding=True))).order_by(s.teams.c.id)
).with_for_update()
_LOCK_LEADS = {
    skip: select(s.contacts.c.id)
    .where(s.contacts.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(s.contacts.c.id)
    .with_for_update(skip_locked=skip)
    for skip in (False, True)
}


# -- locks --------------------------------------------------------------------------------------------
def lock_teams(conn: Connection, kinds: Iterable[str] | None = None, team_ids: Iterable[int] | None = None) -> None:
    """Lock the teams' rows (PostgreSQL; SQLite's write lock is already held), in id order."""
    if conn.dialect.name != "postgresql":
        return
    t = s.teams
    if kinds is not None and team_ids is None:
        conn.execute(_LOCK_TEAMS_OF_KINDS, {"kinds": list(kinds)}).all()
        return
    query = select(t.c.id).order_by(t.c.id).with_for_update()
    if kinds is not None:
        query = query.where(t.c.kind.in_(list(kinds)))
    if team_ids is not None:
        query = query.where(t.c.id.in_(list(team_ids)))
    conn.execute(query).all()


def lock_leads(conn: Connection, contact_ids: Sequence[int], *, skip_locked: bool = False) -> set[int]:
    """Lock the leads' rows (PostgreSQL), in id order; returns the ids locked. ``skip_locked`` (batches)
    leaves out leads another transaction holds: that transaction routes them (an intake), or the next
    run does."""
    ids = list(contact_ids)
    if conn.dialect.name != "postgresql" or not ids:
        return set(ids)
    return {int(i) for i in conn.execute(_LOCK_LEADS[skip_locked], {"ids": ids}).scalars()}


# -- teams and loads ------------------------------------------------------------------------------------
def _loads_query() -> Any:
    day = and_(D.c.decided_at >= bindparam("day_start"), D.c.decided_at < bindparam("day_end"))
    return (
        select(D.c.team_id, D.c.member_id, func.sum(case((day, 1), else_=0)), func.count())
        .where(
            D.c.superseded_at.is_(None),
            D.c.decided_at >= bindparam("week_start"),
            D.c.decided_at < bindparam("week_end"),
            or_(D.c.team_id.is_not(None), D.c.member_id.is_not(None)),
        )
        .group_by(D.c.team_id, D.c.member_id)
    )


def _members_query() -> Any:
    m = s.team_members
    # when each member was last given a lead (a current decision): one index lookup per member
    last = (
        select(D.c.decided_at)
        .where(D.c.member_id == m.c.id, D.c.superseded_at.is_(None))
        .order_by(D.c.decided_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(m, last.label("last_assigned_at")).where(m.c.is_active.is_(True)).order_by(m.c.team_id, m.c.id)


# built once: a statement object reused keeps its compiled form and cache key
LOADS, MEMBERS, TEAMS = _loads_query(), _members_query(), select(s.teams).order_by(s.teams.c.id)


def _loads(conn: Connection, window: Window) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """(today, this week) per team and per member, from one pass over the week's current decisions."""
    bounds = {"day_start": window.day_start, "day_end": window.day_end, "week_start": window.week_start,
              "week_end": window.week_end}  # fmt: skip
    teams: dict[int, tuple[int, int]] = {}
    members: dict[int, tuple[int, int]] = {}
    for team_id, member_id, day, week in conn.execute(LOADS, bounds):
        for key, loads in ((team_id, teams), (member_id, members)):
            if key is not None:
                before = loads.get(int(key), (0, 0))
                loads[int(key)] = (before[0] + int(day or 0), before[1] + int(week))
    return teams, members


def team_slots(conn: Connection, window: Window) -> list[TeamSlot]:
    """Every team with its active members and their loads (call after the locks)."""
    team_loads, member_loads = _loads(conn, window)
    members: dict[int, list[MemberSlot]] = {}
    for r in conn.execute(MEMBERS):
        day, week = member_loads.get(r.id, (0, 0))
        slot = MemberSlot(
            r.id, r.team_id, r.name, r.capacity_per_day, r.capacity_per_week, day, week, r.last_assigned_at
        )
        members.setdefault(r.team_id, []).append(slot)
    slots = []
    for r in conn.execute(TEAMS):
        day, week = team_loads.get(r.id, (0, 0))
        slots.append(TeamSlot(r.id, r.name, r.kind, r.capacity_per_day, r.capacity_per_week, day, week,
                              tuple(members.get(r.id, ()))))  # fmt: skip
    return slots


# -- current decisions ---------------------------------------------------------------------------------
def decision_query() -> Any:
    """Decisions with their team's name and kind and their member's name and state."""
    t, m = s.teams, s.team_members
    return select(
        D, t.c.name.label("team_name"), t.c.kind.label("team_kind"), m.c.name.label("member_name"),
        m.c.is_active.label("member_active"),
    ).select_from(D.outerjoin(t, t.c.id == D.c.team_id).outerjoin(m, m.c.id == D.c.member_id))  # fmt: skip


def current_rows(conn: Connection, contact_ids: Sequence[int]) -> dict[int, Any]:
    if not contact_ids:
        return {}
    return {r.contact_id: r for r in conn.execute(CURRENT, {"ids": list(contact_ids)})}


CURRENT = decision_query().where(D.c.contact_id.in_(bindparam("ids", expanding=True)), D.c.superseded_at.is_(None))


def member_lost(row: Any) -> bool:
    """The decision named a member who is gone (deleted: the id was set NULL) or inactive now."""
    assigned = ((row.reason or {}).get("facts") or {}).get("assigned") or {}
    if assigned.get("member_id") is not None and row.member_id is None:
        return True
    return row.member_id is not None and not row.member_active


def open_filter(conn: Connection) -> ColumnElement[bool]:
    """Decisions of open leads (joined through ``routing_decisions.contact_id``)."""
    c = s.contacts
    return D.c.contact_id.in_(select(c.c.id).where(open_condition(conn)))
