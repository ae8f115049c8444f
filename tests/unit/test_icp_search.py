"""Exact subgroup discovery (tenbin.icp.search): hand-computed tables, a brute-force reference,
a planted subgroup, selector construction, missing values, the search-space count, Welch p-values."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats as sps  # type: ignore[import-untyped]

from tenbin.icp.search import Column, Selector, search
from tenbin.icp.selectors import encode_columns, numeric_cut_points

# ------------------------------------------------------------------ the hand-computed table
#
#  row industry employees flag  t          Σt = 36 + 6 + 6 = 48, N = 12, μ = 4
#   0     E        10     T    10          q(S) = sqrt(n/12) · (mean_S − 4)
#   1     E        30     T     9
#   2     E        80     F     5          employees cut at 50: selectors "< 50" and ">= 50"
#   3     E       200     F     4          (the whole axis is no selector); row 4 is missing
#   4     E       nan     T     8
#   5     G        20     F     2
#   6     G        60     T     3
#   7     G       100     F     1
#   8     G        40     F     0
#   9    None      15     T     2
#  10    None      70     F     3
#  11    None     300     F     1
E, G = Selector("industry", "eq", "E"), Selector("industry", "eq", "G")
SMALL, LARGE = Selector("employees", "range", high=50.0), Selector("employees", "range", low=50.0)
FLAG = Selector("flag", "flag")


def tiny() -> tuple[list[Column], np.ndarray]:
    industry = np.array(["E"] * 5 + ["G"] * 4 + [None] * 3, dtype=object)
    employees = np.array([10, 30, 80, 200, np.nan, 20, 60, 100, 40, 15, 70, 300], dtype=np.float64)
    flag = np.array([1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0], dtype=np.bool_)
    target = np.array([10, 9, 5, 4, 8, 2, 3, 1, 0, 2, 3, 1], dtype=np.float64)
    columns = [
        Column("industry", "categorical", industry),
        Column("employees", "numeric", employees, cut_points=(50.0,), integer=True),
        Column("flag", "flag", flag),
    ]
    return columns, target


def test_tiny_table_top3_by_hand() -> None:
    columns, target = tiny()
    # E ∧ flag:       rows 0,1,4  n=3 Σ=27 mean 9    q = sqrt(3/12)·5   = 0.5·5       = 2.5
    # E ∧ <50:        rows 0,1    n=2 Σ=19 mean 9.5  q = sqrt(2/12)·5.5 = 0.408248·5.5 = 2.245366
    # E ∧ <50 ∧ flag: the same rows 0,1: the same quality, ranked after (more selectors)
    # E:              rows 0–4    n=5 Σ=36 mean 7.2  q = sqrt(5/12)·3.2 = 0.645497·3.2 = 2.065591
    # flag:           rows 0,1,4,6,9  Σ=32 mean 6.4  q = 0.645497·2.4 = 1.549193
    # <50 ∧ flag:     rows 0,1,9  Σ=21 mean 7        q = 0.5·3 = 1.5
    result = search(columns, target, depth=3, min_support=2, top_k=3)
    assert [s.selectors for s in result.top] == [(E, FLAG), (E, SMALL), (E, SMALL, FLAG)]
    assert [s.quality for s in result.top] == pytest.approx([2.5, math.sqrt(2 / 12) * 5.5, math.sqrt(2 / 12) * 5.5])
    best = result.top[0]
    assert (best.size, best.mean, best.sum, best.sumsq) == (3, 9.0, 27.0, 100.0 + 81.0 + 64.0)
    assert (result.population, result.population_mean, result.selectors) == (12, 4.0, 5)

    at_depth_2 = search(columns, target, depth=2, min_support=2, top_k=3)
    assert [s.selectors for s in at_depth_2.top] == [(E, FLAG), (E, SMALL), (E,)]
    assert at_depth_2.top[2].quality == pytest.approx(math.sqrt(5 / 12) * 3.2)
    assert at_depth_2.top[2].sum == 36.0


def test_tried_counts_the_search_space_by_hand() -> None:
    columns, target = tiny()
    # selectors per column: industry 2 (E, G), employees 2 (<50, >=50), flag 1
    # depth 1: 5; depth 2: 2·2 + 2·1 + 2·1 = 8; depth 3: 2·2·1 = 4
    assert [search(columns, target, depth=d, min_support=2).tried for d in (1, 2, 3)] == [5, 13, 17]
    # min_support 5 drops G (4 rows) and <50 (5 rows: 0,1,5,8,9 stays), flag has 5 rows: 3 selectors left
    assert search(columns, target, depth=3, min_support=5).selectors == 4  # E, <50, >=50, flag


def test_missing_values_never_match() -> None:
    columns, target = tiny()
    result = search(columns, target, depth=1, min_support=1, top_k=10)
    by_selector = {s.selectors: s for s in result.top}
    assert by_selector[(SMALL,)].size + by_selector[(LARGE,)].size == 11  # row 4 (nan) in neither
    assert by_selector[(E,)].size + by_selector[(G,)].size == 9  # the 3 None rows in no industry
    assert not any(sel.kind == "eq" and sel.value in (None, "None", "nan") for sel in _selectors(columns, 1))


def test_nan_in_categorical_is_missing() -> None:
    values = np.array(["a", float("nan"), None, "a", "b"], dtype=object)
    (encoded,) = encode_columns([Column("c", "categorical", values)], 5, 1)
    assert [s.value for s in encoded.selectors] == ["a", "b"]
    assert encoded.codes.tolist() == [1, 0, 0, 1, 2]


# ------------------------------------------------------------------------ selectors


def _selectors(columns: list[Column], min_support: int) -> list[Selector]:
    n = len(columns[0].values)
    return [sel for enc in encode_columns(columns, n, min_support) for sel in enc.selectors]


def test_numeric_ranges_honour_cut_points_and_open_ends() -> None:
    x = np.array([1, 9.99, 10, 10, 49, 50, 50, 70, 80, 90, np.nan], dtype=np.float64)
    column = Column("x", "numeric", x, cut_points=(50, 10))  # unsorted on purpose
    assert numeric_cut_points(column) == (10.0, 50.0)
    selectors = _selectors([column], 1)
    expected = [(None, 10.0), (None, 50.0), (10.0, 50.0), (10.0, None), (50.0, None)]
    assert [(s.low, s.high) for s in selectors] == expected
    columns = [column]
    result = search(columns, np.arange(11, dtype=np.float64), depth=1, min_support=1, top_k=10)
    sizes = {(s.selectors[0].low, s.selectors[0].high): s.size for s in result.top}
    # low inclusive, high exclusive: 10 is in [10, 50), 50 in [50, ∞), 9.99 below 10
    assert sizes == {(None, 10.0): 2, (None, 50.0): 5, (10.0, 50.0): 3, (10.0, None): 8, (50.0, None): 5}
    # min_support 4 drops "< 10" (2 rows) and "[10, 50)" (3 rows)
    assert [(s.low, s.high) for s in _selectors(columns, 4)] == [(None, 50.0), (10.0, None), (50.0, None)]


def test_default_cut_points_are_rounded_quintiles() -> None:
    # numpy's linear quantiles of 1.234·(1…100): 1.234·(1 + 99·q) = 25.67, 50.10, 74.54, 98.97
    x = np.arange(1, 101, dtype=np.float64) * 1.234
    assert numeric_cut_points(Column("x", "numeric", x)) == (26.0, 50.0, 75.0, 99.0)
    assert len(_selectors([Column("x", "numeric", x)], 1)) == 14  # 5 intervals: 15 runs − whole axis


def test_categorical_and_flag_selectors_need_support() -> None:
    values = np.array(["b"] * 3 + ["a"] * 2 + ["c"], dtype=object)
    flag = np.array([True] * 2 + [False] * 4)
    columns = [Column("c", "categorical", values), Column("f", "flag", flag)]
    assert _selectors(columns, 2) == [Selector("c", "eq", "a"), Selector("c", "eq", "b"), Selector("f", "flag")]
    assert _selectors(columns, 3) == [Selector("c", "eq", "b")]


# ----------------------------------------------------------------- brute-force reference


def _mask(selector: Selector, column: Column) -> np.ndarray:
    if selector.kind == "flag":
        return np.asarray(column.values, dtype=bool)
    if selector.kind == "eq":
        return np.array([v == selector.value for v in column.values])
    x = np.asarray(column.values, dtype=np.float64)
    low = -np.inf if selector.low is None else selector.low
    high = np.inf if selector.high is None else selector.high
    return (x >= low) & (x < high)  # nan compares False


def brute_force(columns: list[Column], t: np.ndarray, depth: int, m: int, a: float) -> list[tuple]:
    """Every conjunction (≤ 1 selector per column) by plain numpy, sorted like the engine."""
    selectors = _selectors(columns, m)
    by_key = {c.key: c for c in columns}
    masks = [_mask(s, by_key[s.column]) for s in selectors]
    found = []
    for k in range(1, depth + 1):
        for ids in combinations(range(len(selectors)), k):
            if len({selectors[i].column for i in ids}) < k:
                continue
            mask = np.logical_and.reduce([masks[i] for i in ids])
            sub = t[mask]
            if len(sub) < m:
                continue
            quality = (len(sub) / len(t)) ** a * (sub.mean() - t.mean())
            found.append((-quality, k, ids, len(sub), tuple(selectors[i] for i in ids), sub))
    return sorted(found, key=lambda row: row[:3])


def random_table(seed: int, rows: int = 300) -> tuple[list[Column], np.ndarray]:
    rng = np.random.default_rng(seed)
    industry = rng.choice(np.array(["E", "G", "I", "K", "M"], dtype=object), rows, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    industry[rng.random(rows) < 0.05] = None
    region = rng.choice(np.array(["関東", "関西", "中部"], dtype=object), rows)
    employees = np.round(rng.lognormal(5, 1.5, rows))
    employees[rng.random(rows) < 0.05] = np.nan
    revenue = rng.normal(10, 3, rows)
    flag = rng.random(rows) < 0.3
    target = rng.lognormal(0, 1, rows) * np.where((industry == "E") & (employees >= 300), 3.0, 1.0)
    columns = [
        Column("industry", "categorical", industry),
        Column("employees", "numeric", employees, cut_points=(10, 50, 100, 300, 500, 1000, 5000), integer=True),
        Column("challenge:属人化・ナレッジ継承", "flag", flag),
        Column("revenue", "numeric", revenue),
        Column("custom:Region", "categorical", region),
    ]
    return columns, target


@pytest.mark.parametrize("seed", range(4))
def test_engine_equals_brute_force(seed: int) -> None:
    columns, target = random_table(seed)
    m, top_k = (20, 15) if seed % 2 == 0 else (8, 25)
    reference = brute_force(columns, target, 3, m, 0.5)
    result = search(columns, target, depth=3, min_support=m, top_k=top_k)
    expected = reference[:top_k]
    assert [s.quality for s in result.top] == [-row[0] for row in expected]  # exact, not approx
    assert [s.selectors for s in result.top] == [row[4] for row in expected]
    assert [s.size for s in result.top] == [row[3] for row in expected]
    assert [s.sumsq for s in result.top] == [float((row[5] * row[5]).sum()) for row in expected]
    assert len(result.evaluated_pvalues) <= len(reference)


def test_pvalues_are_one_sided_welch_of_every_evaluated_subgroup() -> None:
    columns, target = random_table(7, rows=120)
    reference = brute_force(columns, target, 2, 10, 0.5)
    # top_k above the number of subgroups: nothing can be pruned, every subgroup gets a p-value
    result = search(columns, target, depth=2, min_support=10, top_k=len(reference) + 1)
    mask_rows = [np.isin(target, row[5]) for row in reference]  # continuous target: values identify rows
    expected = []
    for inside in mask_rows:
        p = sps.ttest_ind(target[inside], target[~inside], equal_var=False, alternative="greater").pvalue
        expected.append(1.0 if (~inside).sum() < 2 or inside.sum() < 2 else p)
    assert np.sort(result.evaluated_pvalues) == pytest.approx(np.sort(expected), rel=1e-9, abs=1e-15)


def test_pruning_skips_hopeless_column_triples_and_keeps_the_top() -> None:
    rng = np.random.default_rng(3)
    rows = 400
    planted = rng.random(rows) < 0.25
    columns = [Column("segment", "flag", planted)]
    columns += [Column(f"challenge:{i}", "flag", rng.random(rows) < 0.4) for i in range(5)]
    target = rng.normal(0, 1, rows) + 5.0 * planted
    reference = brute_force(columns, target, 3, 20, 0.5)
    result = search(columns, target, depth=3, min_support=20, top_k=3)
    assert [s.quality for s in result.top] == [-row[0] for row in reference[:3]]
    assert [s.selectors for s in result.top] == [row[4] for row in reference[:3]]
    assert result.top[0].selectors == (Selector("segment", "flag"),)
    # segment ∧ challenge reach q ≈ sqrt(0.1)·3.75 ≈ 1.2, while a pair of challenges (~64 rows, ~16
    # of them planted) is bounded by S⁺/sqrt(20·400) ≈ 0.7: triples of challenges are never counted
    assert len(result.evaluated_pvalues) < len(reference)
    assert result.tried == 6 + 15 + 20


def test_planted_subgroup_comes_out_on_top() -> None:
    rng = np.random.default_rng(11)
    rows = 3000
    industry = rng.choice(np.array(list("EGIKM"), dtype=object), rows)
    employees = np.round(np.exp(rng.uniform(np.log(3), np.log(20000), rows)))
    region = rng.choice(np.array(["関東", "関西", "中部", "九州"], dtype=object), rows)
    planted = (industry == "E") & (employees >= 300) & (employees < 1000)
    ltv = rng.lognormal(0, 0.8, rows) * np.where(planted, 4.0, 1.0)
    columns = [
        Column("industry_code", "categorical", industry),
        Column("employees", "numeric", employees, cut_points=(10, 50, 100, 300, 500, 1000, 5000), integer=True),
        Column("custom:Region", "categorical", region),
        Column("revenue", "numeric", rng.normal(size=rows)),
    ]
    result = search(columns, ltv, depth=3, min_support=20, top_k=5)
    top = result.top[0]
    band = Selector("employees", "range", low=300.0, high=1000.0)
    assert top.selectors == (Selector("industry_code", "eq", "E"), band)
    assert top.size == int(planted.sum())
    assert top.mean == pytest.approx(ltv[planted].mean(), rel=1e-15)


def test_bad_arguments_are_refused() -> None:
    columns, target = tiny()
    with pytest.raises(ValueError, match="depth"):
        search(columns, target, depth=4)
    with pytest.raises(ValueError, match="a must"):
        search(columns, target, a=1.5)
    with pytest.raises(ValueError, match="values"):
        search(columns, target[:5])
    with pytest.raises(ValueError, match="finite"):
        search(columns, np.full(12, np.nan))
    with pytest.raises(ValueError, match="str or None"):
        search([Column("n", "categorical", np.array([1, 2] * 6, dtype=object))], target)


def test_a_categorical_column_must_hold_text() -> None:
    values = np.array(["E", "G", 3, None], dtype=object)
    with pytest.raises(ValueError, match="must hold str or None"):
        encode_columns([Column(key="industry", kind="categorical", values=values)], rows=4, min_support=1)
