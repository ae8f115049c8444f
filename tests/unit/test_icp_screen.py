"""The statistical half of discovery on in-memory data: a planted subgroup is found and passes; with
no signal (shuffled targets) nothing passes; real public data (skipped when absent) behaves as its
documentation says."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tenbin.icp.population import Population
from tenbin.icp.screen import Settings, screen, split_rows
from tenbin.icp.selectors import Column, Selector

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


def population(values: np.ndarray, columns: list[Column], *, binary: bool = False, dated: bool = True) -> Population:
    n = len(values)
    days = np.datetime64("2024-01-01") + np.arange(n).astype("timedelta64[D]")
    dates = days if dated else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    return Population("t", "t", binary, np.arange(n, dtype=np.int64), values.astype(np.float64), dates,
                      tuple(columns), "")  # fmt: skip


def firmographics(rng: np.random.Generator, n: int) -> list[Column]:
    industry = rng.choice(np.array(list("DEGHIR"), dtype=object), n, p=[0.1, 0.35, 0.2, 0.15, 0.1, 0.1])
    employees = rng.choice(np.array([8, 30, 80, 150, 400, 700, 2000, 6000], dtype=np.float64), n)
    cuts = (10.0, 50.0, 100.0, 300.0, 500.0, 1000.0, 5000.0)
    return [
        Column("industry", "categorical", industry),
        Column("employees", "numeric", employees, cuts, integer=True),
        Column("prefecture", "categorical", rng.choice(np.array(["13", "14", "23", "27", "40"], dtype=object), n)),
        Column("named_account", "flag", rng.random(n) < 0.15),
        Column("拠点数", "numeric", rng.integers(1, 12, n).astype(np.float64)),
        Column("challenge:属人化・ナレッジ継承", "flag", rng.random(n) < 0.3),
    ]


def test_split_is_by_time_with_earlier_half_first_and_random_without_dates() -> None:
    values = np.arange(10, dtype=np.float64)
    pop = population(values[::-1].copy(), [])
    first, second, kind, boundary = split_rows(pop, seed=0)
    assert kind == "time" and list(first) == [0, 1, 2, 3, 4] and list(second) == [5, 6, 7, 8, 9]
    assert boundary == "2024-01-05"  # the last day of the earlier half
    first, second, kind, boundary = split_rows(population(values, [], dated=False), seed=0)
    assert kind == "random" and boundary is None and len(first) == 5 and set(first) | set(second) == set(range(10))


def test_planted_segment_is_the_best_passing_candidate() -> None:
    rng = np.random.default_rng(7)
    n = 800
    columns = firmographics(rng, n)
    industry, employees = columns[0].values, columns[1].values
    planted = (industry == "E") & (employees >= 300) & (employees < 1000)
    ltv = rng.lognormal(14.5, 0.6, n) * np.where(planted, 3.0, 1.0)
    result = screen(population(ltv, columns), Settings())
    best = next(item for item in result.items if not item.reasons)
    assert set(best.subgroup.selectors) == {
        Selector("industry", "eq", "E"),
        Selector("employees", "range", low=300.0, high=1000.0),
    }
    assert best.q < 0.05 and best.holdout.p < 0.05 and best.holdout.lift is not None and best.holdout.lift > 1.5
    assert result.tried > result.evaluated > 0  # pruned hypotheses still count in the correction


def test_shuffled_target_passes_the_gate_in_at_most_one_of_twenty_runs() -> None:
    rng = np.random.default_rng(11)
    n = 500
    columns = firmographics(rng, n)
    industry, employees = columns[0].values, columns[1].values
    ltv = rng.lognormal(14.5, 0.8, n) * np.where((industry == "E") & (employees >= 300), 2.5, 1.0)
    passed = 0
    for seed in range(20):
        shuffled = np.random.default_rng(seed).permutation(ltv)  # same values, no link to the attributes
        result = screen(population(shuffled, columns), Settings(seed=seed))
        passed += any(not item.reasons for item in result.items)
    assert passed <= 1


def test_small_subgroups_never_pass_even_when_extreme() -> None:
    rng = np.random.default_rng(3)
    n = 300
    columns = firmographics(rng, n)
    ltv = rng.lognormal(14.0, 0.5, n)
    tiny = np.flatnonzero(columns[0].values == "R")[:6]
    ltv[tiny] *= 50  # six huge customers: below the minimum support, never a discovery
    result = screen(population(ltv, columns), Settings())
    for item in result.items:
        assert item.subgroup.size >= 10
    assert not any(set(item.subgroup.selectors) == {Selector("industry", "eq", "R")} and not item.reasons
                   for item in result.items if item.subgroup.size <= 6)  # fmt: skip


# ------------------------------------------------------------------------------- real public data


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.skipif(not (REAL / "uci_wholesale_customers").exists(), reason="../shared/data/real is absent")
def test_uci_wholesale_retail_channel_comes_out_for_high_spend_with_honest_intervals() -> None:
    rows = _read(REAL / "uci_wholesale_customers" / "Wholesale customers data.csv")
    assert len(rows) == 440
    spend_columns = ("Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen")
    total = np.array([sum(float(r[c]) for c in spend_columns) for r in rows])
    channel = np.array([{"1": "Horeca", "2": "Retail"}[r["Channel"]] for r in rows], dtype=object)  # per SOURCE.md
    region = np.array([{"1": "Lisbon", "2": "Oporto", "3": "Other"}[r["Region"]] for r in rows], dtype=object)
    columns = [Column("Channel", "categorical", channel), Column("Region", "categorical", region)]
    result = screen(population(total, columns, dated=False), Settings(depth=2))
    best = next(item for item in result.items if not item.reasons)
    assert best.subgroup.selectors == (Selector("Channel", "eq", "Retail"),)
    retail = channel == "Retail"
    assert best.subgroup.size == int(retail[: result.discovery_rows].sum()) or best.subgroup.size < retail.sum()
    # honest: the held-out half confirms it, with its own size and lift reported
    assert best.holdout.size + best.subgroup.size == int(retail.sum())
    assert 1.3 < (best.holdout.lift or 0) < 2.5


@pytest.mark.skipif(not (REAL / "maven_crm_sales_opportunities").exists(), reason="../shared/data/real is absent")
def test_maven_win_rate_has_no_firmographic_candidate_passing_the_gate() -> None:
    folder = REAL / "maven_crm_sales_opportunities"
    accounts = {r["account"]: r for r in _read(folder / "accounts.csv")}
    deals = [r for r in _read(folder / "sales_pipeline.csv") if r["deal_stage"] in ("Won", "Lost") and r["account"]]
    won = np.array([1.0 if d["deal_stage"] == "Won" else 0.0 for d in deals])
    acct = [accounts[d["account"]] for d in deals]

    def numeric(key: str) -> np.ndarray:
        return np.array([float(a[key]) for a in acct])

    columns = [
        Column("sector", "categorical", np.array([a["sector"] for a in acct], dtype=object)),
        Column("office_location", "categorical", np.array([a["office_location"] for a in acct], dtype=object)),
        Column("subsidiary_of", "categorical", np.array([a["subsidiary_of"] or None for a in acct], dtype=object)),
        Column("employees", "numeric", numeric("employees"), integer=True),
        Column("revenue", "numeric", numeric("revenue")),
        Column("year_established", "numeric", numeric("year_established"), integer=True),
    ]
    n = len(deals)
    pop = Population("won", "win rate", True, np.arange(n, dtype=np.int64), won,
                     np.array([d["close_date"] for d in deals], dtype="datetime64[D]"), tuple(columns), "")  # fmt: skip
    result = screen(pop, Settings())
    assert result.split == "time" and result.discovery_rows + result.holdout_rows == n
    assert [item for item in result.items if not item.reasons] == []


def test_q_of_ranks_a_recomputed_p_value_among_every_hypothesis_tried() -> None:
    from tenbin.icp.screen import _q_values, q_of

    table = _q_values(np.array([0.03, 0.01, 0.02]), tried=10)  # 7 pruned hypotheses count as p = 1
    # BH: p·m/rank = 0.01·10/1, 0.02·10/2, 0.03·10/3 = 0.1 each
    assert table.q.tolist() == pytest.approx([0.1, 0.1, 0.1])
    assert q_of(0.005, table) == pytest.approx(0.05)  # smaller than all: rank 1, 0.005·10/1
    assert q_of(0.02, table) == pytest.approx(0.1)
    assert q_of(0.5, table) == pytest.approx(1.0)  # 0.5·10/3 > 1 → clipped


def test_large_sample_intervals_match_the_formulas() -> None:
    from tenbin.icp.evidence import _large_mean, _large_median

    values = np.arange(1, 40_001, dtype=np.float64)  # n = 40,000, mean 20,000.5, sd = sqrt((n² − 1)/12)·…
    low, high = _large_mean(values)
    half = 1.959963984540054 * values.std(ddof=1) / 200.0  # sqrt(40,000) = 200
    assert (low, high) == pytest.approx((20_000.5 - half, 20_000.5 + half))
    # median: ranks n/2 ∓ 1.959964·sqrt(n)/2 = 20,000 ∓ 195.9964 → indices floor(19,804.0036) = 19,804 and
    # ceil(20,195.9964) = 20,196 of the sorted values 1…40,000 → values 19,805 and 20,197
    assert _large_median(values) == (19_805.0, 20_197.0)
