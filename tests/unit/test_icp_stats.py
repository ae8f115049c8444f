"""ICP statistics: expected values worked out by hand (arithmetic in the comments), plus scipy cross-checks."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pytest
from scipy import stats as sps

from tenbin.icp.stats import (
    benjamini_hochberg,
    bootstrap_interval,
    bootstrap_ratio_interval,
    lift,
    mann_whitney_one_sided_p,
    quantile_cut_points,
    round_significant,
    two_proportion_one_sided_p,
    welch_one_sided_p,
    wilson_interval,
)


def sums(values: list[float] | np.ndarray) -> tuple[int, float, float]:
    """(count, sum, sum of squares) of a sample: the sufficient statistics SQL would return."""
    x = np.asarray(values, dtype=np.float64)
    return x.size, float(x.sum()), float((x * x).sum())


# --- Wilson ---------------------------------------------------------------------------------


def test_wilson_150_of_400() -> None:
    # p̂ = 150/400 = 0.375, z = 1.959964, z² = 3.841459, z²/n = 0.00960365, z²/2n = 0.00480182
    # centre = (0.375 + 0.00480182) / 1.00960365 = 0.37980182 / 1.00960365 = 0.376189
    # p̂(1−p̂)/n = 0.234375/400 = 0.00058594;  z²/4n² = 3.841459/640000 = 0.00000600
    # half = 1.959964 / 1.00960365 · sqrt(0.00059194) = 1.941321 · 0.0243298 = 0.047232
    # interval = (0.376189 − 0.047232, 0.376189 + 0.047232) = (0.328957, 0.423421)
    low, high = wilson_interval(150, 400)
    assert low == pytest.approx(0.328957, abs=2e-6)
    assert high == pytest.approx(0.423421, abs=2e-6)


def test_wilson_zero_successes() -> None:
    # p̂ = 0: centre = half = (z²/2n)/(1 + z²/n), so the lower bound is 0 and the upper is
    # (z²/n)/(1 + z²/n) = 0.3841459 / 1.3841459 = 0.277533
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.277533, abs=2e-6)


def test_wilson_all_successes_mirrors_zero() -> None:
    # 10/10 is 0/10 mirrored around 1/2: (1 − 0.277533, 1)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(1 - 0.277533, abs=2e-6)
    assert high == 1.0


def test_wilson_empty_and_invalid() -> None:
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
    with pytest.raises(ValueError):
        wilson_interval(1, 4, level=1.0)


# --- bootstrap ------------------------------------------------------------------------------


@pytest.mark.parametrize("statistic", ["mean", "median"])
def test_bootstrap_constant_array(statistic: Literal["mean", "median"]) -> None:
    # every resample of [7, 7, 7, 7] is [7, 7, 7, 7]
    rng = np.random.default_rng(1)
    assert bootstrap_interval(np.full(4, 7.0), statistic=statistic, rng=rng) == (7.0, 7.0)


def test_bootstrap_empty_and_single() -> None:
    rng = np.random.default_rng(1)
    assert all(math.isnan(x) for x in bootstrap_interval(np.array([]), statistic="mean", rng=rng))
    assert bootstrap_interval(np.array([3.5]), statistic="median", rng=rng) == (3.5, 3.5)


def test_bootstrap_mean_contains_sample_mean_and_is_reproducible() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])  # mean 20/5 = 4
    first = bootstrap_interval(values, statistic="mean", rng=np.random.default_rng(42), resamples=1000)
    again = bootstrap_interval(values, statistic="mean", rng=np.random.default_rng(42), resamples=1000)
    assert first == again
    # a resample mean lies between min and max of the data: 1 ≤ low < 4 < high ≤ 10
    assert 1.0 <= first[0] < 4.0 < first[1] <= 10.0


def test_bootstrap_median_within_data_range() -> None:
    low, high = bootstrap_interval([1.0, 2.0, 3.0, 50.0], statistic="median", rng=np.random.default_rng(3))
    assert 1.0 <= low <= 2.5 <= high <= 50.0  # 2.5 = sample median (2 + 3)/2


def test_bootstrap_large_input_is_chunked() -> None:
    # 100,000 values, 20 resamples: 2·10⁶ indices, drawn without building one huge matrix
    values = np.random.default_rng(5).normal(10.0, 1.0, 100_000)
    low, high = bootstrap_interval(values, statistic="mean", rng=np.random.default_rng(6), resamples=20)
    # standard error = 1/sqrt(100000) = 0.0032, so the interval hugs the sample mean
    assert low <= high
    assert abs(low - values.mean()) < 0.02 and abs(high - values.mean()) < 0.02


def test_bootstrap_coverage_exponential() -> None:
    # 200 samples of 50 from Exp(1) (true mean 1); a 95% interval should cover about 190 times.
    # Percentile intervals undercover slightly for skewed data, hence the band 88–99%.
    data_rng = np.random.default_rng(2024)
    boot_rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        sample = data_rng.exponential(1.0, 50)
        low, high = bootstrap_interval(sample, statistic="mean", rng=boot_rng, resamples=500)
        covered += low <= 1.0 <= high
    assert 176 <= covered <= 198  # 0.88·200 = 176, 0.99·200 = 198


def test_bootstrap_rejects_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        bootstrap_interval([1.0, 2.0], statistic="mode", rng=rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        bootstrap_interval([1.0, 2.0], statistic="mean", rng=rng, resamples=0)


# --- bootstrap ratio (lift) -----------------------------------------------------------------


def test_ratio_constant_groups() -> None:
    # every resample: mean(sub) = 2, mean(rest) = 1, lift 2/1 = 2
    interval = bootstrap_ratio_interval([2.0, 2.0, 2.0], [1.0, 1.0], rng=np.random.default_rng(0))
    assert interval == (2.0, 2.0)


def test_ratio_unbounded_when_rest_can_resample_to_zero() -> None:
    # sub = [1, 1] always has mean 1.  rest = [0, 1] resamples to mean 0 (prob 1/4), 0.5 (1/2),
    # 1 (1/4), so the lift is inf, 2 or 1.  P(inf) = 1/4 > 2.5% → upper bound inf; P(1) = 1/4 > 2.5%
    # → lower bound 1.
    interval = bootstrap_ratio_interval([1.0, 1.0], [0.0, 1.0], rng=np.random.default_rng(0))
    assert interval == (1.0, math.inf)


def test_ratio_undefined_cases_and_reproducibility() -> None:
    rng = np.random.default_rng(0)
    assert all(math.isnan(x) for x in bootstrap_ratio_interval([], [1.0], rng=rng))
    assert all(math.isnan(x) for x in bootstrap_ratio_interval([1.0], [], rng=rng))
    assert all(math.isnan(x) for x in bootstrap_ratio_interval([1.0], [0.0, 0.0], rng=rng))
    sub, rest = [3.0, 5.0, 4.0, 8.0], [1.0, 2.0, 3.0, 2.0]  # lift = 5 / 2 = 2.5
    first = bootstrap_ratio_interval(sub, rest, rng=np.random.default_rng(9), resamples=500)
    assert first == bootstrap_ratio_interval(sub, rest, rng=np.random.default_rng(9), resamples=500)
    assert first[0] < 2.5 < first[1]


# --- Welch from sums ------------------------------------------------------------------------


def test_welch_hand_computed() -> None:
    # group 1 = [1, 2, 3]: n 3, sum 6, sum of squares 14, mean 2, variance (14 − 6·2)/2 = 1
    # group 2 = [1, 1, 1]: n 3, sum 3, sum of squares 3, mean 1, variance (3 − 3·1)/2 = 0
    # se² = 1/3 + 0 = 1/3, t = (2 − 1)/sqrt(1/3) = sqrt(3) = 1.7320508
    # df = (1/3)² / ((1/3)²/2 + 0) = 2
    # for df = 2, P(T > t) = 1/2 − t / (2·sqrt(t² + 2)) = 0.5 − sqrt(3)/(2·sqrt(5)) = 0.5 − 0.3872983
    p = welch_one_sided_p(3, 6.0, 14.0, 3, 3.0, 3.0)
    assert float(p) == pytest.approx(0.1127017, abs=1e-7)


def test_welch_matches_scipy_on_raw_data() -> None:
    rng = np.random.default_rng(11)
    a, b = rng.normal(1.3, 2.0, 40), rng.normal(1.0, 0.5, 25)
    expected = sps.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    assert float(welch_one_sided_p(*sums(a), *sums(b))) == pytest.approx(expected, rel=1e-9)


def test_welch_degenerate_cases() -> None:
    # fewer than 2 members in a group: no variance estimate → p = 1
    assert float(welch_one_sided_p(*sums([5.0]), *sums([1.0, 2.0]))) == 1.0
    assert float(welch_one_sided_p(*sums([5.0, 6.0]), 0, 0.0, 0.0)) == 1.0
    # both variances 0: means known exactly; 2 > 1 → p = 0, 1 > 2 false → 1, 1 > 1 false → 1
    assert float(welch_one_sided_p(*sums([2.0, 2.0]), *sums([1.0, 1.0, 1.0]))) == 0.0
    assert float(welch_one_sided_p(*sums([1.0, 1.0]), *sums([2.0, 2.0]))) == 1.0
    assert float(welch_one_sided_p(*sums([1.0, 1.0]), *sums([1.0, 1.0]))) == 1.0


def test_welch_constant_column_with_rounding_noise_has_zero_variance() -> None:
    # 0.1 is not exact in binary: Σx² − mean·Σx over 1000 copies is rounding noise, not spread.
    # Treated as variance 0, the comparison with the constant group [0.2, 0.2] is exact.
    constant = sums([0.1] * 1000)
    assert float(welch_one_sided_p(*constant, *sums([0.2, 0.2]))) == 1.0
    assert float(welch_one_sided_p(*sums([0.2, 0.2]), *constant)) == 0.0


def test_welch_vectorised_shape_and_values() -> None:
    rng = np.random.default_rng(12)
    groups = [(rng.normal(0.2 * i, 1.0, 10 + i), rng.normal(0.0, 1.5, 20)) for i in range(6)]
    stats1 = np.array([sums(a) for a, _ in groups]).T.reshape(3, 2, 3)
    stats2 = np.array([sums(b) for _, b in groups]).T.reshape(3, 2, 3)
    p = welch_one_sided_p(*stats1, *stats2)
    assert p.shape == (2, 3)
    expected = [sps.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue for a, b in groups]
    np.testing.assert_allclose(p.ravel(), expected, rtol=1e-9)
    # scalars broadcast against arrays; the degenerate rule applies element by element
    mixed = welch_one_sided_p(np.array([1, 3]), np.array([5.0, 6.0]), np.array([25.0, 14.0]), 3, 3.0, 3.0)
    assert mixed.shape == (2,)
    assert mixed[0] == 1.0 and mixed[1] == pytest.approx(0.1127017, abs=1e-7)


# --- Fisher, Mann–Whitney, lift -------------------------------------------------------------


def test_two_proportion_fisher() -> None:
    # 3/3 vs 0/3: margins 3 successes in 6, hypergeometric P(X ≥ 3) = 1/C(6,3) = 1/20 = 0.05
    assert two_proportion_one_sided_p(3, 3, 0, 3) == pytest.approx(0.05)
    # 1/2 vs 1/2: 2 successes in 4, P(X ≥ 1) = 1 − C(2,2)/C(4,2) = 1 − 1/6 = 5/6
    assert two_proportion_one_sided_p(1, 2, 1, 2) == pytest.approx(5 / 6)
    # 0/3 vs 3/3: P(X ≥ 0) = 1 — the wrong direction is never significant
    assert two_proportion_one_sided_p(0, 3, 3, 3) == pytest.approx(1.0)
    assert two_proportion_one_sided_p(0, 0, 3, 3) == 1.0
    assert two_proportion_one_sided_p(1, 2, 0, 0) == 1.0
    with pytest.raises(ValueError):
        two_proportion_one_sided_p(4, 3, 0, 3)


def test_mann_whitney() -> None:
    # [3, 4] vs [1, 2]: U = 4 (every pair favours sub), exact P(U ≥ 4) = 1/C(4,2) = 1/6
    assert mann_whitney_one_sided_p([3.0, 4.0], [1.0, 2.0]) == pytest.approx(1 / 6)
    assert mann_whitney_one_sided_p([], [1.0, 2.0]) == 1.0
    assert mann_whitney_one_sided_p([1.0], []) == 1.0


def test_lift() -> None:
    assert lift(0.3, 0.2) == pytest.approx(1.5)  # 0.3 / 0.2
    assert math.isnan(lift(0.3, 0.0))


# --- Benjamini–Hochberg ---------------------------------------------------------------------


def test_bh_hand_computed() -> None:
    # sorted: 0.01 (rank 1), 0.03 (2), 0.04 (3), 0.20 (4); p·m/rank with m = 4:
    # 0.01·4/1 = 0.04, 0.03·4/2 = 0.06, 0.04·4/3 = 0.05333, 0.20·4/4 = 0.20
    # step-up minimum from the largest rank: 0.20, 0.05333, min(0.06, 0.05333) = 0.05333, 0.04
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.20]))
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.20], rtol=1e-12)


def test_bh_counts_pruned_tests() -> None:
    # m = 10: 0.001·10/1 = 0.01, 0.02·10/2 = 0.1 (the 8 pruned tests at p = 1 give q ≥ 1)
    q = benjamini_hochberg(np.array([0.001, 0.02]), total_tests=10)
    np.testing.assert_allclose(q, [0.01, 0.1], rtol=1e-12)


def test_bh_clips_and_rejects_bad_input() -> None:
    # 0.6·2/1 = 1.2 → min(1.2, 0.9·2/2 = 0.9) = 0.9; 0.9 stays 0.9
    np.testing.assert_allclose(benjamini_hochberg([0.6, 0.9]), [0.9, 0.9])
    # 0.8·3/1 = 2.4 clipped to 1
    assert benjamini_hochberg([0.8], total_tests=3)[0] == 1.0
    assert benjamini_hochberg([]).shape == (0,)
    with pytest.raises(ValueError):
        benjamini_hochberg([0.1, 0.2], total_tests=1)
    with pytest.raises(ValueError):
        benjamini_hochberg([0.1, math.nan])


def test_bh_matches_scipy() -> None:
    p = np.random.default_rng(13).uniform(0.0, 1.0, 10_000) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), sps.false_discovery_control(p, method="bh"), rtol=1e-12)


def test_bh_million_is_monotone() -> None:
    p = np.random.default_rng(14).uniform(0.0, 1.0, 1_000_000) ** 3
    q = benjamini_hochberg(p)
    assert np.all(np.diff(q[np.argsort(p)]) >= 0) and np.all(q >= p) and np.all(q <= 1.0)


# --- cut points -----------------------------------------------------------------------------


def test_round_significant() -> None:
    assert round_significant(1234.5) == 1200
    assert round_significant(0.0347) == 0.035
    assert round_significant(47) == 47
    assert round_significant(-1234.5) == -1200
    assert round_significant(0.0) == 0.0


def test_cut_points_one_to_hundred() -> None:
    # numpy's linear quantile of 1..100 at q: position h = 99q (0-based), value 1 + h
    # q 0.2 → 1 + 19.8 = 20.8 → 21;  q 0.4 → 1 + 39.6 = 40.6 → 41
    # q 0.6 → 1 + 59.4 = 60.4 → 60;  q 0.8 → 1 + 79.2 = 80.2 → 80
    assert quantile_cut_points(np.arange(1, 101), bins=5) == [21, 41, 60, 80]


def test_cut_points_deduplicate_drop_edges_and_ignore_nan() -> None:
    assert quantile_cut_points([]) == []
    assert quantile_cut_points([3.0, 3.0, math.nan]) == []
    # nine 1s and a 100, bins 2: median 1 is not above the minimum 1 → nothing left to split
    assert quantile_cut_points([1.0] * 9 + [100.0], bins=2) == []
    # 1001..1099 (99 values): h = 98q → quartiles 1025.5, 1050, 1074.5, which round to 1000,
    # 1000 (exact tie, to even) and 1100; 1000 < min 1001 and 1100 > max 1099, so none is kept
    assert quantile_cut_points(np.arange(1001, 1100), bins=4) == []
    # 10, 20, …, 100 with nan mixed in, bins 2: median of 10..100 = (50 + 60)/2 = 55 → 55
    values = [*range(10, 101, 10), math.nan]
    assert quantile_cut_points(values, bins=2) == [55]
    with pytest.raises(ValueError):
        quantile_cut_points([1.0, 2.0], bins=1)


def test_hypergeometric_p_is_fishers_one_sided_tail() -> None:
    # 10 deals, 5 won; a subgroup of 5 deals that won all 5: P(X >= 5) = 1 / C(10, 5) = 1/252
    from tenbin.icp.stats import hypergeometric_one_sided_p

    p = hypergeometric_one_sided_p([5, 4, 0], [5, 5, 5], 5, 10)
    # X >= 4: (C(5,4)·C(5,1) + 1) / 252 = 26/252; X >= 0 is certain
    assert p == pytest.approx([1 / 252, 26 / 252, 1.0])
