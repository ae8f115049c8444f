"""Balance state (pure): every state and boundary by hand, Wilson certainty with hand-computed
bounds, the sentences in Japanese and English, and the calendar periods.

Wilson 95 % bounds, z = 1.959964, z² = 3.841459, with p = k/n and a = z²/n:
centre = (p + a/2)/(1 + a), half = z/(1 + a)·√(p(1−p)/n + a/4n):

=========  ======  ================  ===================
k/n        rate    interval (%)      against 30–50 %
=========  ======  ================  ===================
112/400    28.0    23.8251–32.5934   below, crosses 30
60/400     15.0    11.8345–18.8314   clearly below
240/400    60.0    55.1259–64.6838   clearly above
205/400    51.25   46.3631–56.1131   above, crosses 50
160/400    40.0    35.3162–44.8741   clearly inside
120/400    30.0    25.7168–34.6637   at the low edge: in
200/400    50.0    45.1235–54.8765   at the high edge: in
=========  ======  ================  ===================
"""

from __future__ import annotations

import datetime as dt
import string

import pytest

from tenbin.balance.periods import last_periods, period_start
from tenbin.balance.state import classify
from tenbin.balance.text import TEMPLATES, explain
from tenbin.workspace.service import Band

BAND = Band(30.0, 50.0)


def test_rate_below_band_with_the_volume_met_is_quantity_leaning_by_the_point_estimate_only() -> None:
    state = classify(112 / 400, 400, BAND, 400)
    assert state.state == "quantity_leaning"
    assert state.decided_by == ("rate_below_band", "volume_met")
    assert state.rate is not None
    assert (state.rate.icp, state.rate.total, state.rate.rate_pct) == (112, 400, 28.0)
    assert state.rate.low_pct == pytest.approx(23.8251, abs=1e-4)
    assert state.rate.high_pct == pytest.approx(32.5934, abs=1e-4)
    assert (state.rate.position, state.rate.certainty) == ("below", "point_estimate")
    volume = state.volume
    assert (volume.volume, volume.target, volume.short, volume.shortfall) == (400, 400, False, 0)


def test_rate_clearly_below_band_without_a_volume_target_is_quantity_leaning() -> None:
    state = classify(60 / 400, 400, BAND, None)
    assert state.state == "quantity_leaning"
    assert state.decided_by == ("rate_below_band", "no_volume_target")
    assert state.rate is not None and state.rate.certainty == "clear"
    assert state.rate.high_pct == pytest.approx(18.8314, abs=1e-4)


def test_rate_below_band_and_volume_short_is_both_short() -> None:
    state = classify(60 / 400, 400, BAND, 500)
    assert state.state == "both_short"
    assert state.decided_by == ("rate_below_band", "volume_short")
    assert (state.volume.short, state.volume.shortfall) == (True, 100)


def test_rate_above_band_is_quality_leaning_whatever_the_volume() -> None:
    clear = classify(240 / 400, 400, BAND, 10_000)
    assert (clear.state, clear.decided_by) == ("quality_leaning", ("rate_above_band",))
    assert clear.rate is not None and clear.rate.certainty == "clear"
    assert clear.rate.low_pct == pytest.approx(55.1259, abs=1e-4)
    assert clear.volume.short  # reported, though the rate decided
    point = classify(205 / 400, 400, BAND, None)
    assert point.state == "quality_leaning"
    assert point.rate is not None and (point.rate.position, point.rate.certainty) == ("above", "point_estimate")
    assert point.rate.low_pct == pytest.approx(46.3631, abs=1e-4)


def test_rate_in_band_with_volume_short_is_quality_leaning() -> None:
    state = classify(160 / 400, 400, BAND, 401)
    assert state.state == "quality_leaning"
    assert state.decided_by == ("rate_in_band", "volume_short")
    assert state.volume.shortfall == 1


def test_rate_in_band_with_volume_exactly_at_target_is_balanced_and_clearly_inside() -> None:
    state = classify(160 / 400, 400, BAND, 400)
    assert (state.state, state.decided_by) == ("balanced", ("rate_in_band", "volume_met"))
    assert state.rate is not None and (state.rate.position, state.rate.certainty) == ("in", "clear")
    assert (state.rate.low_pct, state.rate.high_pct) == (pytest.approx(35.3162, abs=1e-4),
                                                         pytest.approx(44.8741, abs=1e-4))  # fmt: skip


@pytest.mark.parametrize(("icp", "total", "band"), [(120, 400, BAND), (200, 400, BAND), (57, 100, Band(57.0, 70.0))])
def test_rate_exactly_at_a_band_edge_is_in_the_band(icp: int, total: int, band: Band) -> None:
    # 57/100 × 100 is 56.99999999999999 in binary floating point: still at the edge, not below it
    state = classify(icp / total, total, band, None)
    assert state.state == "balanced"
    assert state.rate is not None and (state.rate.position, state.rate.certainty) == ("in", "point_estimate")


def test_just_outside_the_edges() -> None:
    assert classify(119 / 400, 400, BAND, None).state == "quantity_leaning"
    assert classify(201 / 400, 400, BAND, None).state == "quality_leaning"


@pytest.mark.parametrize(("rate", "volume", "target"), [(None, 0, None), (None, 0, 100), (0.4, 0, 100)])
def test_no_leads_is_no_data(rate: float | None, volume: int, target: int | None) -> None:
    state = classify(rate, volume, BAND, target)
    assert (state.state, state.decided_by, state.rate) == ("no_data", ("no_data",), None)


def test_zero_and_all_icp_have_exact_interval_ends() -> None:
    none, every = classify(0.0, 10, BAND, None), classify(1.0, 10, BAND, None)
    assert none.rate is not None and none.rate.low_pct == 0.0 and none.state == "quantity_leaning"
    assert every.rate is not None and every.rate.high_pct == 100.0 and every.state == "quality_leaning"


def test_sentences_in_japanese_and_english() -> None:
    state = classify(112 / 400, 400, BAND, 400)
    assert explain(state, "ja") == (
        "ICP率 28.0%(112/400)が目標帯 30〜50% を下回っているため量寄りです。件数 400件は目標 400件に達しています。"
        "ただし95%信頼区間 23.8〜32.6% は目標帯の境界をまたいでおり、点推定だけでの判定です。"
    )
    assert explain(state, "en") == (
        "The ICP rate of 28.0% (112/400) is below the target band of 30–50%, so the mix leans to quantity. "
        "The volume of 400 meets the target of 400. But the 95% interval of 23.8–32.6% crosses the band's edge, "
        "so this rests on the point estimate alone."
    )


def test_sentences_for_every_other_state() -> None:
    both = classify(60 / 400, 400, BAND, 500)
    assert explain(both, "ja").startswith("ICP率 15.0%(60/400)が目標帯 30〜50% を下回り、件数 400件も目標 500件に100件")
    assert explain(both, "ja").endswith("95%信頼区間 11.8〜18.8% も目標帯の外にあります。")
    assert "both quantity and quality are short" in explain(both, "en")
    above = classify(240 / 400, 400, BAND, None)
    assert explain(above, "ja").startswith("ICP率 60.0%(240/400)が目標帯 30〜50% を上回っているため質寄りです。")
    assert "above the target band of 30–50%, so the mix leans to quality." in explain(above, "en")
    short = classify(160 / 400, 400, Band(30.5, 50.0), 450)
    assert explain(short, "ja").startswith(
        "ICP率 40.0%(160/400)は目標帯 30.5〜50% の範囲内ですが、件数 400件が目標 450件に50件足りないため質寄りです。"
    )
    assert "but the volume of 400 is 50 short of the target of 450" in explain(short, "en")
    balanced = classify(160 / 400, 400, BAND, None)
    assert explain(balanced, "ja") == (
        "ICP率 40.0%(160/400)が目標帯 30〜50% の範囲内のため、バランスが取れています。件数目標は設定されていません。"
        "95%信頼区間 35.3〜44.9% も目標帯の中にあります。"
    )
    assert explain(balanced, "en").endswith("lies inside the band as well.")
    empty = classify(None, 0, BAND, 100)
    assert explain(empty, "ja") == "この期間・ステージにはリードがないため、バランスを判定できません。"
    assert explain(empty, "en").startswith("There are no leads")


def test_every_template_has_the_same_placeholders_in_both_languages() -> None:
    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, (ja, en) in TEMPLATES.items():
        assert names(ja) == names(en), key


def test_last_periods_months_quarters_and_fiscal_years() -> None:
    day = dt.date(2026, 2, 14)
    months = last_periods("month", 3, day)
    assert [(p.key, p.start, p.end) for p in months] == [
        ("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        ("2026-01", dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ]
    quarters = last_periods("quarter", 2, day)
    assert [(p.key, p.start, p.end) for p in quarters] == [
        ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ]
    years = last_periods("fiscal_year", 2, day)
    assert [(p.key, p.start, p.end) for p in years] == [
        ("2024", dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
        ("2025", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
    ]
    assert period_start("fiscal_year", dt.date(2025, 4, 1)) == dt.date(2025, 4, 1)
    assert period_start("fiscal_year", dt.date(2025, 3, 31)) == dt.date(2024, 4, 1)
