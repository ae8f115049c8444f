"""The operating signals (pure): the win-rate judgement with Fisher p-values worked out by hand, the
capacity of a roster over a period, the capacity used with its saturation edge, and the sentences.

Fisher, one-sided ("the baseline's rate is higher"): with the baseline's won B of n, the judged
period's won J of m, K = B + J wins in N = n + m deals, p = P(X ≥ B) for X ~ Hypergeometric(N, K, n)
= Σ_{x ≥ B} C(K, x)·C(N − K, n − x) / C(N, n).

* judged 2/10, baseline 6/10 + 5/10 + 7/10 = 18/30: N = 40, K = 20, n = 30,
  p = [C(20,18)·C(20,12) + C(20,19)·C(20,11) + C(20,20)·C(20,10)] / C(40,30)
    = (190·125970 + 20·167960 + 1·184756) / 847660528 = 27478256 / 847660528 = 0.0324166… < 0.05.
"""

from __future__ import annotations

import datetime as dt
from math import comb

import pytest

from tenbin.balance.capacity import Roster, capacity_use, period_capacity, weekdays
from tenbin.balance.text import TEMPLATES, capacity_sentences, explain_signals, win_rate_sentence
from tenbin.balance.trend import ClosedDeals, judge_win_rate

BASELINE = [ClosedDeals("2025-11", 6, 10), ClosedDeals("2025-12", 5, 10), ClosedDeals("2026-01", 7, 10)]


def hypergeometric_tail(baseline_won: int, baseline: int, judged_won: int, judged: int) -> float:
    wins, deals = baseline_won + judged_won, baseline + judged
    top = sum(comb(wins, x) * comb(deals - wins, baseline - x) for x in range(baseline_won, min(wins, baseline) + 1))
    return top / comb(deals, baseline)


def test_a_significant_fall_against_the_pooled_baseline() -> None:
    change = judge_win_rate(ClosedDeals("2026-02", 2, 10), BASELINE)
    assert (change.won, change.closed, change.rate) == (2, 10, 0.2)
    assert (change.baseline_won, change.baseline_closed, change.baseline_rate) == (18, 30, 0.6)
    assert change.p_fallen == pytest.approx(27_478_256 / 847_660_528, rel=1e-9)
    assert change.p_fallen == pytest.approx(0.0324166, abs=1e-7)
    assert change.verdict == "fallen" and change.fallen
    assert [b.period for b in change.baseline] == ["2025-11", "2025-12", "2026-01"]


def test_a_lower_rate_that_is_not_significant_is_not_a_fall() -> None:
    change = judge_win_rate(ClosedDeals("2026-02", 4, 10), BASELINE)  # 40 % vs 60 %
    assert change.p_fallen == pytest.approx(hypergeometric_tail(18, 30, 4, 10), rel=1e-9)
    assert change.p_fallen is not None and 0.05 < change.p_fallen < 0.5
    assert change.verdict == "not_fallen" and not change.fallen
    higher = judge_win_rate(ClosedDeals("2026-02", 9, 10), BASELINE)
    assert higher.verdict == "not_fallen" and higher.p_fallen == pytest.approx(hypergeometric_tail(18, 30, 9, 10))


def test_alpha_decides_the_edge() -> None:
    assert judge_win_rate(ClosedDeals("2026-02", 2, 10), BASELINE, alpha=0.03).verdict == "not_fallen"
    assert judge_win_rate(ClosedDeals("2026-02", 2, 10), BASELINE, alpha=0.0325).verdict == "fallen"


@pytest.mark.parametrize(
    ("judged", "baseline"),
    [
        (ClosedDeals("p", 0, 9), BASELINE),  # 9 < 10 closed deals in the judged period
        (ClosedDeals("p", 0, 10), [ClosedDeals("a", 6, 10), ClosedDeals("b", 5, 9)]),  # baseline 19 < 20
        (ClosedDeals("p", 0, 10), [ClosedDeals("a", 0, 0), ClosedDeals("b", 0, 0), ClosedDeals("c", 20, 30)]),
        (ClosedDeals("p", 0, 10), []),
    ],
)
def test_small_samples_are_not_enough_data(judged: ClosedDeals, baseline: list[ClosedDeals]) -> None:
    change = judge_win_rate(judged, baseline)
    assert (change.verdict, change.p_fallen, change.fallen) == ("not_enough_data", None, False)


def test_exactly_the_minimum_samples_are_judged() -> None:
    baseline = [ClosedDeals("a", 10, 10), ClosedDeals("b", 10, 10)]  # 20 deals in 2 periods: 100 %
    change = judge_win_rate(ClosedDeals("p", 0, 10), baseline)
    # all 10 wins must fall in the baseline: p = C(20,20)·C(10,0) / C(30,20) = 1 / 30045015
    assert change.p_fallen == pytest.approx(1 / 30_045_015, rel=1e-9)
    assert change.verdict == "fallen"


def test_weekdays_count_monday_to_friday() -> None:
    assert weekdays(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 22  # Sun 1 … Tue 31: 4 weeks + Mon, Tue
    assert weekdays(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == 20  # 4 whole weeks
    assert weekdays(dt.date(2026, 3, 1), dt.date(2026, 3, 15)) == 10  # 2–6 and 9–13 March
    assert weekdays(dt.date(2026, 3, 7), dt.date(2026, 3, 8)) == 0  # a weekend
    assert weekdays(dt.date(2026, 3, 9), dt.date(2026, 3, 9)) == 1
    assert weekdays(dt.date(2026, 3, 9), dt.date(2026, 3, 8)) == 0


ROSTER = Roster(teams=2, members=4, members_without_capacity=1, per_week=15, per_day=2)


def test_capacity_scales_weekly_by_days_and_daily_by_weekdays() -> None:
    assert period_capacity(ROSTER, dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == 15 * 4 + 2 * 20  # 100
    assert period_capacity(ROSTER, dt.date(2026, 3, 1), dt.date(2026, 3, 15)) == pytest.approx(15 * 15 / 7 + 2 * 10)


def test_capacity_used_and_its_saturation_edge() -> None:
    feb = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    at_edge = capacity_use("2026-02", *feb, ROSTER, used=90, source="opportunities")
    assert (at_edge.days, at_edge.capacity, at_edge.share, at_edge.status, at_edge.saturated) == (
        28, 100.0, 0.9, "saturated", True,
    )  # fmt: skip
    below = capacity_use("2026-02", *feb, ROSTER, used=89, source="routing")
    assert (below.share, below.status, below.saturated, below.source) == (0.89, "available", False, "routing")
    # 27 of a capacity of 30 is 0.9 after rounding (27 / 30 = 0.9 in binary too; 0.3·3 would not be)
    thirty = Roster(1, 1, 0, 0, 1)  # 1 a weekday, 30 weekdays from 2 March to 10 April 2026
    assert period_capacity(thirty, dt.date(2026, 3, 2), dt.date(2026, 4, 10)) == 30
    assert capacity_use("x", dt.date(2026, 3, 2), dt.date(2026, 4, 10), thirty, used=27, source="routing").saturated
    higher = capacity_use("2026-02", *feb, ROSTER, used=89, source="routing", threshold=0.8)
    assert higher.status == "saturated"


def test_no_team_or_no_capacity_is_unknown_not_zero() -> None:
    feb = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    none = capacity_use("2026-02", *feb, Roster(0, 0, 0, 0, 0), used=5, source="opportunities")
    assert (none.capacity, none.share, none.status, none.saturated, none.used) == (None, None, "unknown", None, 5)
    unset = capacity_use("2026-02", *feb, Roster(1, 3, 0, 0, 0), used=0, source="opportunities")
    assert unset.status == "unknown"
    assert capacity_sentences(none, "ja") == [
        "営業チーム(フィールドセールス・アカウントセールス)が登録されていないため、営業リソースの使用率は分かりません。"
    ]
    assert capacity_sentences(unset, "en") == [
        "No capacity (leads per day or week) is set for the sales teams, so the sales capacity used is unknown."
    ]


def test_sentences_for_the_signals() -> None:
    fallen = judge_win_rate(ClosedDeals("2026-02", 2, 10), BASELINE)
    assert win_rate_sentence(fallen, "ja") == (
        "受注率 20.0%(2/10件)が直前3期間の 60.0%(18/30件)より下がっています(片側フィッシャー検定 p=0.0324)。"
    )
    assert win_rate_sentence(fallen, "en") == (
        "The win rate of 20.0% (2/10) has fallen from 60.0% (18/30) in the previous 3 periods "
        "(one-sided Fisher test, p=0.0324)."
    )
    few = judge_win_rate(ClosedDeals("2026-03", 1, 4), BASELINE)
    assert win_rate_sentence(few, "ja") == (
        "受注率の変化を判定するには決着した商談が足りません(この期間 4件、直前3期間 30件)。"
    )
    feb = (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    full = capacity_use("2026-02", *feb, ROSTER, used=90, source="opportunities")
    assert capacity_sentences(full, "ja") == [
        "営業への割り当て 90件は対応可能件数 100件の 90.0% で、90% 以上のため営業リソースは飽和しています"
        "(営業担当者の新規商談より)。",
        "対応可能件数が未設定の営業メンバーが 1人います(対応可能件数に含めていません)。",
    ]
    room = capacity_use("2026-03", dt.date(2026, 3, 1), dt.date(2026, 3, 15), ROSTER, used=3, source="routing")
    assert capacity_sentences(room, "en")[0] == (
        "Sales took 3 leads, 5.8% of their capacity of 52.1 (from routing decisions), so there is room."
    )
    both = explain_signals(fallen, full, "ja")
    assert both.endswith("受注率が悪化し営業リソースも飽和しているため、質中心に軸足を移す状況です。")
    assert "shift toward quality" not in explain_signals(fallen, room, "en")
    assert explain_signals(fallen, full, "en").endswith("time to shift toward quality.")


def test_signal_templates_are_in_both_languages() -> None:
    for key in ("win_rate_fallen", "win_rate_not_fallen", "win_rate_not_enough_data", "capacity_saturated"):
        ja, en = TEMPLATES[key]
        assert ja != en and any("\u3040" <= ch <= "\u9fff" for ch in ja)
