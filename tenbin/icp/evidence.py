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
from tenbin.icp.population import RETENTION_MONTHS, last_revenue_date, months_between, revenue_basis, revenue_by_account

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
        result: dict[str, Any] = _finite(asdict(self))
        return result


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


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
    conn: Connection, condition: ColumnElement[bool], *, seed: int = 0, now: dt.datetime | None = None
) -> Evidence:
    """The full evidence of the accounts matching ``condition`` (e.g. ``to_sql(rule)``) on this workspace."""
    matched = case((condition, literal(1)), else_=literal(0)).label("matched")
    rng = np.random.default_rng(seed)
    accounts_total, accounts = conn.execute(select(func.count(), func.coalesce(func.sum(matched), 0))).one()
    customers = _customer_rows(conn, matched)
    inside = np.array([row[1] for row in customers if row[0]], dtype=np.float64)
    outside = np.array([row[1] for row in customers if not row[0]], dtype=np.float64)
    lift = stats.lift(float(inside.mean()), float(outside.mean())) if len(inside) and len(outside) else None
    lift_ci: tuple[float | None, float | None] = _lift_interval(inside, outside, rng) if lift else (None, None)
    win = _win_counts(conn, matched)
    retained = _retention_counts(conn, customers)
    market_accounts, market_total, leads = _market(conn, matched)
    return Evidence(
        accounts=int(accounts),
        accounts_total=int(accounts_total),
        customers=rate(len(inside), len(customers)),
        ltv_basis=revenue_basis(conn),
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
        market_accounts_total=market_total,
        market_open_leads=leads,
        categories=_categories(conn, matched),
        computed_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
    )


def _customer_rows(conn: Connection, matched: Any) -> list[tuple[int, float, dt.date, dt.date]]:
    rev = revenue_by_account(conn)
    a = schema.accounts
    query = (
        select(matched, rev.c.ltv, rev.c.first_on, rev.c.last_on)
        .select_from(a.join(rev, rev.c.account_id == a.c.id))
        .order_by(a.c.id)
    )
    return [(int(m), float(v), f, last) for m, v, f, last in conn.execute(query)]


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


def _retention_counts(
    conn: Connection, customers: list[tuple[int, float, dt.date, dt.date]]
) -> dict[int, tuple[int, int]]:
    end = last_revenue_date(conn)
    counts = {0: [0, 0], 1: [0, 0]}
    for m, _, first, last in customers:
        if end is not None and months_between(first, end) >= RETENTION_MONTHS:
            counts[m][1] += 1
            counts[m][0] += months_between(first, last) >= RETENTION_MONTHS
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _market(conn: Connection, matched: Any) -> tuple[int, int, int]:
    a, c = schema.accounts, schema.contacts
    customers = select(schema.revenue_lines.c.account_id).where(schema.revenue_lines.c.account_id.isnot(None))
    prospects = a.c.id.not_in(customers)
    total, hits = conn.execute(select(func.count(), func.coalesce(func.sum(matched), 0)).where(prospects)).one()
    leads = conn.execute(
        select(func.count()).select_from(c.join(a, a.c.id == c.c.account_id)).where(prospects, matched == 1)
    ).scalar_one()
    return int(hits), int(total), int(leads)


def _categories(conn: Connection, matched: Any) -> tuple[CategoryShare, ...]:
    """Challenge categories most over-represented among matching customers (share inside / outside)."""
    ch, cat, a = schema.challenges, schema.challenge_categories, schema.accounts
    rev = revenue_by_account(conn)
    base = a.join(rev, rev.c.account_id == a.c.id)
    sizes = dict(conn.execute(select(matched, func.count()).select_from(base).group_by(matched)).tuples().all())
    query = (
        select(cat.c.name, matched, func.count(func.distinct(a.c.id)))
        .select_from(base.join(ch, ch.c.account_id == a.c.id).join(cat, cat.c.id == ch.c.category_id))
        .group_by(cat.c.name, matched)
    )
    counts: dict[str, list[int]] = {}
    for name, m, n in conn.execute(query):
        counts.setdefault(name, [0, 0])[int(m)] = int(n)
    n_in, n_out = int(sizes.get(1, 0)), int(sizes.get(0, 0))
    shares = []
    for name, (outside, inside) in counts.items():
        if inside < MIN_CATEGORY_COUNT or not n_in:
            continue
        share_in, share_out = inside / n_in, (outside / n_out if n_out else 0.0)
        shares.append(
            CategoryShare(name, inside, share_in, outside, share_out, share_in / share_out if share_out else None)
        )
    shares.sort(key=lambda s: (-(s.ratio if s.ratio is not None else math.inf), -s.inside, s.name))
    return tuple(shares[:TOP_CATEGORIES])
