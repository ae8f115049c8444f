"""The counts behind the operating signals, in SQL: the sales roster's capacities, and per period
the leads assigned to sales and the deals closed (SQLAlchemy Core; two statements per call).

Definitions are in :mod:`tenbin.balance.capacity` (sales, capacity, used) and
:mod:`tenbin.balance.trend` (closed deals). A routing decision counts in the period it was made
unless an override replaced it within that period (``superseded_at`` on or before the period's
end); a lead decided twice in a period counts once. The team of a decision is its member's team,
else its own ``team_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Subquery, and_, case, distinct, func, or_, select, true

from tenbin.balance.capacity import SALES_KINDS, Roster
from tenbin.balance.periods import PeriodRange
from tenbin.balance.trend import ClosedDeals
from tenbin.db import schema as s


@dataclass(frozen=True)
class PeriodActivity:
    """One period: routing decisions made (any team), leads routed to sales, opportunities created
    for sales owners, and the deals closed."""

    period: str
    decisions: int
    routed_to_sales: int
    sales_opportunities: int
    deals: ClosedDeals


def roster_statement() -> Select[Any]:
    """One row: teams, members, members_without_capacity, per_week, per_day over the sales teams."""
    t, m = s.teams, s.team_members
    has_capacity = or_(m.c.capacity_per_week.is_not(None), m.c.capacity_per_day.is_not(None))
    per_team = (
        select(
            t.c.capacity_per_week.label("team_week"),
            t.c.capacity_per_day.label("team_day"),
            func.count(m.c.id).label("members"),
            func.count(case((has_capacity, m.c.id))).label("with_capacity"),
            func.coalesce(func.sum(m.c.capacity_per_week), 0).label("week"),
            func.coalesce(func.sum(case((m.c.capacity_per_week.is_(None), m.c.capacity_per_day))), 0).label("day"),
        )
        .select_from(t.outerjoin(m, and_(m.c.team_id == t.c.id, m.c.is_active.is_(True))))
        .where(t.c.kind.in_(SALES_KINDS))
        .group_by(t.c.id, t.c.capacity_per_week, t.c.capacity_per_day)
        .subquery("sales_teams")
    )
    by_members = per_team.c.with_capacity > 0
    team_day = case((per_team.c.team_week.is_(None), func.coalesce(per_team.c.team_day, 0)), else_=0)
    return select(
        func.count().label("teams"),
        func.coalesce(func.sum(per_team.c.members), 0).label("members"),
        func.coalesce(func.sum(case((by_members, per_team.c.members - per_team.c.with_capacity), else_=0)), 0).label(
            "members_without_capacity"
        ),
        func.coalesce(func.sum(case((by_members, per_team.c.week), else_=func.coalesce(per_team.c.team_week, 0))), 0)
        .label("per_week"),
        func.coalesce(func.sum(case((by_members, per_team.c.day), else_=team_day)), 0).label("per_day"),
    )  # fmt: skip


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max)


def _within(column: ColumnElement[Any], r: PeriodRange) -> ColumnElement[bool]:
    """A timestamp on a day of the period (bounds as in the metrics slice: SQLite text timestamps
    compare right with or without fractional seconds)."""
    return and_(column > _end(r.start - dt.timedelta(days=1)), column <= _end(r.end))


def _on(column: ColumnElement[Any], r: PeriodRange) -> ColumnElement[bool]:
    return and_(column >= r.start, column <= r.end)


def _decisions(ranges: Sequence[PeriodRange], span: PeriodRange) -> Subquery:
    """``d{i}`` decisions in force at the end of period i, ``r{i}`` leads among them routed to sales."""
    rd, m, t = s.routing_decisions, s.team_members.alias("decided_member"), s.teams.alias("decided_team")
    to_sales = t.c.kind.in_(SALES_KINDS)
    columns = []
    for i, r in enumerate(ranges):
        kept = or_(rd.c.superseded_at.is_(None), rd.c.superseded_at > _end(r.end))
        counted = and_(_within(rd.c.decided_at, r), kept)
        columns.append(func.count(case((counted, rd.c.id))).label(f"d{i}"))
        columns.append(func.count(distinct(case((and_(counted, to_sales), rd.c.contact_id)))).label(f"r{i}"))
    team_id = func.coalesce(m.c.team_id, rd.c.team_id)
    source = rd.outerjoin(m, m.c.id == rd.c.member_id).outerjoin(t, t.c.id == team_id)
    return select(*columns).select_from(source).where(_within(rd.c.decided_at, span)).subquery("decisions")


def _handed(ranges: Sequence[PeriodRange], span: PeriodRange) -> Subquery:
    """``o{i}`` opportunities created in period i whose owner is an active member of a sales team."""
    o, members, teams = s.opportunities, s.team_members, s.teams
    sales_names = (
        select(members.c.name)
        .select_from(members.join(teams, teams.c.id == members.c.team_id))
        .where(teams.c.kind.in_(SALES_KINDS), members.c.is_active.is_(True))
    )
    columns = [func.count(case((_on(o.c.created_on, r), o.c.id))).label(f"o{i}") for i, r in enumerate(ranges)]
    return select(*columns).where(_on(o.c.created_on, span), o.c.owner.in_(sales_names)).subquery("handed")


def _closed(ranges: Sequence[PeriodRange], span: PeriodRange) -> Subquery:
    """``w{i}`` won and ``c{i}`` closed (won or lost) opportunities by ``closed_on`` in period i."""
    o = s.opportunities
    columns = []
    for i, r in enumerate(ranges):
        won = and_(_on(o.c.closed_on, r), o.c.status == "won")
        columns.append(func.count(case((won, o.c.id))).label(f"w{i}"))
        columns.append(func.count(case((_on(o.c.closed_on, r), o.c.id))).label(f"c{i}"))
    return select(*columns).where(_on(o.c.closed_on, span), o.c.status.in_(("won", "lost"))).subquery("closed")


def activity_statement(ranges: Sequence[PeriodRange]) -> Select[Any]:
    """One row with, for each period i: ``d{i}`` decisions, ``r{i}`` leads routed to sales,
    ``o{i}`` opportunities of sales owners, ``w{i}`` won and ``c{i}`` closed deals. Each part reads
    only the rows dated within the whole span."""
    span = PeriodRange("", ranges[0].start, ranges[-1].end)
    decisions, handed, closed = _decisions(ranges, span), _handed(ranges, span), _closed(ranges, span)
    return select(decisions, handed, closed).select_from(decisions.join(handed, true()).join(closed, true()))


def read_roster(conn: Connection) -> Roster:
    row = conn.execute(roster_statement()).one()
    return Roster(*(int(value) for value in row))


def read_activity(conn: Connection, ranges: Sequence[PeriodRange]) -> list[PeriodActivity]:
    """The counts of every period in ``ranges`` (oldest first), from one statement."""
    row = conn.execute(activity_statement(ranges)).one()._mapping
    return [
        PeriodActivity(r.key, int(row[f"d{i}"]), int(row[f"r{i}"]), int(row[f"o{i}"]),
                       ClosedDeals(r.key, int(row[f"w{i}"]), int(row[f"c{i}"])))
        for i, r in enumerate(ranges)
    ]  # fmt: skip
