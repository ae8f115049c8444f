"""The metrics slice's public surface: query objects and their runners.

* :func:`compute_icp_rate` — ICP rate of leads by any of :data:`DIMENSIONS`, with counts and 95 %
  Wilson intervals, and the overall row.
* :func:`compute_conversion` — stage-to-stage conversion (商談化率, 受注率) of ICP vs non-ICP leads
  with Wilson intervals and a one-sided Fisher exact test of "ICP leads convert better".
* :func:`compute_value_share` — value-weighted ICP rate: shares of pipeline, won amount and LTV from
  ICP accounts.
* :func:`compute_campaign_costs` — cost per lead and per ICP lead by campaign (first touch).

Each runner reads reference data (the funnel stages, the ICP version) and then runs ONE aggregate
statement; only counts and sums come back to Python, where the rates and intervals are computed.
The statement reads the precomputed cells of :mod:`tenbin.metrics.facts` when they can answer the
query (rebuilt first when the data changed), else the leads (:mod:`tenbin.metrics.statements`);
both give the same numbers.
The definitions (lead, stage reached, first touch, team, period) are in :mod:`tenbin.metrics.leads`.
Every runner computes under any ICP version (``icp_version``; ``None`` is the current one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select

from tenbin.errors import Place, TenbinError
from tenbin.icp.versions import definition_sql, get_version, version_definition
from tenbin.metrics import cells, facts, statements
from tenbin.metrics import errors as e
from tenbin.metrics import leads as lq
from tenbin.metrics.model import (
    DIMENSIONS,
    NONE_KEY,
    CampaignCost,
    CampaignCostQuery,
    CampaignCostResult,
    ConversionQuery,
    ConversionResult,
    ConversionStep,
    IcpRateQuery,
    IcpRateResult,
    IcpRateRow,
    LeadFilter,
    ValueShareQuery,
    ValueShareResult,
)
from tenbin.metrics.rates import Comparison, Proportion, Share, compare, per_unit, proportion, share

__all__ = [
    "DIMENSIONS",
    "NONE_KEY",
    "CampaignCost",
    "CampaignCostQuery",
    "CampaignCostResult",
    "Comparison",
    "ConversionQuery",
    "ConversionResult",
    "ConversionStep",
    "IcpRateQuery",
    "IcpRateResult",
    "IcpRateRow",
    "LeadFilter",
    "Proportion",
    "Share",
    "ValueShareQuery",
    "ValueShareResult",
    "compute_campaign_costs",
    "compute_conversion",
    "compute_icp_rate",
    "compute_value_share",
    "json_plain",
    "result_dict",
]


def _icp(conn: Connection, version: int | None) -> tuple[int, ColumnElement[bool]]:
    """The ICP version's number and its SQL condition on ``accounts`` (what
    :func:`tenbin.icp.versions.version_condition` builds, with the version read once)."""
    found = get_version(conn, version)
    return found.version, definition_sql(version_definition(conn, found))


def _run(engine: Engine, conn: Connection, version: int, from_cells: Select[Any] | None,
         from_leads: Select[Any]) -> list[Row[Any]]:  # fmt: skip
    """The counts from the precomputed cells when the query can be answered from them (rebuilding
    the version's cells first when the data changed since), else from the leads."""
    if from_cells is None:
        return list(conn.execute(from_leads).all())
    if not facts.is_fresh(conn, version):
        conn.rollback()  # end this read so that it sees the rebuilt cells (SQLite: a new snapshot)
        facts.refresh(engine, version)
    return list(conn.execute(from_cells).all())


def _check_period(period_from: dt.date | None, period_to: dt.date | None) -> None:
    if period_from is not None and period_to is not None and period_from > period_to:
        params = {"period_from": period_from.isoformat(), "period_to": period_to.isoformat()}
        raise TenbinError(e.METRICS_PERIOD_ORDER, params, Place(field="period_from"))


def _check_by(by: tuple[str, ...]) -> None:
    for index, name in enumerate(by):
        if name not in DIMENSIONS:
            raise TenbinError(e.METRICS_UNKNOWN_DIMENSION, {"name": name, "allowed": ", ".join(DIMENSIONS)},
                              Place(field="by", position=index + 1))  # fmt: skip
        if name in by[:index]:
            raise TenbinError(e.METRICS_DUPLICATE_DIMENSION, {"name": name}, Place(field="by", position=index + 1))


def compute_icp_rate(engine: Engine, query: IcpRateQuery) -> IcpRateResult:
    """ICP rate (ICP leads / leads) per group of ``query.by``, with its 95 % Wilson interval.

    Rows are ordered by funnel position for ``stage`` and by key otherwise, ``(none)`` last. Every
    lead is in exactly one group per stage, so the groups sum to the overall row(s).
    """
    _check_by(query.by)
    _check_period(query.period_from, query.period_to)
    with engine.connect() as conn:
        funnel = lq.load_funnel(conn)
        if query.stage is not None:
            funnel.position(query.stage)
        number, condition = _icp(conn, query.icp_version)
        from_cells = cells.icp_rate(funnel, query, number) if cells.covers_icp_rate(query) else None
        found = _run(engine, conn, number, from_cells, statements.icp_rate(funnel, query, condition))
    width = len(query.by)
    counted = [(tuple(lq.key_text(v) for v in row[:width]), int(row.total), int(row.icp)) for row in found]
    counted = [c for c in counted if c[1] > 0 or not width]
    counted.sort(key=lambda c: _sort_key(query.by, c[0], funnel))
    rows = tuple(IcpRateRow.of(keys, proportion(icp, total)) for keys, total, icp in counted)
    return IcpRateResult(query, number, rows, _overall(query.by, counted, funnel))


def _sort_key(by: tuple[str, ...], keys: tuple[str, ...], funnel: lq.Funnel) -> tuple[tuple[int, int, str], ...]:
    parts = []
    for name, key in zip(by, keys, strict=True):
        stage_order = funnel.order(key) if name == "stage" else 0
        parts.append((stage_order, int(key == NONE_KEY), key))
    return tuple(parts)


Counted = list[tuple[tuple[str, ...], int, int]]  # (keys, total, icp) per group


def _overall(by: tuple[str, ...], counted: Counted, funnel: lq.Funnel) -> tuple[IcpRateRow, ...]:
    """Sum of the groups: one row, or one per stage when grouped by stage."""
    if "stage" not in by:
        total, icp = sum(c[1] for c in counted), sum(c[2] for c in counted)
        return (IcpRateRow.of((), proportion(icp, total)),)
    at = by.index("stage")
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for keys, total, icp in counted:
        sums[keys[at]][0] += total
        sums[keys[at]][1] += icp
    ordered = sorted(sums, key=funnel.order)
    return tuple(IcpRateRow.of((stage,), proportion(sums[stage][1], sums[stage][0])) for stage in ordered)


def compute_conversion(engine: Engine, query: ConversionQuery) -> ConversionResult:
    """Each step's conversion for ICP and non-ICP leads with Wilson intervals, the difference and the
    one-sided Fisher exact p-value of "the ICP leads' rate is higher".

    The leads of a step are those that reached its first stage (in the period, when given); the
    converted ones reached its second stage at any time since. Recent cohorts have had less time to
    convert, so compare periods of equal age.
    """
    _check_period(query.period_from, query.period_to)
    with engine.connect() as conn:
        funnel = lq.load_funnel(conn)
        for index, (start, end) in enumerate(query.steps):
            if funnel.position(start, f"steps[{index}]") >= funnel.position(end, f"steps[{index}]"):
                raise TenbinError(e.METRICS_STEP_ORDER, {"from_stage": start, "to_stage": end},
                                  Place(field=f"steps[{index}]"))  # fmt: skip
        number, condition = _icp(conn, query.icp_version)
        from_cells = cells.conversion(funnel, query, number) if cells.covers_conversion(query) else None
        (found,) = _run(engine, conn, number, from_cells, statements.conversion(funnel, query, condition))
        row = found._mapping
    steps = []
    for i, (start, end) in enumerate(query.steps):
        n, n_icp, k, k_icp = (int(row[name]) for name in (f"n{i}", f"n{i}_icp", f"k{i}", f"k{i}_icp"))
        steps.append(ConversionStep(start, end, compare(k_icp, n_icp, k - k_icp, n - n_icp)))
    return ConversionResult(query, number, tuple(steps))


def compute_value_share(engine: Engine, query: ValueShareQuery) -> ValueShareResult:
    """Shares of the open pipeline amount, the won amount and LTV (Σ gross profit when every revenue
    line in scope has one, else Σ revenue; the rule of :mod:`tenbin.icp.population`) coming from
    ICP accounts; opportunities without an amount count as 0."""
    _check_period(query.period_from, query.period_to)
    with engine.connect() as conn:
        number, condition = _icp(conn, query.icp_version)
        row: Any = conn.execute(statements.value_share(query, condition)).one()._mapping
    values = {k: int(v) for k, v in row.items()}
    basis = "gross_profit" if values["lines"] and values["lines"] == values["lines_with_profit"] else "revenue"
    ltv = "profit" if basis == "gross_profit" else "revenue"

    def part(name: str, counted: str) -> Share:
        return share(values[f"{name}_icp"], values[f"{name}_total"],
                     icp_count=values[f"{counted}_icp_count"], count=values[f"{counted}_count"])  # fmt: skip

    pipeline, won = part("pipeline", "pipeline"), part("won", "won")
    return ValueShareResult(query, number, pipeline, won, part(ltv, "customers"), basis)


def compute_campaign_costs(engine: Engine, query: CampaignCostQuery) -> CampaignCostResult:
    """Per campaign: cost, leads it first touched, ICP leads among them (ICP rate with its interval),
    cost per lead and cost per ICP lead. Overall: over the campaigns whose cost is known."""
    _check_period(query.period_from, query.period_to)
    with engine.connect() as conn:
        number, condition = _icp(conn, query.icp_version)
        funnel = lq.load_funnel(conn)
        covered = cells.covers_campaign_costs(query)
        from_cells = cells.campaign_costs(funnel, query, number) if covered else None
        found = _run(engine, conn, number, from_cells, statements.campaign_costs(query, condition))
    campaigns = []
    for name, channel, orientation, cost, leads, icp in found:
        known = None if cost is None else int(cost)
        counts = proportion(int(icp), int(leads))
        campaigns.append(CampaignCost(name, channel, orientation, known, counts, per_unit(known, counts.total),
                                      per_unit(known, counts.hits)))  # fmt: skip
    costed = [c for c in campaigns if c.cost is not None]
    cost = sum(c.cost or 0 for c in costed)
    leads = proportion(sum(c.leads.hits for c in costed), sum(c.leads.total for c in costed))
    return CampaignCostResult(query, number, tuple(campaigns), cost, leads, per_unit(cost, leads.total),
                              per_unit(cost, leads.hits))  # fmt: skip


def json_plain(value: Any) -> Any:
    """Dates as ISO text inside nested dicts, lists and tuples (the JSON shape of CLI and API)."""
    if isinstance(value, dict):
        return {k: json_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def result_dict(result: Any) -> dict[str, Any]:
    """A runner's result as JSON-ready data: its ``as_dict()`` when it has one, else its fields."""
    if isinstance(result, IcpRateResult):
        return result.as_dict()
    data = dataclasses.asdict(result)
    query = data.pop("query")
    return {"icp_version": data.pop("icp_version"), **data, "query": json_plain(query)}
