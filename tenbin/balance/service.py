"""The balance slice's public surface: :func:`balance_state` per funnel stage and period.

For each stage and each of the last ``periods`` periods it reads, from the metrics slice, the
stage's leads (ICP and non-ICP counts, the ICP rate and its 95 % Wilson interval), takes the target
band and the volume target from the workspace settings and classifies them with
:func:`tenbin.balance.state.classify`. Beside the state it gives the operating signals the article
decides by (受注率が悪化し営業リソースが疲弊してきた場合は質中心に): the win rate (sql → won) of every
period shown, and the ICP vs non-ICP conversion of the period's leads.

Targets (``tenbin.workspace``): the band is the stage's own band when one is set, else the ICP-rate
band. Volume targets are per month, scaled by the months in the period (quarter × 3, 年度 × 12):
``leads_per_month`` for the first funnel stage, ``opportunities_per_month`` for ``sql`` (商談化);
other stages have no volume target. The current period is not over yet (``complete`` is False), so
its volume is usually short of a full period's target.

Not here (yet): sales capacity used (teams and routing), CLI, web and API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from tenbin.balance import errors as e
from tenbin.balance.periods import MONTHS, PERIODS, Period, PeriodRange, last_periods
from tenbin.balance.state import STATES, BalanceState, Certainty, RateCheck, State, VolumeCheck, classify
from tenbin.balance.text import explain
from tenbin.errors import Place, TenbinError
from tenbin.metrics.rates import proportion
from tenbin.metrics.service import (
    ConversionQuery,
    ConversionStep,
    IcpRateQuery,
    IcpRateRow,
    Proportion,
    compute_conversion,
    compute_icp_rate,
)
from tenbin.workspace.service import Band, Targets, get_targets, list_stages

__all__ = [
    "PERIODS",
    "STATES",
    "BalanceState",
    "Certainty",
    "PeriodRate",
    "RateCheck",
    "Signals",
    "StageBalance",
    "State",
    "VolumeCheck",
    "balance_state",
    "classify",
    "explain",
]

MAX_PERIODS = 60
OPPORTUNITY_STAGE = "sql"
WON_STAGE = "won"


@dataclass(frozen=True)
class PeriodRate:
    """The win rate (leads that reached ``sql`` in the period and reached ``won`` since)."""

    period: str
    win_rate: Proportion


@dataclass(frozen=True)
class Signals:
    """Operating signals of a period: the win-rate trend over every period shown (oldest first) and
    the ICP vs non-ICP conversion of the leads that reached each step's first stage in the period."""

    win_rate_trend: tuple[PeriodRate, ...]
    conversion: tuple[ConversionStep, ...]


@dataclass(frozen=True)
class StageBalance:
    """One stage in one period: counts, rate and interval (fractions), the targets, the state with
    its reasons, and the period's signals."""

    stage: str
    period: str
    period_from: dt.date
    period_to: dt.date
    complete: bool
    total: int
    icp: int
    non_icp: int
    rate: float | None
    low: float | None
    high: float | None
    band: Band
    volume_target: int | None
    balance: BalanceState
    signals: Signals

    @property
    def state(self) -> State:
        return self.balance.state

    def explain(self, lang: str = "ja") -> str:
        return explain(self.balance, lang)


def _check(period: str, periods: int) -> Period:
    if period not in PERIODS:
        raise TenbinError(e.BALANCE_PERIOD_INVALID, {"period": period, "allowed": ", ".join(PERIODS)},
                          Place(field="period"))  # fmt: skip
    if isinstance(periods, bool) or not isinstance(periods, int) or not 1 <= periods <= MAX_PERIODS:
        raise TenbinError(e.BALANCE_PERIODS_INVALID, {"periods": periods, "max": MAX_PERIODS}, Place(field="periods"))
    return next(p for p in PERIODS if p == period)


def volume_target(targets: Targets, stage: str, first_stage: str, period: Period) -> int | None:
    """The stage's volume target for one period (see the module docstring)."""
    monthly = {first_stage: targets.leads_per_month, OPPORTUNITY_STAGE: targets.opportunities_per_month}.get(stage)
    return None if monthly is None else monthly * MONTHS[period]


def _signals(engine: Engine, ranges: list[PeriodRange], stages: list[str], icp_version: int | None) -> list[Signals]:
    """One conversion query per period: steps first stage → sql and sql → won, when both exist."""
    steps = tuple(
        (start, end) for start, end in ((stages[0], OPPORTUNITY_STAGE), (OPPORTUNITY_STAGE, WON_STAGE))
        if start in stages and end in stages and stages.index(start) < stages.index(end)
    )  # fmt: skip
    conversions: list[tuple[ConversionStep, ...]] = []
    for r in ranges:
        if not steps:
            conversions.append(())
            continue
        query = ConversionQuery(steps=steps, icp_version=icp_version, period_from=r.start, period_to=r.end)
        conversions.append(compute_conversion(engine, query).steps)
    trend = []
    for r, found in zip(ranges, conversions, strict=True):
        win = next((s.comparison for s in found if (s.from_stage, s.to_stage) == (OPPORTUNITY_STAGE, WON_STAGE)), None)
        if win is not None:
            hits, total = win.icp.hits + win.non_icp.hits, win.icp.total + win.non_icp.total
            trend.append(PeriodRate(r.key, proportion(hits, total)))
    return [Signals(tuple(trend), found) for found in conversions]


def balance_state(
    engine: Engine,
    *,
    icp_version: int | None = None,
    period: str = "month",
    periods: int = 6,
    today: dt.date | None = None,
) -> list[StageBalance]:
    """The balance state of every funnel stage in each of the last ``periods`` periods up to
    ``today`` (default: the current date), ordered by period (oldest first), then funnel order.
    Stage/period pairs without leads are present with state ``no_data``."""
    kind = _check(period, periods)
    day = today or dt.date.today()
    ranges = last_periods(kind, periods, day)
    stages = [s.code for s in sorted(list_stages(engine), key=lambda s: s.position)]
    targets = get_targets(engine)
    query = IcpRateQuery(by=("stage", kind), icp_version=icp_version, period_from=ranges[0].start,
                         period_to=ranges[-1].end)  # fmt: skip
    found = {row.keys: row for row in compute_icp_rate(engine, query).rows}
    signals = _signals(engine, ranges, stages, icp_version) if stages else []
    result = []
    for r, period_signals in zip(ranges, signals, strict=True):
        for stage in stages:
            row = found.get((stage, r.key)) or IcpRateRow((stage, r.key), 0, 0, 0, None, None, None)
            band = targets.stage_bands.get(stage, targets.icp_rate)
            target = volume_target(targets, stage, stages[0], kind)
            result.append(StageBalance(
                stage, r.key, r.start, r.end, r.end < day, row.total, row.icp, row.non_icp, row.rate, row.low,
                row.high, band, target, classify(row.rate, row.total, band, target), period_signals,
            ))  # fmt: skip
    return result
