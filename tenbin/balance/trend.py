"""Has the win rate (受注率) fallen? A pure judgement from counts of closed deals per period.

The article's resource rule reads 「受注率が悪化し営業リソースが疲弊してきた場合は質中心に」; this module
decides the first half. Definitions:

* The **win rate of a period** is ``won / closed`` over the opportunities *closed* in it (status
  ``won`` or ``lost``, by ``closed_on``). Closed deals, not cohorts: the share of a month's new
  opportunities won *so far* is always lower for recent months (they have had less time to close),
  which would read as a fall every month.
* The **baseline** is the ``baseline_periods`` periods before the judged one, pooled: ``Σ won / Σ
  closed`` (the mean of their rates weighted by their deals, so a month with two deals does not
  count as much as one with fifty).
* **Test**: one-sided Fisher exact test of "the baseline's rate is higher than the judged period's"
  on the 2×2 table ``[[baseline won, baseline lost], [period won, period lost]]``
  (:func:`tenbin.icp.stats.two_proportion_one_sided_p`). ``p < alpha`` (default 0.05) → ``fallen``.
* **Not enough data** when the judged period has fewer than ``min_closed`` closed deals, the
  baseline fewer than ``min_baseline_closed``, or fewer than ``min_baseline_periods`` of the
  baseline periods have any closed deal: small samples say nothing either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tenbin.icp.stats import two_proportion_one_sided_p

Verdict = Literal["fallen", "not_fallen", "not_enough_data"]
VERDICTS: tuple[Verdict, ...] = ("fallen", "not_fallen", "not_enough_data")

ALPHA = 0.05
BASELINE_PERIODS = 3
MIN_CLOSED = 10
MIN_BASELINE_CLOSED = 20
MIN_BASELINE_PERIODS = 2


@dataclass(frozen=True)
class ClosedDeals:
    """Deals closed in one period: ``won`` of ``closed`` (won + lost)."""

    period: str
    won: int
    closed: int

    @property
    def rate(self) -> float | None:
        return self.won / self.closed if self.closed else None


@dataclass(frozen=True)
class WinRateChange:
    """The judged period's win rate against the pooled baseline of the periods before it.

    ``p_fallen`` is the one-sided Fisher p-value of "the baseline's rate is higher" (``None`` when
    the verdict is ``not_enough_data``); ``baseline`` lists the baseline periods, oldest first."""

    period: str
    won: int
    closed: int
    rate: float | None
    baseline: tuple[ClosedDeals, ...]
    baseline_won: int
    baseline_closed: int
    baseline_rate: float | None
    p_fallen: float | None
    alpha: float
    verdict: Verdict

    @property
    def fallen(self) -> bool:
        return self.verdict == "fallen"


def judge_win_rate(
    judged: ClosedDeals,
    baseline: Sequence[ClosedDeals],
    *,
    alpha: float = ALPHA,
    min_closed: int = MIN_CLOSED,
    min_baseline_closed: int = MIN_BASELINE_CLOSED,
    min_baseline_periods: int = MIN_BASELINE_PERIODS,
) -> WinRateChange:
    """Whether ``judged``'s win rate fell below the pooled ``baseline`` (see the module docstring)."""
    won, closed = sum(b.won for b in baseline), sum(b.closed for b in baseline)
    base_rate = won / closed if closed else None
    enough = (
        judged.closed >= min_closed
        and closed >= min_baseline_closed
        and sum(1 for b in baseline if b.closed) >= min_baseline_periods
    )
    p = two_proportion_one_sided_p(won, closed, judged.won, judged.closed) if enough else None
    verdict: Verdict = "not_enough_data" if p is None else ("fallen" if p < alpha else "not_fallen")
    return WinRateChange(judged.period, judged.won, judged.closed, judged.rate, tuple(baseline), won, closed,
                         base_rate, p, alpha, verdict)  # fmt: skip
