"""Sales capacity used (営業リソースの使用率) in a period, as a pure function of counts.

Definitions (the counts come from :mod:`tenbin.balance.activity`, in SQL):

* **Sales** are the teams of kind ``sales`` and ``account_sales`` (:data:`SALES_KINDS`); inside
  sales and digital teams are not sales-side load. The roster is today's (active members now).
* **Capacity** is in leads per day or per week (``teams`` / ``team_members``). A team's capacity
  is the sum of its active members' capacities when at least one of them has one, else the team's
  own capacity. A member's (or team's) weekly capacity is used when set, else the daily one:
  ``weekly × days / 7 + daily × weekdays`` over the days counted, weekdays being Monday–Friday
  (public holidays are not known). The days counted run from the period's first day to its last,
  or to today in the period not over yet, so a running month is compared with the capacity of its
  days so far.
* **Used** is the number of leads assigned to sales in the period: from routing decisions
  (:data:`ROUTING`) when the period has any, else the opportunities created in it whose owner is an
  active member of a sales team (:data:`OPPORTUNITIES`), the hand-over that leaves a trace
  without routing.
* **Share** = used / capacity; **saturated** when share ≥ ``threshold`` (default
  :data:`SATURATION`, 90 %). Without a sales team, or with no capacity set (or only zeros), the
  status is ``unknown``: not 0 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

SALES_KINDS = ("sales", "account_sales")
SATURATION = 0.9

CapacityStatus = Literal["unknown", "available", "saturated"]
LoadSource = Literal["routing", "opportunities"]
ROUTING: LoadSource = "routing"
OPPORTUNITIES: LoadSource = "opportunities"


@dataclass(frozen=True)
class Roster:
    """The sales teams now: how many, their active members, members without a capacity in teams
    counted by their members, and the capacities summed by unit (leads per week, leads per day)."""

    teams: int
    members: int
    members_without_capacity: int
    per_week: int
    per_day: int


@dataclass(frozen=True)
class CapacityUse:
    """Sales load against sales capacity in one period (see the module docstring).

    ``capacity`` and ``share`` are ``None`` when the status is ``unknown``; ``days`` is the number of
    days counted (up to today in a running period)."""

    period: str
    days: int
    source: LoadSource
    used: int
    capacity: float | None
    share: float | None
    threshold: float
    status: CapacityStatus
    roster: Roster

    @property
    def saturated(self) -> bool | None:
        """True/False, or None when the capacity is unknown."""
        return None if self.status == "unknown" else self.status == "saturated"


def weekdays(first: dt.date, last: dt.date) -> int:
    """Monday–Friday days from ``first`` to ``last``, both included (0 when ``last < first``)."""
    days = (last - first).days + 1
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for k in range(rest) if (start + k) % 7 < 5)


def period_capacity(roster: Roster, first: dt.date, last: dt.date) -> float:
    """Leads the roster can take from ``first`` to ``last`` (inclusive)."""
    days = max((last - first).days + 1, 0)
    return roster.per_week * days / 7 + roster.per_day * weekdays(first, last)


def capacity_use(
    period: str,
    first: dt.date,
    last: dt.date,
    roster: Roster,
    *,
    used: int,
    source: LoadSource,
    threshold: float = SATURATION,
) -> CapacityUse:
    """The capacity used from ``first`` to ``last`` (the caller cuts ``last`` at today)."""
    days = max((last - first).days + 1, 0)
    capacity = period_capacity(roster, first, last)
    if capacity <= 0:
        return CapacityUse(period, days, source, used, None, None, threshold, "unknown", roster)
    share = used / capacity
    # rounded like the ICP rate in :mod:`tenbin.balance.state`: 27 / 30 is exactly 90 %
    status: CapacityStatus = "saturated" if round(share, 9) >= threshold else "available"
    return CapacityUse(period, days, source, used, capacity, share, threshold, status, roster)
