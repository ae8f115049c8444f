"""Pure statistics for ICP discovery and its evidence cards.

Every function takes plain numbers or numpy arrays and returns plain numbers or arrays; nothing
reads a database, the clock or global random state (randomness arrives as a
``numpy.random.Generator``).  Missing values are the caller's to remove: ``nan`` propagates through
every function except :func:`quantile_cut_points`, which looks at the finite values only.

Methods:

* Wilson score interval for a binomial proportion (Wilson 1927).
* Percentile bootstrap intervals for a mean, a median and a ratio of means (Efron & Tibshirani 1993).
* Welch's unequal-variance t-test from sufficient statistics, with Welch–Satterthwaite degrees of
  freedom, so that counts, sums and sums of squares can come straight from SQL.
* Fisher's exact test for two proportions; Mann–Whitney U for two samples.
* Benjamini–Hochberg step-up false discovery rate adjustment (Benjamini & Hochberg 1995).
* Equal-frequency cut points rounded to two significant figures, for numeric rule attributes.
"""

from __future__ import annotations

import functools
import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps  # type: ignore[import-untyped]  # scipy ships no type information

FloatArray = npt.NDArray[np.float64]
Statistic = Literal["mean", "median"]

# Index matrices for the bootstrap are drawn in chunks of at most this many elements: int32
# indices, the gathered float64 values and the median's working copy take 20 bytes each, so a
# chunk stays near 40 MB whatever the sample size.
_CHUNK_ELEMENTS = 2_000_000

# A variance below this fraction of the mean square is rounding noise of the sums (SQL engines
# add naively), not spread in the data: sums of a constant column must give variance 0.
_RELATIVE_VARIANCE_FLOOR = 1e-11


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")


@functools.lru_cache(maxsize=16)
def _two_sided_quantile(level: float) -> float:
    """The normal quantile of ``0.5 + level / 2`` (cached: scipy's ppf costs ~0.5 ms a call, which
    dominated a metrics table of thousands of rows)."""
    return float(sps.norm.ppf(0.5 + level / 2.0))


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``successes / n``.

    With ``p = successes / n`` and ``z`` the two-sided normal quantile of ``level``::

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · sqrt(p(1 − p)/n + z²/4n²)

    The bounds are clamped to [0, 1]; the lower bound is exactly 0 when ``successes == 0`` and the
    upper bound exactly 1 when ``successes == n``.  With ``n == 0`` there is no information and
    the result is ``(nan, nan)``.
    """
    _check_level(level)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    z = _two_sided_quantile(level)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def _sorted_quantile(ordered: FloatArray, q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of sorted values, exact with infinities."""
    h = (ordered.size - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, ordered.size - 1)
    frac = h - lo
    a, b = float(ordered[lo]), float(ordered[hi])
    if frac == 0.0 or a == b or math.isinf(a):
        return a
    if math.isinf(b):
        return b
    return a + frac * (b - a)


def _percentile_interval(replicates: FloatArray, level: float) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates; ``nan`` replicates (0/0) carry no information."""
    ordered = np.sort(replicates[~np.isnan(replicates)])
    if ordered.size == 0:
        return (math.nan, math.nan)
    alpha = (1.0 - level) / 2.0
    return (_sorted_quantile(ordered, alpha), _sorted_quantile(ordered, 1.0 - alpha))


def _bootstrap_replicates(
    values: FloatArray, statistic: Statistic, rng: np.random.Generator, resamples: int
) -> FloatArray:
    """The statistic of ``resamples`` resamples with replacement, drawn chunk by chunk."""
    n = values.size
    reduce = np.mean if statistic == "mean" else np.median
    rows_per_chunk = max(1, _CHUNK_ELEMENTS // n)
    out = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, rows_per_chunk):
        rows = min(rows_per_chunk, resamples - start)
        index = rng.integers(0, n, size=(rows, n), dtype=np.int32 if n < 2**31 else np.int64)
        out[start : start + rows] = reduce(values[index], axis=1)
    return out


def _as_1d(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64).ravel()


def _check_bootstrap(resamples: int, level: float) -> None:
    _check_level(level)
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")


def bootstrap_interval(
    values: npt.ArrayLike,
    *,
    statistic: Statistic,
    rng: np.random.Generator,
    resamples: int = 2000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval for the mean or median of ``values``.

    Resamples of the same size are drawn with replacement; the interval is the ``(1 − level)/2``
    and ``(1 + level)/2`` quantiles (linear interpolation) of the resampled statistic.  Index
    matrices are drawn in chunks, so memory stays bounded (~40 MB) for any sample size.  Empty
    input gives ``(nan, nan)``; a single value ``v`` gives ``(v, v)``.
    """
    _check_bootstrap(resamples, level)
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistic must be 'mean' or 'median', got {statistic!r}")
    data = _as_1d(values)
    if data.size == 0:
        return (math.nan, math.nan)
    if data.size == 1:
        return (float(data[0]), float(data[0]))
    return _percentile_interval(_bootstrap_replicates(data, statistic, rng, resamples), level)


def bootstrap_ratio_interval(
    sub: npt.ArrayLike,
    rest: npt.ArrayLike,
    *,
    rng: np.random.Generator,
    resamples: int = 2000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval for the lift ``mean(sub) / mean(rest)``.

    The two groups are resampled independently (stratified bootstrap).  The result is
    ``(nan, nan)`` when either group is empty or the point estimate is undefined
    (``mean(rest) == 0``).  A resample whose ``rest`` mean is 0 gives an infinite ratio (kept:
    the interval is then unbounded on that side), or ``nan`` for 0/0 (dropped).
    """
    _check_bootstrap(resamples, level)
    a, b = _as_1d(sub), _as_1d(rest)
    if a.size == 0 or b.size == 0 or float(np.mean(b)) == 0.0:
        return (math.nan, math.nan)
    means_sub = _bootstrap_replicates(a, "mean", rng, resamples)
    means_rest = _bootstrap_replicates(b, "mean", rng, resamples)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = means_sub / means_rest
    return _percentile_interval(ratios, level)


def _mean_and_variance(n: FloatArray, total: FloatArray, total_sq: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and unbiased variance from (count, sum, sum of squares); garbage where n < 2."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        # sum((x - mean)²) = Σx² − mean·Σx; cancellation may leave tiny negatives or noise.
        squares = total_sq - mean * total
        squares = np.where(squares <= _RELATIVE_VARIANCE_FLOOR * np.abs(total_sq), 0.0, squares)
        return mean, squares / (n - 1.0)


def welch_one_sided_p(
    n1: npt.ArrayLike,
    sum1: npt.ArrayLike,
    sumsq1: npt.ArrayLike,
    n2: npt.ArrayLike,
    sum2: npt.ArrayLike,
    sumsq2: npt.ArrayLike,
) -> FloatArray:
    """One-sided p-value for "mean of group 1 > mean of group 2", Welch's t-test from sums.

    Each group is given by its count, sum and sum of squares; all six arguments broadcast
    together, and the result has the broadcast shape (a 0-d array for scalars: use ``float(p)``).
    ``t = (m1 − m2) / sqrt(v1/n1 + v2/n2)`` with Welch–Satterthwaite degrees of freedom
    ``(v1/n1 + v2/n2)² / ((v1/n1)²/(n1 − 1) + (v2/n2)²/(n2 − 1))``, and ``p = P(T_df > t)``.

    Degenerate cases, decided explicitly: a group with fewer than 2 members gives p = 1 (no
    variance estimate); when both variances are 0 the means are known exactly, so p = 0 if
    ``m1 > m2`` and 1 otherwise.  A variance below 1e-11 of the mean square counts as 0.
    """
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (n1, sum1, sumsq1, n2, sum2, sumsq2)))
    c1, s1, q1, c2, s2, q2 = arrays
    mean1, var1 = _mean_and_variance(c1, s1, q1)
    mean2, var2 = _mean_and_variance(c2, s2, q2)
    enough = (c1 >= 2) & (c2 >= 2)
    # Dummy values where the test is undefined keep scipy and numpy free of warnings.
    a1 = np.where(enough, var1 / np.where(enough, c1, 1.0), 0.0)
    a2 = np.where(enough, var2 / np.where(enough, c2, 1.0), 0.0)
    se2 = a1 + a2
    regular = enough & (se2 > 0)
    safe_se2 = np.where(regular, se2, 1.0)
    t = np.where(regular, mean1 - mean2, 0.0) / np.sqrt(safe_se2)
    df_denominator = a1**2 / np.where(regular, c1 - 1.0, 1.0) + a2**2 / np.where(regular, c2 - 1.0, 1.0)
    df = np.where(regular, safe_se2**2 / np.where(regular, df_denominator, 1.0), 1.0)
    p = np.asarray(sps.t.sf(t, df), dtype=np.float64)
    exact = np.where(mean1 > mean2, 0.0, 1.0)
    return np.asarray(np.where(regular, p, np.where(enough, exact, 1.0)), dtype=np.float64)


def two_proportion_one_sided_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided p-value for "rate k1/n1 > rate k2/n2" by Fisher's exact test.

    The 2×2 table ``[[k1, n1 − k1], [k2, n2 − k2]]`` is tested with ``alternative="greater"``
    (odds ratio > 1).  An empty group (``n1 == 0`` or ``n2 == 0``) gives 1.0.
    """
    if not (0 <= k1 <= max(n1, 0) and 0 <= k2 <= max(n2, 0)):
        raise ValueError(f"need 0 <= k <= n, got k1={k1}, n1={n1}, k2={k2}, n2={n2}")
    if n1 == 0 or n2 == 0:
        return 1.0
    result = sps.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="greater")
    return float(result.pvalue)


def benjamini_hochberg(pvalues: npt.ArrayLike, *, total_tests: int | None = None) -> FloatArray:
    """Benjamini–Hochberg step-up adjusted p-values (q-values), in the order of the input.

    ``q_(i) = min over j ≥ i of p_(j) · m / j`` for the sorted p-values, clipped to 1, where
    ``m = total_tests`` (default: the number of p-values).  A larger ``total_tests`` counts
    hypotheses that were tried but pruned before a p-value was computed; they are treated as
    p = 1, which only raises ``m`` (their own q-values would be ≥ 1), so the adjustment stays
    conservative.  O(m log m) by one sort.
    """
    p = _as_1d(pvalues)
    if np.any(np.isnan(p)) or np.any((p < 0.0) | (p > 1.0)):
        raise ValueError("p-values must lie in [0, 1] and not be nan")
    m = p.size if total_tests is None else total_tests
    if m < p.size:
        raise ValueError(f"total_tests ({m}) is smaller than the number of p-values ({p.size})")
    if p.size == 0:
        return np.empty(0, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    ranks = np.arange(1, p.size + 1, dtype=np.float64)
    scaled = p[order] * (m / ranks)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q = np.empty_like(adjusted)
    q[order] = adjusted
    return q


def mann_whitney_one_sided_p(sub: npt.ArrayLike, rest: npt.ArrayLike) -> float:
    """One-sided p-value for "``sub`` tends to be larger than ``rest``", Mann–Whitney U test.

    scipy's ``mannwhitneyu(alternative="greater")`` with its default method (exact for small
    samples without ties, otherwise normal approximation with tie correction).  An empty group
    gives 1.0.
    """
    a, b = _as_1d(sub), _as_1d(rest)
    if a.size == 0 or b.size == 0:
        return 1.0
    return float(sps.mannwhitneyu(a, b, alternative="greater").pvalue)


def lift(mean_sub: float, mean_rest: float) -> float:
    """Lift ``mean_sub / mean_rest``; ``nan`` when ``mean_rest`` is 0."""
    if mean_rest == 0:
        return math.nan
    return mean_sub / mean_rest


def round_significant(x: float, digits: int = 2) -> float:
    """Round to ``digits`` significant figures (1234.5 → 1200, 0.0347 → 0.035, 47 → 47).

    Uses decimal formatting of the binary value, so exact ties go to the even digit.
    """
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def quantile_cut_points(values: npt.ArrayLike, bins: int = 5) -> list[float]:
    """Readable cut points for a numeric attribute: rounded equal-frequency quantiles.

    The ``bins − 1`` interior quantiles ``k/bins`` (numpy's default linear method) of the finite
    values are rounded to 2 significant figures, deduplicated and sorted.  A cut point is kept
    only if it lies strictly between the smallest and largest value, so both sides are non-empty
    whether a rule compares with ``<``/``>=`` or ``<=``/``>``.  Empty or constant input gives [].
    """
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    data = _as_1d(values)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return []
    low, high = float(data.min()), float(data.max())
    if low == high:
        return []
    quantiles = np.quantile(data, np.arange(1, bins) / bins)
    rounded = {round_significant(float(q)) for q in quantiles}
    return sorted(c for c in rounded if low < c < high)


def hypergeometric_one_sided_p(
    hits: npt.ArrayLike, size: npt.ArrayLike, total_hits: int, population: int
) -> FloatArray:
    """One-sided Fisher exact p-value that a subgroup's rate is higher than the rest's, vectorised:
    ``P(X ≥ hits)`` for X ~ Hypergeometric(population, total_hits, size) (for 0/1 targets)."""
    k = np.rint(np.asarray(hits, dtype=np.float64))
    n = np.rint(np.asarray(size, dtype=np.float64))
    p: FloatArray = np.asarray(sps.hypergeom.sf(k - 1, population, total_hits, n), dtype=np.float64)
    return np.clip(p, 0.0, 1.0)
