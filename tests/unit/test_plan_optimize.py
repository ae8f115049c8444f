"""The campaign-mix integer program on tiny plans solved by hand (no database).

Two types: A = trade shows (quantity): 50 leads, ICP rate 20 % (10 ICP leads), ¥500,000 per
campaign; B = individual seminars (quality): 10 leads, 80 % (8 ICP leads), ¥400,000. Target 100
leads and an ICP rate of 30–50 %. With a = #A, b = #B:

* band low:  10a + 8b ≥ 0.3(50a + 10b)  ⇔  b ≥ a;   band high: 10a + 8b ≤ 0.5(50a + 10b)  ⇔  b ≤ 5a
* volume:    50a + 10b ≥ 100
* a = 0 forces b = 0 (no leads); a = 1 needs b ≥ 5 and b ≤ 5 → (1, 5) ¥2.5M; a = 2 needs b ≥ 2 →
  (2, 2) ¥1.8M; a = 3 → (3, 3) ¥2.7M; larger a costs more. Optimum (2, 2): 120 leads, 36 ICP = 30 %.
"""

from __future__ import annotations

import math

import pytest

from tenbin.plan.optimize import CampaignType, Goal, shift_to_quality, solve_plan
from tenbin.plan.service import parse_band
from tenbin.plan.text import TEMPLATES

A = CampaignType("展示会", "quantity", 50, 10, 5, 0.2, 0.15, 0.25, 500_000, 0.1)
B = CampaignType("個別セミナー", "quality", 10, 3, 1, 0.8, 0.7, 0.9, 400_000, 0.3)
GOAL = Goal(100, 0.3, 0.5)


def counts(goal: Goal, types: list[CampaignType] | None = None) -> list[int]:
    return [line.count for line in solve_plan(types or [A, B], goal).lines]


def test_the_tiny_plan_solved_by_hand() -> None:
    plan = solve_plan([A, B], GOAL)
    assert [line.count for line in plan.lines] == [2, 2]
    assert (plan.campaigns, plan.cost, plan.leads, plan.icp_leads) == (4, 1_800_000, 120, 36)
    assert plan.icp_rate == pytest.approx(0.30)
    assert plan.sales_load == pytest.approx(2 * 5 + 2 * 3)
    assert plan.quality_share == pytest.approx(20 / 120)
    assert plan.feasible and plan.unmet == ()


def test_what_binds_is_what_would_give_a_better_plan_when_lifted() -> None:
    plan = solve_plan([A, B], Goal(100, 0.3, 0.5, budget=2_000_000, capacity=100))
    binds = {c.name: c.binds for c in plan.checks}
    # without the volume target nothing is needed (¥0); without the lower edge (2, 0) costs ¥1.0M;
    # without the upper edge, the budget or the capacity the optimum stays (2, 2)
    assert binds == {"volume": True, "band_low": True, "band_high": False, "budget": False, "capacity": False}
    slack = {c.name: c.slack for c in plan.checks}
    assert slack["budget"] == 200_000 and slack["volume"] == 20 and slack["band_low"] == pytest.approx(0)
    assert slack["capacity"] == pytest.approx(100 - 16)


def test_uncertainty_of_the_plan_by_hand() -> None:
    plan = solve_plan([A, B], GOAL)
    # Σ x·sd² + Σ x²·se² = 2·100 + 4·25 + 2·9 + 4·1 = 322
    half = 1.959963984540054 * math.sqrt(322)
    assert (plan.leads_low, plan.leads_high) == (pytest.approx(120 - half), pytest.approx(120 + half))
    # each type at its Wilson bound: (2·50·0.15 + 2·10·0.7) / 120 and (2·50·0.25 + 2·10·0.9) / 120
    assert plan.icp_rate_low == pytest.approx(29 / 120)
    assert plan.icp_rate_high == pytest.approx(43 / 120)


def test_a_budget_too_small_gives_the_nearest_plan_and_names_the_rate() -> None:
    # ¥1.5M: (2, 1) ¥1.4M has 110 leads, 28 ICP: 5 ICP leads short of 30 % (33); every other plan
    # within budget falls further short ((3, 0): 15; (2, 0): 10; (1, 2): 30 leads short).
    plan = solve_plan([A, B], Goal(100, 0.3, 0.5, budget=1_500_000))
    assert [line.count for line in plan.lines] == [2, 1]
    assert not plan.feasible and plan.unmet == ("band_low",)
    assert plan.shortfall == {"volume": 0.0, "band_low": pytest.approx(5.0), "band_high": 0.0}
    assert {c.name for c in plan.checks if c.binds} == {"volume", "band_low", "budget"}
    assert {c.name: c.met for c in plan.checks}["band_low"] is False


def test_a_cap_per_type_names_the_volume() -> None:
    # at most 1 of each: (1, 1) has 60 leads and 18 ICP (30 %): 40 leads short, the band is met
    plan = solve_plan([A, B], Goal(100, 0.3, 0.5, max_per_type=1))
    assert [line.count for line in plan.lines] == [1, 1]
    assert plan.unmet == ("volume",) and plan.shortfall["volume"] == pytest.approx(40)
    assert {c.name: c.binds for c in plan.checks}["max_per_type"] is True


def test_sales_capacity_is_a_hard_limit() -> None:
    # opportunities per campaign: A 5, B 3; capacity 15. Every plan meeting the targets needs more
    # ((2, 2): 16, (1, 5): 20). Within 15: (2, 1) 13 is 5 ICP leads short; (3, 0) 15 short;
    # (1, 3) 20 leads short; (0, 5) 50 leads short and 15 ICP leads over. Nearest: (2, 1).
    plan = solve_plan([A, B], Goal(100, 0.3, 0.5, capacity=15))
    assert [line.count for line in plan.lines] == [2, 1]
    assert plan.sales_load == 13 and plan.unmet == ("band_low",)
    assert {c.name: c.binds for c in plan.checks}["capacity"] is True


def test_the_resource_rule_shifts_the_plan_toward_quality() -> None:
    """Same history and targets; only the rule differs. Lower edge 30 % → 40 % (the band's middle):
    10a + 8b ≥ 0.4(50a + 10b) ⇔ b ≥ 2.5a; with b ≤ 5a and 50a + 10b ≥ 100: a = 1 → b = 5 (¥2.5M),
    a = 2 → b = 5 (¥3.0M). Optimum (1, 5): 100 leads, 50 ICP (50 %), half of them from quality."""
    shifted = shift_to_quality(GOAL)
    assert (shifted.band_low, shifted.band_high) == (pytest.approx(0.4), 0.5)
    before, after = solve_plan([A, B], GOAL), solve_plan([A, B], shifted)
    assert [line.count for line in after.lines] == [1, 5]
    assert after.quality_share == pytest.approx(0.5)
    assert before.quality_share is not None and after.quality_share > before.quality_share
    assert after.icp_rate is not None and before.icp_rate is not None and after.icp_rate > before.icp_rate


def test_a_single_type_below_the_band_gives_the_nearest_plan() -> None:
    plan = solve_plan([A], Goal(100, 0.3, 0.5))  # A alone is always 20 %: below the band
    # each A brings 50 leads (counted against the volume) and 5 ICP leads too few for 30 %: 0 A
    # is 100 short, 2 A are 10 short, 3 A 15: nearest is 2 A
    assert [line.count for line in plan.lines] == [2]
    assert plan.unmet == ("band_low",)


def test_every_sentence_has_the_same_placeholders_in_both_languages() -> None:
    import string

    def names(template: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(template) if n}

    for key, (ja, en) in TEMPLATES.items():
        assert names(ja) == names(en), key


@pytest.mark.parametrize(("text", "band"), [("30-50", (30.0, 50.0)), ("30%〜45.5%", (30.0, 45.5)),
                                            (" 0 – 100 ", (0.0, 100.0))])  # fmt: skip
def test_bands_are_read_in_any_usual_form(text: str, band: tuple[float, float]) -> None:
    assert parse_band(text) == band


@pytest.mark.parametrize("text", ["50-30", "30", "30-101", "a-b", ""])
def test_bad_bands_are_refused_with_a_code(text: str) -> None:
    from tenbin.errors import TenbinError

    with pytest.raises(TenbinError) as raised:
        parse_band(text)
    assert raised.value.code == "PLAN_BAND_INVALID" and raised.value.place.field == "band"
