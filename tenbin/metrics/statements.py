"""One SQL aggregate statement per metric, built from the relations in :mod:`tenbin.metrics.leads`.

Each statement returns counts and sums only (a row per group at most); nothing here executes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, distinct, func, select, true

from tenbin.db import schema as s
from tenbin.metrics import leads as lq
from tenbin.metrics.model import CampaignCostQuery, ConversionQuery, IcpRateQuery, ValueShareQuery


def icp_rate(funnel: lq.Funnel, query: IcpRateQuery, condition: ColumnElement[bool]) -> Select[Any]:
    """Columns ``k0…kn`` (the ``by`` keys), ``total``, ``icp``: one row per group.

    Leads are joined to their reached stages only when stages matter (grouped by stage, or a stage
    other than the first selected); otherwise one row per lead, dated by ``acquired_at``.
    """
    by_stage = "stage" in query.by
    stages = None
    if by_stage or (query.stage is not None and query.stage != funnel.first):
        stages = lq.reach(funnel, only=query.stage)
    filters = query.filters.by_dimension()
    source = lq.lead_source(set(query.by) | set(filters), stages)
    keys = [source.columns[name].label(f"k{i}") for i, name in enumerate(query.by)]
    rows = (
        select(*keys, lq.icp_flag(condition).label("icp"))
        .select_from(source.source)
        .where(
            *lq.filter_conditions(source.columns, filters),
            *lq.period_conditions(source.date, query.period_from, query.period_to),
        )
        .subquery("lead_rows")
    )
    grouped = [rows.c[f"k{i}"] for i in range(len(query.by))]
    return select(*grouped, func.count().label("total"), func.coalesce(func.sum(rows.c.icp), 0).label("icp")).group_by(
        *grouped
    )


def conversion(funnel: lq.Funnel, query: ConversionQuery, condition: ColumnElement[bool]) -> Select[Any]:
    """Columns ``n{i}``, ``n_icp{i}``, ``k{i}``, ``k_icp{i}`` for each step i: leads that reached the
    step's first stage (in the period), and of them those that reached its second stage.

    One row per lead carries, for each stage involved, when it reached it (a pivot of
    :func:`~tenbin.metrics.leads.reached_events`); the outer query sums 0/1 flags.
    """
    later = sorted({code for step in query.steps for code in step if code != funnel.first}, key=funnel.order)
    events = lq.reached_events(funnel).subquery("reached")
    pivot = (
        select(events.c.contact_id, *(
            func.min(case((events.c.stage == code, events.c.reached_at))).label(f"at_{code}") for code in later
        ))
        .group_by(events.c.contact_id)
        .subquery("reached_by_lead")
    )  # fmt: skip
    filters = query.filters.by_dimension()
    source = lq.lead_source(set(filters))
    c = s.contacts
    flags: list[Any] = []
    for i, (start, end) in enumerate(query.steps):
        at = source.date if start == funnel.first else pivot.c[f"at_{start}"]
        entered = and_(at.is_not(None) if start != funnel.first else true(),
                       *lq.period_conditions(at, query.period_from, query.period_to))  # fmt: skip
        flags.append(case((entered, 1), else_=0).label(f"n{i}"))
        flags.append(case((and_(entered, pivot.c[f"at_{end}"].is_not(None)), 1), else_=0).label(f"k{i}"))
    rows = (
        select(lq.icp_flag(condition).label("icp"), *flags)
        .select_from(source.source.outerjoin(pivot, pivot.c.contact_id == c.c.id))
        .where(*lq.filter_conditions(source.columns, filters))
        .subquery("lead_steps")
    )
    sums = []
    for i in range(len(query.steps)):
        for name in (f"n{i}", f"k{i}"):
            sums.append(func.coalesce(func.sum(rows.c[name]), 0).label(name))
            sums.append(func.coalesce(func.sum(rows.c[name] * rows.c.icp), 0).label(f"{name}_icp"))
    return select(*sums)


def value_share(query: ValueShareQuery, condition: ColumnElement[bool]) -> Select[Any]:
    """One row: pipeline (open), won and revenue-line sums, in total and from ICP accounts, with
    counts; revenue both as amount and as gross profit, with how many lines have a gross profit."""
    o, r, a = s.opportunities, s.revenue_lines, s.accounts
    is_open = and_(o.c.status == "open", *lq.day_conditions(o.c.created_on, query.period_from, query.period_to))
    is_won = and_(o.c.status == "won", *lq.day_conditions(o.c.closed_on, query.period_from, query.period_to))

    def amounts(name: str, selected: ColumnElement[bool], amount: Any) -> list[Any]:
        return [
            func.coalesce(func.sum(case((selected, amount), else_=0)), 0).label(f"{name}_total"),
            func.coalesce(func.sum(case((and_(selected, condition), amount), else_=0)), 0).label(f"{name}_icp"),
        ]

    def counts(name: str, selected: ColumnElement[bool], what: Any) -> list[Any]:
        return [
            func.count(distinct(case((selected, what)))).label(f"{name}_count"),
            func.count(distinct(case((and_(selected, condition), what)))).label(f"{name}_icp_count"),
        ]

    deals = (
        select(
            *amounts("pipeline", is_open, o.c.amount),
            *counts("pipeline", is_open, o.c.id),
            *amounts("won", is_won, o.c.amount),
            *counts("won", is_won, o.c.id),
        )
        .select_from(o.join(a, a.c.id == o.c.account_id))
        .subquery("deals")
    )
    line = true()
    revenue = (
        select(
            *amounts("revenue", line, r.c.amount),
            *amounts("profit", line, r.c.gross_profit),
            *counts("customers", line, r.c.account_id),
            func.count().label("lines"),
            func.count(r.c.gross_profit).label("lines_with_profit"),
        )
        .select_from(r.join(a, a.c.id == r.c.account_id))
        .where(*lq.day_conditions(r.c.recognized_on, query.period_from, query.period_to))
        .subquery("revenue")
    )
    return select(deals, revenue).select_from(deals.join(revenue, true()))


def campaign_costs(query: CampaignCostQuery, condition: ColumnElement[bool]) -> Select[Any]:
    """One row per campaign (started in the period, when given): name, channel, orientation, cost,
    leads it first touched and how many of them are ICP leads."""
    touch, c, a = lq.first_touch(), s.contacts, s.accounts
    touched = (
        select(touch.c.campaign_id, func.count().label("leads"), func.sum(lq.icp_flag(condition)).label("icp"))
        .select_from(touch.join(c, c.c.id == touch.c.contact_id).outerjoin(a, a.c.id == c.c.account_id))
        .group_by(touch.c.campaign_id)
        .subquery("touched")
    )
    return campaign_rows(touched, query)


def campaign_rows(touched: Subquery, query: CampaignCostQuery) -> Select[Any]:
    """Every campaign (started in the period, when given) with its cost and the ``leads``/``icp`` of
    ``touched`` (campaign_id, leads, icp: from the leads or from the cells); 0 when it touched none."""
    m = s.campaigns
    return (
        select(
            m.c.name,
            m.c.channel,
            m.c.orientation,
            m.c.cost,
            func.coalesce(touched.c.leads, 0).label("leads"),
            func.coalesce(touched.c.icp, 0).label("icp"),
        )
        .select_from(m.outerjoin(touched, touched.c.campaign_id == m.c.id))
        .where(*lq.day_conditions(m.c.starts_on, query.period_from, query.period_to))
        .order_by(m.c.name)
    )
