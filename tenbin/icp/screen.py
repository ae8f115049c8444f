"""The statistical half of ICP discovery, on an in-memory population (no database): the time (or
random) split, the exact subgroup search on the earlier half, Benjamini–Hochberg over everything
tried, and the held-out confirmation. Pure apart from the seeded random split, so it is tested on
shuffled targets and on real public data directly."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tenbin.icp import stats
from tenbin.icp.population import Population
from tenbin.icp.search import Subgroup, search
from tenbin.icp.selectors import Column, selector_mask

ALPHA = 0.05
MIN_SUPPORT_FLOOR = 10
SUPPORT_SHARE = 0.02
MIN_HOLDOUT = 5
DATED_SHARE = 0.9
TOP_K = 10
WIDEN = 20
REDUNDANT = 0.9
SIMPLER_WITHIN = 0.95


@dataclass(frozen=True)
class Settings:
    depth: int = 3
    min_support: int | None = None  # None: max(10, 2 % of the discovery half)
    top_k: int = TOP_K
    alpha: float = ALPHA
    seed: int = 0
    a: float = 1.0  # size exponent of the quality: 1 = share of the total excess (coverage × effect)


@dataclass(frozen=True)
class Holdout:
    size: int
    mean: float | None
    rest_size: int
    rest_mean: float | None
    lift: float | None
    p: float


@dataclass(frozen=True)
class Screened:
    """One candidate subgroup with its statistics on both halves and its statistical verdict."""

    subgroup: Subgroup
    rest_mean: float
    p: float
    q: float
    holdout: Holdout
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Screening:
    split: str  # time | random
    split_date: str | None
    discovery_rows: int
    holdout_rows: int
    min_support: int
    selectors: int
    tried: int
    evaluated: int
    items: tuple[Screened, ...]


def split_rows(pop: Population, seed: int) -> tuple[np.ndarray, np.ndarray, str, str | None]:
    """Indices of the discovery and holdout halves, the kind of split and the boundary date."""
    n = len(pop.values)
    dated = ~np.isnat(pop.dates)
    if n and dated.mean() >= DATED_SHARE:
        order = np.lexsort((pop.account_ids, np.where(dated, pop.dates, np.datetime64("9999-12-31"))))
        half = n // 2
        boundary = str(pop.dates[order[half - 1]]) if half else None
        return np.sort(order[:half]), np.sort(order[half:]), "time", boundary
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[: n // 2]), np.sort(order[n // 2 :]), "random", None


def _take(columns: Sequence[Column], rows: np.ndarray) -> list[Column]:
    return [Column(c.key, c.kind, c.values[rows], c.cut_points, c.integer) for c in columns]


def subset(pop: Population, rows: np.ndarray) -> Population:
    return Population(
        pop.target, pop.target_label, pop.binary, pop.account_ids[rows], pop.values[rows], pop.dates[rows],
        tuple(_take(pop.columns, rows)), pop.basis,
    )  # fmt: skip


@dataclass(frozen=True)
class QTable:
    """Sorted p-values of the evaluated subgroups, their BH q-values and the number of hypotheses."""

    ordered: np.ndarray
    q: np.ndarray
    m: int


def _q_values(pvalues: np.ndarray, tried: int) -> QTable:
    """BH q-values over every hypothesis tried (tried − evaluated ones count as p = 1)."""
    ordered = np.sort(np.asarray(pvalues, dtype=np.float64))
    m = max(tried, len(ordered), 1)
    if len(ordered) == 0:
        return QTable(ordered, ordered, m)
    return QTable(ordered, np.asarray(stats.benjamini_hochberg(ordered, total_tests=m)), m)


def q_of(p: float, table: QTable) -> float:
    """The BH q-value of ``p`` as one of the tested hypotheses: min(p·m / rank, q of the next larger p).

    Recomputed p-values can differ from the search's in the last bits, so ``p`` is ranked among the
    table rather than looked up in it."""
    rank = max(1, int(np.searchsorted(table.ordered, p, side="right")))
    q = p * table.m / rank
    if rank < len(table.q):
        q = min(q, float(table.q[rank]))
    return float(min(1.0, q))


def one_sided_p(inside: np.ndarray, outside: np.ndarray, binary: bool) -> float:
    """ "Higher inside" p-value: Fisher exact for 0/1 targets, Welch otherwise."""
    if binary:
        if not len(inside) or not len(outside):
            return 1.0
        hits, total = float(inside.sum()), float(inside.sum() + outside.sum())
        return float(stats.hypergeometric_one_sided_p(hits, len(inside), int(total), len(inside) + len(outside)))
    return welch(inside, outside)


def welch(inside: np.ndarray, outside: np.ndarray) -> float:
    args = [len(inside), inside.sum(), (inside * inside).sum(), len(outside), outside.sum(), (outside * outside).sum()]
    return float(stats.welch_one_sided_p(*args))


def _mask(columns: list[Column], sub: Subgroup, rows: int) -> np.ndarray:
    by_key = {c.key: c for c in columns}
    mask = np.ones(rows, dtype=bool)
    for selector in sub.selectors:
        mask &= selector_mask(selector, by_key[selector.column])
    return mask


def distinct_subgroups(subgroups: tuple[Subgroup, ...], columns: list[Column], rows: int) -> list[Subgroup]:
    """One subgroup per cluster of near-identical ones (Jaccard of their rows ≥ 0.9), best first.

    Within a cluster the simpler subgroup (fewer conditions) wins when its quality is within 5 % of
    the best: "employees >= 500" rather than "employees >= 500 and revenue <= 99,999,999,999".
    """
    kept: list[tuple[Subgroup, np.ndarray]] = []
    for sub in subgroups:
        mask = _mask(columns, sub, rows)
        for index, (other, other_mask) in enumerate(kept):
            union = np.count_nonzero(mask | other_mask)
            if union and np.count_nonzero(mask & other_mask) / union >= REDUNDANT:
                simpler = len(sub.selectors) < len(other.selectors)
                if simpler and sub.quality >= SIMPLER_WITHIN * other.quality:
                    kept[index] = (sub, mask)
                break
        else:
            kept.append((sub, mask))
    return [sub for sub, _ in kept]


def _holdout(columns: list[Column], sub: Subgroup, target: np.ndarray, binary: bool) -> Holdout:
    mask = _mask(columns, sub, len(target))
    inside, outside = target[mask], target[~mask]
    mean_in = float(inside.mean()) if len(inside) else None
    mean_out = float(outside.mean()) if len(outside) else None
    lift = stats.lift(mean_in, mean_out) if mean_in is not None and mean_out else None
    return Holdout(len(inside), mean_in, len(outside), mean_out, lift, one_sided_p(inside, outside, binary))


def screen(pop: Population, settings: Settings) -> Screening:
    """Split, search the earlier half, correct for everything tried, confirm on the later half."""
    first, second, kind, boundary = split_rows(pop, settings.seed)
    min_support = settings.min_support or max(MIN_SUPPORT_FLOOR, math.ceil(SUPPORT_SHARE * len(first)))
    columns = _take(pop.columns, first)
    target = pop.values[first]
    wide = settings.top_k * WIDEN  # near-identical subgroups become one candidate: ask for more
    result = search(
        columns, target, depth=settings.depth, min_support=min_support, top_k=wide, a=settings.a, binary=pop.binary
    )
    table = _q_values(result.evaluated_pvalues, result.tried)
    held_columns, held_target = _take(pop.columns, second), pop.values[second]
    items = []
    for sub in distinct_subgroups(result.top, list(pop.columns), len(pop.values))[: settings.top_k]:
        inside = _mask(columns, sub, len(first))
        p = one_sided_p(target[inside], target[~inside], pop.binary)
        holdout = _holdout(held_columns, sub, held_target, pop.binary)
        q = q_of(p, table)
        rest_mean = float(target[~inside].mean()) if (~inside).any() else math.nan
        items.append(Screened(sub, rest_mean, p, q, holdout, tuple(statistical_reasons(q, holdout, settings.alpha))))
    return Screening(
        kind, boundary, len(first), len(second), min_support, result.selectors, result.tried,
        len(result.evaluated_pvalues), tuple(items),
    )  # fmt: skip


def statistical_reasons(q: float, holdout: Holdout, alpha: float) -> list[str]:
    """Why a subgroup fails the statistical part of the evidence gate (empty: it passes)."""
    reasons = []
    if q > alpha:
        reasons.append("not_significant")
    if holdout.size < MIN_HOLDOUT or holdout.rest_size < MIN_HOLDOUT:
        reasons.append("holdout_too_small")
    elif holdout.p >= alpha or (holdout.lift is not None and holdout.lift <= 1.0):
        reasons.append("holdout_not_confirmed")
    return reasons
