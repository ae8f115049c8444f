"""The measured history of each campaign type (channel × orientation), in one SQL aggregate.

Definitions (those of :mod:`tenbin.metrics.leads`, so the plan agrees with ``tenbin metrics``):

* a campaign's **leads** are the leads it first touched (earliest response); its **ICP leads** those
  whose account matches the ICP version; its **opportunities** those that reached the ``sql`` stage
  (商談化) at any time — the leads sales works;
* the campaigns counted are those that started in the history window (all campaigns, also those
  without a start date, when no window is given); a campaign without leads counts as 0 leads;
* per type the database returns: campaigns, campaigns with a cost, Σ cost, Σ leads, Σ leads²,
  Σ ICP leads, Σ opportunities. Python turns them into the mean leads per campaign with its
  standard deviation and standard error, the pooled ICP rate and opportunity rate with 95 % Wilson
  intervals, and the mean cost of the campaigns whose cost is known.

A type with fewer than two campaigns has no measured spread: its standard deviation is then the
Poisson one, ``sqrt(mean)`` (a count's spread when campaigns differ only by chance).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from tenbin.db import schema as s
from tenbin.metrics import leads as lq
from tenbin.metrics.rates import Proportion, proportion

OPPORTUNITY_STAGE = "sql"


@dataclass(frozen=True)
class TypeHistory:
    """One campaign type's history. ``excluded`` names why it cannot be planned with
    (``no_campaigns``, ``no_cost``, ``no_leads``), or is ``None``."""

    channel: str
    orientation: str
    campaigns: int
    costed_campaigns: int
    leads: int
    leads_per_campaign: float | None
    leads_sd: float | None
    leads_se: float | None
    spread: str  # "sample" (from ≥ 2 campaigns) | "poisson" | "none"
    icp: Proportion  # ICP leads of the leads (pooled), with the Wilson interval
    opportunities: Proportion  # leads that reached sql, of the leads
    cost_per_campaign: float | None
    excluded: str | None


def statement(condition: Any, period_from: dt.date | None, period_to: dt.date | None) -> Select[Any]:
    """Per (channel, orientation): campaigns, costed, cost, leads, leads_sq, icp, opportunities."""
    funnel_position = select(s.funnel_stages.c.position).where(s.funnel_stages.c.code == OPPORTUNITY_STAGE)
    touch, c, a, m = lq.first_touch(), s.contacts, s.accounts, s.campaigns
    ev, st = s.stage_events, s.funnel_stages
    # leads with a contact-level event at sql or any later stage ("reached", as in the metrics slice)
    reached = (
        select(ev.c.contact_id)
        .select_from(ev.join(st, st.c.id == ev.c.stage_id))
        .where(ev.c.contact_id.is_not(None), st.c.position >= funnel_position.scalar_subquery())
        .group_by(ev.c.contact_id)
        .subquery("reached_sql")
    )
    per_campaign = (
        select(
            touch.c.campaign_id,
            func.count().label("leads"),
            func.sum(lq.icp_flag(condition)).label("icp"),
            func.sum(case((reached.c.contact_id.is_not(None), 1), else_=0)).label("opportunities"),
        )
        .select_from(
            touch.join(c, c.c.id == touch.c.contact_id)
            .outerjoin(a, a.c.id == c.c.account_id)
            .outerjoin(reached, reached.c.contact_id == touch.c.contact_id)
        )
        .group_by(touch.c.campaign_id)
        .subquery("per_campaign")
    )
    leads = func.coalesce(per_campaign.c.leads, 0)
    return (
        select(
            m.c.channel,
            m.c.orientation,
            func.count().label("campaigns"),
            func.count(m.c.cost).label("costed"),
            func.coalesce(func.sum(m.c.cost), 0).label("cost"),
            func.coalesce(func.sum(leads), 0).label("leads"),
            func.coalesce(func.sum(leads * leads), 0).label("leads_sq"),
            func.coalesce(func.sum(per_campaign.c.icp), 0).label("icp"),
            func.coalesce(func.sum(per_campaign.c.opportunities), 0).label("opportunities"),
        )
        .select_from(m.outerjoin(per_campaign, per_campaign.c.campaign_id == m.c.id))
        .where(*lq.day_conditions(m.c.starts_on, period_from, period_to))
        .group_by(m.c.channel, m.c.orientation)
        .order_by(m.c.channel, m.c.orientation)
    )


def type_history(channel: str, orientation: str, counts: dict[str, int]) -> TypeHistory:
    """A type's history from the sums of :func:`statement` (pure; see the module docstring)."""
    n, leads, costed = counts["campaigns"], counts["leads"], counts["costed"]
    mean = sd = se = None
    spread = "none"
    if n > 0:
        mean = leads / n
        if n >= 2:
            variance = max(0.0, (counts["leads_sq"] - n * mean * mean) / (n - 1))
            sd, spread = math.sqrt(variance), "sample"
        else:
            sd, spread = math.sqrt(mean), "poisson"
        se = sd / math.sqrt(n)
    excluded = None
    if n == 0:
        excluded = "no_campaigns"
    elif costed == 0:
        excluded = "no_cost"
    elif leads == 0:
        excluded = "no_leads"
    cost = counts["cost"] / costed if costed else None
    return TypeHistory(channel, orientation, n, costed, leads, mean, sd, se, spread, proportion(counts["icp"], leads),
                       proportion(counts["opportunities"], leads), cost, excluded)  # fmt: skip


def measure(
    conn: Connection, condition: Any, period_from: dt.date | None, period_to: dt.date | None,
    declared: list[tuple[str, str]],
) -> list[TypeHistory]:  # fmt: skip
    """Every type with campaigns in the window, and every ``declared`` (channel, orientation) pair
    whose channel has no campaign in it at all (as ``no_campaigns``), ordered by orientation
    (quantity first), then channel."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for row in conn.execute(statement(condition, period_from, period_to)):
        values = row._mapping
        found[str(row.channel), str(row.orientation)] = {
            k: int(values[k]) for k in ("campaigns", "costed", "cost", "leads", "leads_sq", "icp", "opportunities")
        }
    empty = dict.fromkeys(("campaigns", "costed", "cost", "leads", "leads_sq", "icp", "opportunities"), 0)
    seen = {channel for channel, _ in found}
    keys = set(found) | {(channel, orientation) for channel, orientation in declared if channel not in seen}
    ordered = sorted(keys, key=lambda k: (k[1] != "quantity", k[0]))
    return [type_history(channel, orientation, found.get((channel, orientation), empty))
            for channel, orientation in ordered]  # fmt: skip
