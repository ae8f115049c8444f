"""The article's resource rule for the plan, judged by the balance slice, with an override.

「受注率が悪化し営業リソースが疲弊してきた場合は、質中心に軸足を移していく」: the plan shifts toward
quality when **the win rate has fallen** and **sales capacity is saturated**. Both facts are judged
once, by :func:`tenbin.balance.service.resource_pressure`, for the last complete month: the win rate
of the deals closed in it against the months before it (pooled, one-sided Fisher test; too few
closed deals say nothing), and the leads handed to sales in it (routing decisions, else
opportunities of sales owners) against the sales teams' capacity (saturated at 90 %). That is the
same judgement `tenbin balance`, the balance API and the dashboard show, so the plan never
disagrees with them. ``mode`` ``on``/``off`` overrides it.

The plan's own sales-capacity limit for the planned period uses the same roster and the same
arithmetic (:func:`tenbin.balance.capacity.period_capacity`: weekly × days / 7, else daily ×
weekdays).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from tenbin.balance.activity import read_roster
from tenbin.balance.capacity import period_capacity
from tenbin.balance.service import Pressure as Judgement
from tenbin.balance.service import resource_pressure

RULE_MODES = ("auto", "on", "off")
JUDGED_PERIOD = "month"


@dataclass(frozen=True)
class Pressure:
    """The resource rule's inputs for a plan: the balance slice's ``judgement`` and the ``mode``
    (``auto`` applies the rule when both facts hold; ``on``/``off`` force it)."""

    mode: str
    judgement: Judgement

    @property
    def win_rate_fallen(self) -> bool:
        return self.judgement.win_rate_fallen

    @property
    def capacity_saturated(self) -> bool:
        return self.judgement.capacity_saturated

    @property
    def applies(self) -> bool:
        return self.mode == "on" or (self.mode == "auto" and self.judgement.shift_to_quality)


def assess_pressure(engine: Engine, *, mode: str, today: dt.date) -> Pressure:
    """The balance slice's judgement of the last complete month before ``today``, with ``mode``."""
    return Pressure(mode, resource_pressure(engine, period=JUDGED_PERIOD, today=today))


def sales_capacity(engine: Engine, first: dt.date, last: dt.date) -> float | None:
    """Leads the sales teams can take from ``first`` to ``last`` (inclusive); None when no sales
    team has a capacity."""
    with engine.connect() as conn:
        roster = read_roster(conn)
    capacity = period_capacity(roster, first, last)
    return capacity if capacity > 0 else None
