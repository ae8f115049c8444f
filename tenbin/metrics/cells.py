"""The metric statements over the precomputed cells (:mod:`tenbin.metrics.facts`), and which queries
they can answer. Each returns the same columns as its straightforward twin in
:mod:`tenbin.metrics.statements`, from sums over cells instead of counts over leads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, case, func, select, true

from tenbin.db import schema as s
from tenbin.db.sqlfunc import month_of
from tenbin.metrics import leads as lq
from tenbin.metrics import statements
from tenbin.metrics.model import CampaignCostQuery, ConversionQuery, IcpRateQuery, LeadFilter
from tenbin.metrics.sqlfunc import fiscal_year_of, quarter_of

# What the cells hold: a query grouped or filtered by anything else reads the leads.
DIMENSIONS = frozenset({"stage", "month", "quarter", "fiscal_year", "campaign", "channel", "orientation", "offer",
                        "team"})  # fmt: skip
FILTER_FIELDS = frozenset({"campaigns", "channels", "orientations", "offers", "teams"})
# The query fields the cell statements read; any other field (added later) set → read the leads.
QUERY_FIELDS = frozenset({"by", "icp_version", "stage", "steps", "period_from", "period_to", "filters"})


def _only_known(value: Any, known: frozenset[str]) -> bool:
    """True when every field of the dataclass ``value`` outside ``known`` has its default."""
    for f in dataclasses.fields(value):
        if f.name in known:
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if getattr(value, f.name) != default:
            return False
    return True


def _whole_months(period_from: dt.date | None, period_to: dt.date | None) -> bool:
    """The cells are by month: a period must start on a first and end on a last day of a month."""
    return (period_from is None or period_from.day == 1) and (
        period_to is None or (period_to + dt.timedelta(days=1)).day == 1
    )


def _covers(query: Any, filters: LeadFilter) -> bool:
    return (
        _only_known(query, QUERY_FIELDS)
        and _only_known(filters, FILTER_FIELDS)
        and set(filters.by_dimension()) <= DIMENSIONS
        and _whole_months(query.period_from, query.period_to)
    )


def covers_icp_rate(query: IcpRateQuery) -> bool:
    return set(query.by) <= DIMENSIONS and _covers(query, query.filters)


def covers_conversion(query: ConversionQuery) -> bool:
    return _covers(query, query.filters)


def covers_campaign_costs(query: CampaignCostQuery) -> bool:
    return _only_known(query, QUERY_FIELDS)


def _grain(needed: set[str]) -> str:
    """The smallest grain of cells with every column the dimensions ``needed`` read."""
    kept = {name for name, dims in (("campaign", lq.CAMPAIGN_DIMENSIONS), ("offer", {"offer"}), ("team", {"team"}))
            if needed & dims}  # fmt: skip
    return "base" if not kept else (kept.pop() if len(kept) == 1 else "all")


def _source(needed: set[str], cells: Any = s.metric_cells) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
    """``cells`` (the table, or a subquery with its columns) joined to what the ``needed``
    dimensions name, and each dimension's column."""
    source: FromClause = cells
    columns: dict[str, ColumnElement[Any]] = {
        "stage": cells.c.stage, "month": month_of(cells.c.month), "quarter": quarter_of(cells.c.month),
        "fiscal_year": fiscal_year_of(cells.c.month),
    }  # fmt: skip
    if needed & lq.CAMPAIGN_DIMENSIONS:
        source = source.outerjoin(s.campaigns, s.campaigns.c.id == cells.c.campaign_id)
        columns |= {"campaign": s.campaigns.c.name, "channel": s.campaigns.c.channel,
                    "orientation": s.campaigns.c.orientation}  # fmt: skip
    if "offer" in needed:
        source = source.outerjoin(s.offers, s.offers.c.id == cells.c.offer_id)
        columns["offer"] = s.offers.c.name
    if "team" in needed:
        source = source.outerjoin(s.teams, s.teams.c.id == cells.c.team_id)
        columns["team"] = s.teams.c.name
    return source, columns


def icp_rate(funnel: lq.Funnel, query: IcpRateQuery, version: int) -> Select[Any]:
    """Columns ``k0…kn``, ``total``, ``icp`` as :func:`tenbin.metrics.statements.icp_rate`.

    The cells of the grain are first summed by their own columns (stage, month, ids: no function
    per cell), then the few groups left are named (campaign, channel…, ``YYYY-MM``) and summed again
    by the keys asked for."""
    m = s.metric_cells
    filters = query.filters.by_dimension()
    needed = set(query.by) | set(filters)
    if "stage" in query.by:
        stage: ColumnElement[bool] = true() if query.stage is None else m.c.stage == query.stage
    else:  # one row per lead: the first stage, or the stage asked for
        stage = m.c.stage == (query.stage or funnel.first)
    ids = [m.c[column] for column, dims in (("campaign_id", lq.CAMPAIGN_DIMENSIONS), ("offer_id", {"offer"}),
                                           ("team_id", {"team"})) if needed & dims]  # fmt: skip
    summed = (
        select(m.c.stage, m.c.month, *ids, func.sum(m.c.leads).label("leads"), func.sum(m.c.icp).label("icp"))
        .where(
            m.c.icp_version == version,
            m.c.grain == _grain(needed),
            stage,
            *lq.day_conditions(m.c.month, query.period_from, query.period_to),
        )
        .group_by(m.c.stage, m.c.month, *ids)
        .subquery("cells")
    )
    source, columns = _source(needed, summed)
    keys = [columns[name].label(f"k{i}") for i, name in enumerate(query.by)]
    return (
        select(
            *keys,
            func.coalesce(func.sum(summed.c.leads), 0).label("total"),
            func.coalesce(func.sum(summed.c.icp), 0).label("icp"),
        )
        .select_from(source)
        .where(*lq.filter_conditions(columns, filters))
        .group_by(*keys)
    )


def conversion(funnel: lq.Funnel, query: ConversionQuery, version: int) -> Select[Any]:
    """Columns ``n{i}``, ``n{i}_icp``, ``k{i}``, ``k{i}_icp`` as
    :func:`tenbin.metrics.statements.conversion`: the leads that reached the step's first stage (in
    the period) are the cells of that stage; the converted ones have a furthest stage at or after
    the step's second stage."""
    m = s.metric_cells
    filters = query.filters.by_dimension()
    source, columns = _source(set(filters))
    in_period = lq.day_conditions(m.c.month, query.period_from, query.period_to)
    sums = []
    for i, (start, end) in enumerate(query.steps):
        entered = and_(m.c.stage == start, *in_period)
        converted = and_(entered, m.c.top_position >= funnel.position(end))
        for name, selected in ((f"n{i}", entered), (f"k{i}", converted)):
            sums.append(func.coalesce(func.sum(case((selected, m.c.leads), else_=0)), 0).label(name))
            sums.append(func.coalesce(func.sum(case((selected, m.c.icp), else_=0)), 0).label(f"{name}_icp"))
    starts = sorted({start for start, _ in query.steps})
    return (
        select(*sums)
        .select_from(source)
        .where(
            m.c.icp_version == version,
            m.c.grain == _grain(set(filters)),
            m.c.stage.in_(starts),
            *lq.filter_conditions(columns, filters),
        )
    )


def campaign_costs(funnel: lq.Funnel, query: CampaignCostQuery, version: int) -> Select[Any]:
    """Columns as :func:`tenbin.metrics.statements.campaign_costs`: the first-stage cells (one per
    lead) by first-touch campaign."""
    m = s.metric_cells
    touched = (
        select(m.c.campaign_id, func.sum(m.c.leads).label("leads"), func.sum(m.c.icp).label("icp"))
        .where(
            m.c.icp_version == version, m.c.grain == "campaign", m.c.stage == funnel.first, m.c.campaign_id.is_not(None)
        )
        .group_by(m.c.campaign_id)
        .subquery("touched")
    )
    return statements.campaign_rows(touched, query)
