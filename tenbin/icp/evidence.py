"""The evidence of a rule: who matches, their LTV, win rate and retention against everyone else,
whether the profile exists in the market, and which challenges its customers brought us.

Counts come from SQL over the rule's compiled expression; the per-customer LTV values come to
Python only for the bootstrap intervals (percentile bootstrap, seeded, in account-id order, so the
same data gives the same interval on SQLite and PostgreSQL). Every rate carries its counts and a
95 % interval (Wilson score interval for proportions).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, case, func, literal, select

from tenbin.db import schema
from tenbin.icp import stats
from tenbin.icp.fetch import fetch_tuples, int_array
from tenbin.icp.population import Customers, load_customers, prospect

RESAMPLES = 2000
TOP_CATEGORIES = 5
MIN_CATEGORY_COUNT = 3


@dataclass(frozen=True)
class Rate:
    hits: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Values:
    n: int
    mean: float | None
    mean_low: float | None
    mean_high: float | None
    median: float | None
    median_low: float | None
    median_high: float | None


@dataclass(frozen=True)
class CategoryShare:
    name: str
    inside: int
    inside_share: float
    outside: int
    outside_share: float
    ratio: float | None


@dataclass(frozen=True)
class Evidence:
    accounts: int
    accounts_total: int
    customers: Rate  # matching customers / all customers
    ltv_basis: str
    ltv_inside: Values
    ltv_outside: Values
    ltv_lift: float | None
    ltv_lift_low: float | None
    ltv_lift_high: float | None
    ltv_p: float | None  # Mann–Whitney, one-sided "higher inside"
    win_inside: Rate
    win_outside: Rate
    win_p: float | None  # Fisher exact, one-sided
    retention_inside: Rate
    retention_outside: Rate
    retention_p: float | None
    market_accounts: int  # matching accounts that are not customers
    market_accounts_total: int
    market_open_leads: int  # contacts at those accounts
    categories: tuple[CategoryShare, ...]
    computed_at: str

    def as_dict(self) -> dict[str, Any]:
        return json_ready(asdict(self))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_ready(value: dict[str, Any]) -> dict[str, Any]:
    """The dict with NaN and ±inf replaced by None (JSON has no such numbers), recursively."""
    cleaned: dict[str, Any] = _finite(value)
    return cleaned


def rate(hits: int, n: int) -> Rate:
    if n == 0:
        return Rate(hits, n, None, None, None)
    low, high = stats.wilson_interval(hits, n)
    return Rate(hits, n, hits / n, low, high)


BOOTSTRAP_MAX = 20_000  # beyond this many values the large-sample intervals are used
Z95 = 1.959963984540054


def resamples_for(n: int) -> int:
    """Bootstrap resamples: 2,000, fewer for large groups (≥ 200; about 4·10⁶ draws at most)."""
    return int(min(RESAMPLES, max(200, 4_000_000 // max(n, 1))))


def _large_mean(values: np.ndarray) -> tuple[float, float]:
    """Normal-approximation interval of the mean (what the bootstrap converges to for large n)."""
    half = Z95 * float(values.std(ddof=1)) / np.sqrt(len(values))
    return float(values.mean()) - half, float(values.mean()) + half


def _large_median(values: np.ndarray) -> tuple[float, float]:
    """Distribution-free interval of the median from order statistics (binomial, normal approximation)."""
    ordered = np.sort(values)
    n = len(ordered)
    half = Z95 * np.sqrt(n) / 2
    low, high = max(0, int(np.floor(n / 2 - half))), min(n - 1, int(np.ceil(n / 2 + half)))
    return float(ordered[low]), float(ordered[high])


def values_summary(values: np.ndarray, rng: np.random.Generator) -> Values:
    """Mean and median with 95 % intervals: percentile bootstrap up to 20,000 values, large-sample beyond."""
    if len(values) == 0:
        return Values(0, None, None, None, None, None, None)
    if len(values) > BOOTSTRAP_MAX:
        mean_ci, median_ci = _large_mean(values), _large_median(values)
    else:
        b = resamples_for(len(values))
        mean_ci = stats.bootstrap_interval(values, statistic="mean", rng=rng, resamples=b)
        median_ci = stats.bootstrap_interval(values, statistic="median", rng=rng, resamples=b)
    return Values(len(values), float(values.mean()), *mean_ci, float(np.median(values)), *median_ci)


def _lift_interval(inside: np.ndarray, outside: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Interval of mean(inside) / mean(outside): bootstrap, or the delta method for large groups."""
    if len(inside) + len(outside) <= BOOTSTRAP_MAX:
        resamples = resamples_for(len(inside) + len(outside))
        return stats.bootstrap_ratio_interval(inside, outside, rng=rng, resamples=resamples)
    m1, m2 = float(inside.mean()), float(outside.mean())
    v1, v2 = float(inside.var(ddof=1)) / len(inside), float(outside.var(ddof=1)) / len(outside)
    ratio = m1 / m2
    half = Z95 * ratio * np.sqrt(v1 / m1**2 + v2 / m2**2)
    return ratio - half, ratio + half


def compute_evidence(
    conn: Connection, condition: ColumnElement[bool], *, seed: int = 0, now: dt.datetime | None = None,
    customers: Customers | None = None,
) -> Evidence:  # fmt: skip
    """The full evidence of the accounts matching ``condition`` (e.g. ``to_sql(rule)``) on this workspace.

    ``customers`` (from :func:`load_customers`) may be shared by many calls on the same data."""
    table = customers or load_customers(conn)
    rng = np.random.default_rng(seed)
    a = schema.accounts
    matched_ids = int_array([row[0] for row in fetch_tuples(conn, select(a.c.id).where(condition))])
    mask = np.isin(table.ids, matched_ids)
    inside, outside = table.ltv[mask], table.ltv[~mask]
    lift = stats.lift(float(inside.mean()), float(outside.mean())) if len(inside) and len(outside) else None
    lift_ci: tuple[float | None, float | None] = _lift_interval(inside, outside, rng) if lift else (None, None)
    matched = case((condition, literal(1)), else_=literal(0)).label("matched")
    win = _win_counts(conn, matched)
    retained = {}
    for m, group in ((1, mask), (0, ~mask)):
        retained[m] = (int((table.retained & table.eligible & group).sum()), int((table.eligible & group).sum()))
    market_accounts = len(matched_ids) - len(inside)  # matching accounts that are not customers
    return Evidence(
        accounts=len(matched_ids),
        accounts_total=table.accounts_total,
        customers=rate(len(inside), len(table.ids)),
        ltv_basis=table.basis,
        ltv_inside=values_summary(inside, rng),
        ltv_outside=values_summary(outside, rng),
        ltv_lift=lift,
        ltv_lift_low=lift_ci[0],
        ltv_lift_high=lift_ci[1],
        ltv_p=stats.mann_whitney_one_sided_p(inside, outside) if len(inside) and len(outside) else None,
        win_inside=rate(*win[1]),
        win_outside=rate(*win[0]),
        win_p=stats.two_proportion_one_sided_p(*win[1], *win[0]) if win[1][1] and win[0][1] else None,
        retention_inside=rate(*retained[1]),
        retention_outside=rate(*retained[0]),
        retention_p=(
            stats.two_proportion_one_sided_p(*retained[1], *retained[0]) if retained[1][1] and retained[0][1] else None
        ),
        market_accounts=market_accounts,
        market_accounts_total=table.prospects,
        market_open_leads=_market_leads(conn, matched),
        categories=_categories(table, mask),
        computed_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
    )


def _win_counts(conn: Connection, matched: Any) -> dict[int, tuple[int, int]]:
    o, a = schema.opportunities, schema.accounts
    won = func.sum(case((o.c.status == "won", 1), else_=0))
    query = (
        select(matched, won, func.count())
        .select_from(o.join(a, a.c.id == o.c.account_id))
        .where(o.c.status.in_(("won", "lost")))
        .group_by(matched)
    )
    counts = {0: (0, 0), 1: (0, 0)}
    for m, w, n in conn.execute(query):
        counts[int(m)] = (int(w or 0), int(n))
    return counts


def _market_leads(conn: Connection, matched: Any) -> int:
    """Contacts at matching accounts that are not customers."""
    a, c = schema.accounts, schema.contacts
    query = select(func.count()).select_from(c.join(a, a.c.id == c.c.account_id)).where(prospect(), matched == 1)
    return int(conn.execute(query).scalar_one())


def _categories(table: Customers, mask: np.ndarray) -> tuple[CategoryShare, ...]:
    """Challenge categories most over-represented among matching customers (share inside / outside)."""
    n_in, n_out = int(mask.sum()), int((~mask).sum())
    inside_counts, outside_counts = table.has_category[mask].sum(axis=0), table.has_category[~mask].sum(axis=0)
    shares = []
    for name, inside, outside in zip(table.categories, inside_counts.tolist(), outside_counts.tolist(), strict=True):
        if inside < MIN_CATEGORY_COUNT or not n_in:
            continue
        share_in, share_out = inside / n_in, (outside / n_out if n_out else 0.0)
        if share_in <= share_out:
            continue  # not over-represented
        ratio = share_in / share_out if share_out else None
        shares.append(CategoryShare(name, inside, share_in, outside, share_out, ratio))
    shares.sort(key=lambda s: (-(s.ratio if s.ratio is not None else math.inf), -s.inside, s.name))
    return tuple(shares[:TOP_CATEGORIES])
