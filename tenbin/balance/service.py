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

Signals per period (:class:`Signals`), for the whole workspace (lead filters do not apply to them):

* ``win_rate``: the period's win rate over the deals closed in it against the ``baseline_periods``
  periods before it, with a one-sided Fisher test (:mod:`tenbin.balance.trend`);
* ``capacity``: the sales capacity used, leads assigned to sales against the sales teams'
  capacities scaled to the period (:mod:`tenbin.balance.capacity`, counted in SQL by
  :mod:`tenbin.balance.activity`); ``unknown`` without teams or capacities.

:func:`resource_pressure` gives both for the last complete period as one :class:`Pressure`: the
article's resource rule (受注率が悪化し営業リソースが疲弊してきた場合は質中心に) for the planning slice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from tenbin.balance import errors as e
from tenbin.balance.activity import PeriodActivity, read_activity, read_roster
from tenbin.balance.capacity import OPPORTUNITIES, ROUTING, SATURATION, CapacityUse, Roster, capacity_use
from tenbin.balance.periods import MONTHS, PERIODS, Period, PeriodRange, last_periods
from tenbin.balance.state import STATES, BalanceState, Certainty, RateCheck, State, VolumeCheck, classify
from tenbin.balance.text import explain, explain_signals
from tenbin.balance.trend import BASELINE_PERIODS, ClosedDeals, WinRateChange, judge_win_rate
from tenbin.errors import Place, TenbinError
from tenbin.metrics.rates import proportion
from tenbin.metrics.service import (
    ConversionQuery,
    ConversionStep,
    IcpRateQuery,
    IcpRateRow,
    LeadFilter,
    Proportion,
    compute_conversion,
    compute_icp_rate,
)
from tenbin.workspace.service import Band, Targets, get_targets, list_stages

__all__ = [
    "PERIODS",
    "SATURATION",
    "STATES",
    "BalanceState",
    "CapacityUse",
    "Certainty",
    "ClosedDeals",
    "LeadFilter",
    "PeriodRate",
    "Pressure",
    "RateCheck",
    "Roster",
    "Signals",
    "StageBalance",
    "State",
    "VolumeCheck",
    "WinRateChange",
    "balance_state",
    "classify",
    "explain",
    "explain_signals",
    "resource_pressure",
]

MAX_PERIODS = 60
MAX_BASELINE_PERIODS = 12
OPPORTUNITY_STAGE = "sql"
WON_STAGE = "won"


@dataclass(frozen=True)
class PeriodRate:
    """The win rate (leads that reached ``sql`` in the period and reached ``won`` since)."""

    period: str
    win_rate: Proportion


@dataclass(frozen=True)
class Signals:
    """Operating signals of a period: the win-rate trend over every period shown (oldest first, the
    sql → won cohorts), the ICP vs non-ICP conversion of the leads that reached each step's first
    stage in the period, the judgement of the period's win rate over closed deals against the
    periods before it, and the sales capacity used in the period."""

    win_rate_trend: tuple[PeriodRate, ...]
    conversion: tuple[ConversionStep, ...]
    win_rate: WinRateChange
    capacity: CapacityUse

    def explain(self, lang: str = "ja") -> str:
        return explain_signals(self.win_rate, self.capacity, lang)


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

    def explain_state(self, lang: str = "ja") -> str:
        """Why the state is what it is."""
        return explain(self.balance, lang)

    def explain(self, lang: str = "ja") -> str:
        """Why the state is what it is, then the period's signals (win rate, sales capacity used)."""
        return (" " if lang == "en" else "").join((self.explain_state(lang), self.signals.explain(lang)))


@dataclass(frozen=True)
class Pressure:
    """The article's resource rule for one period (受注率が悪化し営業リソースが疲弊してきた場合は質中心に).

    * ``period``, ``period_from``, ``period_to``: the period judged, the last complete one.
    * ``win_rate_fallen``: its win rate over closed deals fell significantly below the pooled
      ``baseline_periods`` before it (one-sided Fisher test at 5 %); False also when there are too
      few closed deals to tell (``win_rate.verdict == "not_enough_data"``).
    * ``capacity_saturated``: leads assigned to sales reached the saturation share (default 90 %) of
      the sales teams' capacity; False also when the capacity is unknown (``capacity.status``).
    * ``shift_to_quality``: both of the above: the rule says to move toward quality.
    * ``reasons``: codes in order, ``win_rate_fallen`` | ``win_rate_not_fallen`` |
      ``win_rate_not_enough_data``, then ``capacity_saturated`` | ``capacity_available`` |
      ``capacity_unknown``, then ``shift_to_quality`` when it holds.
    * ``win_rate``, ``capacity``: the numbers behind them; :meth:`explain` says it in words.
    """

    period: str
    period_from: dt.date
    period_to: dt.date
    win_rate_fallen: bool
    capacity_saturated: bool
    shift_to_quality: bool
    reasons: tuple[str, ...]
    win_rate: WinRateChange
    capacity: CapacityUse

    def explain(self, lang: str = "ja") -> str:
        return explain_signals(self.win_rate, self.capacity, lang)


def _check(period: str, periods: int, baseline_periods: int = BASELINE_PERIODS) -> Period:
    if not 1 <= baseline_periods <= MAX_BASELINE_PERIODS:
        raise ValueError(f"baseline_periods must be 1–{MAX_BASELINE_PERIODS}, not {baseline_periods}")
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


def _conversions(
    engine: Engine, ranges: list[PeriodRange], stages: list[str], icp_version: int | None, filters: LeadFilter
) -> list[tuple[ConversionStep, ...]]:
    """One conversion query per period: steps first stage → sql and sql → won, when both exist."""
    steps = tuple(
        (start, end) for start, end in ((stages[0], OPPORTUNITY_STAGE), (OPPORTUNITY_STAGE, WON_STAGE))
        if start in stages and end in stages and stages.index(start) < stages.index(end)
    )  # fmt: skip
    if not steps:
        return [() for _ in ranges]
    return [
        compute_conversion(engine, ConversionQuery(steps=steps, icp_version=icp_version, period_from=r.start,
                                                   period_to=r.end, filters=filters)).steps
        for r in ranges
    ]  # fmt: skip


def _trend(ranges: list[PeriodRange], conversions: list[tuple[ConversionStep, ...]]) -> tuple[PeriodRate, ...]:
    trend = []
    for r, found in zip(ranges, conversions, strict=True):
        win = next((s.comparison for s in found if (s.from_stage, s.to_stage) == (OPPORTUNITY_STAGE, WON_STAGE)), None)
        if win is not None:
            hits, total = win.icp.hits + win.non_icp.hits, win.icp.total + win.non_icp.total
            trend.append(PeriodRate(r.key, proportion(hits, total)))
    return tuple(trend)


def _capacity(r: PeriodRange, found: PeriodActivity, roster: Roster, day: dt.date, saturation: float) -> CapacityUse:
    source, used = (ROUTING, found.routed_to_sales) if found.decisions else (OPPORTUNITIES, found.sales_opportunities)
    return capacity_use(r.key, r.start, min(r.end, day), roster, used=used, source=source, threshold=saturation)


def _operating(
    engine: Engine, ranges: list[PeriodRange], baseline: int, day: dt.date, saturation: float
) -> list[tuple[WinRateChange, CapacityUse]]:
    """For each of ``ranges[baseline:]``: the win-rate judgement against the ``baseline`` periods
    before it and the capacity used (two statements)."""
    with engine.connect() as conn:
        roster = read_roster(conn)
        found = read_activity(conn, ranges)
    return [
        (judge_win_rate(found[i].deals, [a.deals for a in found[i - baseline : i]]),
         _capacity(ranges[i], found[i], roster, day, saturation))
        for i in range(baseline, len(ranges))
    ]  # fmt: skip


def balance_state(
    engine: Engine,
    *,
    icp_version: int | None = None,
    period: str = "month",
    periods: int = 6,
    today: dt.date | None = None,
    stage: str | None = None,
    filters: LeadFilter | None = None,
    baseline_periods: int = BASELINE_PERIODS,
    saturation: float = SATURATION,
) -> list[StageBalance]:
    """The balance state of every funnel stage in each of the last ``periods`` periods up to
    ``today`` (default: the current date), ordered by period (oldest first), then funnel order.
    Stage/period pairs without leads are present with state ``no_data``; ``stage`` keeps one stage's
    rows (the other stages are still read: a volume target belongs to the first). ``filters`` keep only
    some leads (campaign, channel, …) for the rates and conversions; the win-rate judgement (against
    ``baseline_periods`` periods) and the capacity used (saturated at ``saturation``) are the
    workspace's."""
    kind = _check(period, periods, baseline_periods)
    day = today or dt.date.today()
    lead_filter = filters or LeadFilter()
    extended = last_periods(kind, periods + baseline_periods, day)
    ranges = extended[baseline_periods:]
    stages = [s.code for s in sorted(list_stages(engine), key=lambda s: s.position)]
    if stage is not None and stage not in stages:
        raise TenbinError(e.BALANCE_UNKNOWN_STAGE, {"stage": stage, "allowed": ", ".join(stages)},
                          Place(field="stage"))  # fmt: skip
    targets = get_targets(engine)
    query = IcpRateQuery(by=("stage", kind), icp_version=icp_version, period_from=ranges[0].start,
                         period_to=ranges[-1].end, filters=lead_filter)  # fmt: skip
    found = {row.keys: row for row in compute_icp_rate(engine, query).rows}
    conversions: list[tuple[ConversionStep, ...]] = [() for _ in ranges]
    if stages:
        conversions = _conversions(engine, ranges, stages, icp_version, lead_filter)
    trend = _trend(ranges, conversions)
    operating = _operating(engine, extended, baseline_periods, day, saturation)
    signals = [Signals(trend, c, w, u) for c, (w, u) in zip(conversions, operating, strict=True)]
    result = []
    for r, period_signals in zip(ranges, signals, strict=True):
        for code in stages if stage is None else [stage]:
            row = found.get((code, r.key)) or IcpRateRow((code, r.key), 0, 0, 0, None, None, None)
            band = targets.stage_bands.get(code, targets.icp_rate)
            target = volume_target(targets, code, stages[0], kind)
            result.append(StageBalance(
                code, r.key, r.start, r.end, r.end < day, row.total, row.icp, row.non_icp, row.rate, row.low,
                row.high, band, target, classify(row.rate, row.total, band, target), period_signals,
            ))  # fmt: skip
    return result


def resource_pressure(
    engine: Engine,
    *,
    period: str = "month",
    today: dt.date | None = None,
    baseline_periods: int = BASELINE_PERIODS,
    saturation: float = SATURATION,
) -> Pressure:
    """The article's resource rule for the last complete ``period`` before ``today``: has the win
    rate fallen, is sales capacity saturated, and so should the mix shift toward quality (see
    :class:`Pressure` for every field). Two SQL statements; the rest is pure."""
    kind = _check(period, 1, baseline_periods)
    day = today or dt.date.today()
    ranges = last_periods(kind, baseline_periods + 2, day)[:-1]  # the running period is left out
    win_rate, capacity = _operating(engine, ranges, baseline_periods, day, saturation)[-1]
    fallen, saturated = win_rate.fallen, capacity.status == "saturated"
    reasons = (f"win_rate_{win_rate.verdict}", f"capacity_{capacity.status}")
    shift = fallen and saturated
    return Pressure(ranges[-1].key, ranges[-1].start, ranges[-1].end, fallen, saturated, shift,
                    reasons + (("shift_to_quality",) if shift else ()), win_rate, capacity)  # fmt: skip
