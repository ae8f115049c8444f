"""Pure arithmetic on the counts and sums the metric queries return: proportions with a Wilson
interval, ICP vs non-ICP comparisons with Fisher's exact test, shares and unit costs.

Nothing here reads the database; every function is a function of plain numbers.

Methods:

* Wilson score interval (95 %) for a proportion, :func:`tenbin.icp.stats.wilson_interval`.
* One-sided Fisher exact test of "ICP leads convert better than non-ICP leads" on the 2×2 table
  ``[[icp converted, icp not], [non-ICP converted, non-ICP not]]``,
  :func:`tenbin.icp.stats.two_proportion_one_sided_p`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tenbin.icp.stats import two_proportion_one_sided_p, wilson_interval

LEVEL = 0.95


@dataclass(frozen=True)
class Proportion:
    """``hits`` of ``total``: the rate and its 95 % Wilson interval (all ``None`` when ``total`` is 0)."""

    hits: int
    total: int
    rate: float | None
    low: float | None
    high: float | None


def proportion(hits: int, total: int) -> Proportion:
    """``hits / total`` with the Wilson score interval at 95 %."""
    if total == 0:
        return Proportion(hits, total, None, None, None)
    low, high = wilson_interval(hits, total, LEVEL)
    return Proportion(hits, total, hits / total, _finite(low), _finite(high))


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Comparison:
    """One rate for ICP and for non-ICP leads, their difference (ICP − non-ICP, in points of a
    proportion) and the one-sided Fisher exact p-value of "the ICP rate is higher"."""

    icp: Proportion
    non_icp: Proportion
    difference: float | None
    p_icp_higher: float


def compare(icp_hits: int, icp_total: int, non_icp_hits: int, non_icp_total: int) -> Comparison:
    """ICP vs non-ICP rates; an empty side gives no difference and p = 1."""
    icp, non_icp = proportion(icp_hits, icp_total), proportion(non_icp_hits, non_icp_total)
    difference = icp.rate - non_icp.rate if icp.rate is not None and non_icp.rate is not None else None
    p = two_proportion_one_sided_p(icp_hits, icp_total, non_icp_hits, non_icp_total)
    return Comparison(icp, non_icp, difference, p)


@dataclass(frozen=True)
class Share:
    """The part of an amount that comes from ICP accounts, beside how many records carry it."""

    total: int
    icp: int
    share: float | None
    count: int
    icp_count: int


def share(icp: int, total: int, *, icp_count: int, count: int) -> Share:
    """``icp / total`` (``None`` when the total is 0)."""
    return Share(total, icp, icp / total if total else None, count, icp_count)


def per_unit(cost: int | None, units: int) -> float | None:
    """Cost per unit (yen per lead); ``None`` when the cost is unknown or there are no units."""
    return cost / units if cost is not None and units else None
