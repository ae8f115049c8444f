"""The two facts the article's resource rule decides by, and sales capacity for a period.

「受注率が悪化し営業リソースが疲弊してきた場合は、質中心に軸足を移していく」: the plan shifts toward
quality when **the win rate has fallen** and **sales capacity is saturated**. The plan takes the two
facts as an explicit :class:`Pressure`; :func:`assess_pressure` derives them from the workspace with
the definitions below (deliberately the same as the balance slice's judgement of the two facts in
progress, so that this function can later simply call it):

* **Win rate** of a window = won / closed over the opportunities closed in it (``won`` or ``lost``
  by ``closed_on``): closed deals, not cohorts, so a recent month is not low merely for being young.
  The *recent* window is the last :data:`RECENT_MONTHS` complete calendar months before today, the
  *earlier* one the :data:`RECENT_MONTHS` months before that. **Fallen** when the earlier rate is
  higher by a one-sided Fisher exact test at ``p <`` :data:`ALPHA`, with at least
  :data:`MIN_RECENT_CLOSED` deals closed in the recent window and :data:`MIN_EARLIER_CLOSED` in the
  earlier one (fewer say nothing either way).
* **Sales capacity** (:func:`capacity_between`): teams of kind ``sales`` and ``account_sales``,
  today's roster. A team's capacity is the sum of its active members' when any of them has one,
  else the team's own; weekly capacity when set, else daily: ``weekly × days / 7 + daily ×
  weekdays`` (Monday–Friday). **Saturated** when the leads that reached ``sql`` (商談化, the leads
  sales works; the plan's sales load) in the recent window are at least :data:`SATURATION` of the
  window's capacity. Without a sales capacity nothing is saturated (the status is unknown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, select

from tenbin.balance.periods import last_periods
from tenbin.db import schema as s
from tenbin.metrics.rates import compare
from tenbin.metrics.service import IcpRateQuery, compute_icp_rate
from tenbin.plan.history import OPPORTUNITY_STAGE
from tenbin.workspace.service import list_members, list_teams

RULE_MODES = ("auto", "on", "off")
SALES_KINDS = ("sales", "account_sales")
RECENT_MONTHS = 3
ALPHA = 0.05
MIN_RECENT_CLOSED = 10
MIN_EARLIER_CLOSED = 20
SATURATION = 0.9


@dataclass(frozen=True)
class Roster:
    """Sales capacity now, summed by unit: leads per week and leads per day."""

    per_week: int
    per_day: int

    @property
    def known(self) -> bool:
        return self.per_week > 0 or self.per_day > 0


@dataclass(frozen=True)
class Pressure:
    """The resource rule's inputs and whether it applies (``mode`` ``on``/``off`` overrides the
    judgement; ``auto`` applies it when both facts hold). The counts say why."""

    mode: str
    win_rate_fallen: bool
    capacity_saturated: bool
    recent_from: dt.date | None = None
    recent_to: dt.date | None = None
    recent_won: int = 0
    recent_closed: int = 0
    earlier_won: int = 0
    earlier_closed: int = 0
    p_fallen: float | None = None
    load: int | None = None  # leads that reached sql in the recent window
    capacity: float | None = None  # sales capacity of the recent window

    @property
    def applies(self) -> bool:
        return self.mode == "on" or (self.mode == "auto" and self.win_rate_fallen and self.capacity_saturated)

    @property
    def enough_deals(self) -> bool:
        return self.recent_closed >= MIN_RECENT_CLOSED and self.earlier_closed >= MIN_EARLIER_CLOSED


def weekdays(first: dt.date, last: dt.date) -> int:
    """Monday–Friday days from ``first`` to ``last``, both included."""
    days = (last - first).days + 1
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum(1 for k in range(rest) if (first.weekday() + k) % 7 < 5)


def capacity_between(roster: Roster, first: dt.date, last: dt.date) -> float | None:
    """Leads the sales roster can take from ``first`` to ``last`` (inclusive); None when unknown."""
    if not roster.known:
        return None
    days = max((last - first).days + 1, 0)
    return roster.per_week * days / 7 + roster.per_day * weekdays(first, last)


def sales_roster(engine: Engine) -> Roster:
    """Today's sales capacity (see the module docstring)."""
    per_week = per_day = 0
    for team in list_teams(engine):
        if team.kind not in SALES_KINDS:
            continue
        members = [m for m in list_members(engine, team_id=team.id) if m.is_active]
        sized = [m for m in members if m.capacity_per_week or m.capacity_per_day]
        units = [(m.capacity_per_week, m.capacity_per_day) for m in sized] or [
            (team.capacity_per_week, team.capacity_per_day)
        ]
        for weekly, daily in units:
            if weekly:
                per_week += weekly
            elif daily:
                per_day += daily
    return Roster(per_week, per_day)


def _closed(engine: Engine, first: dt.date, last: dt.date) -> tuple[int, int]:
    o = s.opportunities
    window = and_(o.c.status.in_(("won", "lost")), o.c.closed_on >= first, o.c.closed_on <= last)
    with engine.connect() as conn:
        row = conn.execute(
            select(func.count().label("closed"), func.count().filter(o.c.status == "won").label("won")).where(window)
        ).one()
    return int(row.won), int(row.closed)


def assess_pressure(
    engine: Engine, *, mode: str, today: dt.date, roster: Roster, icp_version: int | None = None
) -> Pressure:
    """The two facts from the workspace (see the module docstring), with the ``mode`` override."""
    months = last_periods("month", 2 * RECENT_MONTHS + 1, today)[:-1]  # complete months only
    earlier, recent = months[:RECENT_MONTHS], months[RECENT_MONTHS:]
    recent_won, recent_closed = _closed(engine, recent[0].start, recent[-1].end)
    earlier_won, earlier_closed = _closed(engine, earlier[0].start, earlier[-1].end)
    change = compare(earlier_won, earlier_closed, recent_won, recent_closed)
    enough = recent_closed >= MIN_RECENT_CLOSED and earlier_closed >= MIN_EARLIER_CLOSED
    fallen = enough and (change.difference or 0.0) > 0 and change.p_icp_higher < ALPHA
    query = IcpRateQuery(icp_version=icp_version, stage=OPPORTUNITY_STAGE, period_from=recent[0].start,
                         period_to=recent[-1].end)  # fmt: skip
    load = compute_icp_rate(engine, query).overall[0].total
    capacity = capacity_between(roster, recent[0].start, recent[-1].end)
    saturated = capacity is not None and capacity > 0 and load >= SATURATION * capacity
    return Pressure(mode, fallen, saturated, recent[0].start, recent[-1].end, recent_won, recent_closed,
                    earlier_won, earlier_closed, change.p_icp_higher if enough else None, load, capacity)  # fmt: skip
