"""Sentences that say why a balance state is what it is, in Japanese and English.

Results first, sentences second: :func:`explain` reads only a :class:`BalanceState`. Each sentence
is a template with the same placeholders in both languages (kept here rather than in the ``.po``
catalogs because they are assembled from parts; a unit test checks the placeholders match).
Numbers: the rate and its interval with one decimal, band edges without a trailing ``.0``.

:func:`explain_signals` says the same for the operating signals: the win-rate trend
(:mod:`tenbin.balance.trend`) and the sales capacity used (:mod:`tenbin.balance.capacity`).
"""

from __future__ import annotations

from tenbin.balance.capacity import CapacityUse
from tenbin.balance.state import BalanceState, RateCheck, VolumeCheck
from tenbin.balance.trend import WinRateChange

# key → (ja, en)
TEMPLATES: dict[str, tuple[str, str]] = {
    "no_data": (
        "この期間・ステージにはリードがないため、バランスを判定できません。",
        "There are no leads at this stage in this period, so the balance cannot be judged.",
    ),
    "quantity_leaning": (
        "ICP率 {rate}%({icp}/{total})が目標帯 {low}〜{high}% を下回っているため量寄りです。",
        "The ICP rate of {rate}% ({icp}/{total}) is below the target band of {low}–{high}%, "
        "so the mix leans to quantity.",
    ),
    "both_short": (
        "ICP率 {rate}%({icp}/{total})が目標帯 {low}〜{high}% を下回り、件数 {volume}件も目標 {target}件に"
        "{shortfall}件足りないため、量も質も不足しています。",
        "The ICP rate of {rate}% ({icp}/{total}) is below the target band of {low}–{high}% and the volume of "
        "{volume} is {shortfall} short of the target of {target}, so both quantity and quality are short.",
    ),
    "quality_above": (
        "ICP率 {rate}%({icp}/{total})が目標帯 {low}〜{high}% を上回っているため質寄りです。",
        "The ICP rate of {rate}% ({icp}/{total}) is above the target band of {low}–{high}%, "
        "so the mix leans to quality.",
    ),
    "quality_volume": (
        "ICP率 {rate}%({icp}/{total})は目標帯 {low}〜{high}% の範囲内ですが、件数 {volume}件が目標 {target}件に"
        "{shortfall}件足りないため質寄りです。",
        "The ICP rate of {rate}% ({icp}/{total}) is within the target band of {low}–{high}%, but the volume of "
        "{volume} is {shortfall} short of the target of {target}, so the mix leans to quality.",
    ),
    "balanced": (
        "ICP率 {rate}%({icp}/{total})が目標帯 {low}〜{high}% の範囲内のため、バランスが取れています。",
        "The ICP rate of {rate}% ({icp}/{total}) is within the target band of {low}–{high}%, so the mix is balanced.",
    ),
    "volume_met": (
        "件数 {volume}件は目標 {target}件に達しています。",
        "The volume of {volume} meets the target of {target}.",
    ),
    "no_volume_target": (
        "件数目標は設定されていません。",
        "No volume target is set.",
    ),
    "clear_outside": (
        "95%信頼区間 {interval_low}〜{interval_high}% も目標帯の外にあります。",
        "The 95% interval of {interval_low}–{interval_high}% lies outside the band as well.",
    ),
    "clear_inside": (
        "95%信頼区間 {interval_low}〜{interval_high}% も目標帯の中にあります。",
        "The 95% interval of {interval_low}–{interval_high}% lies inside the band as well.",
    ),
    "point_estimate": (
        "ただし95%信頼区間 {interval_low}〜{interval_high}% は目標帯の境界をまたいでおり、点推定だけでの判定です。",
        "But the 95% interval of {interval_low}–{interval_high}% crosses the band's edge, so this rests on the "
        "point estimate alone.",
    ),
    # operating signals
    "win_rate_fallen": (
        "受注率 {rate}%({won}/{closed}件)が直前{periods}期間の {base_rate}%({base_won}/{base_closed}件)より"
        "下がっています(片側フィッシャー検定 p={p})。",
        "The win rate of {rate}% ({won}/{closed}) has fallen from {base_rate}% ({base_won}/{base_closed}) in the "
        "previous {periods} periods (one-sided Fisher test, p={p}).",
    ),
    "win_rate_not_fallen": (
        "受注率 {rate}%({won}/{closed}件)は直前{periods}期間の {base_rate}%({base_won}/{base_closed}件)から"
        "有意には下がっていません(p={p})。",
        "The win rate of {rate}% ({won}/{closed}) has not fallen significantly from {base_rate}% "
        "({base_won}/{base_closed}) in the previous {periods} periods (p={p}).",
    ),
    "win_rate_not_enough_data": (
        "受注率の変化を判定するには決着した商談が足りません(この期間 {closed}件、直前{periods}期間 {base_closed}件)。",
        "Too few closed deals to judge the win rate ({closed} in this period, {base_closed} in the previous "
        "{periods} periods).",
    ),
    "capacity_no_team": (
        "営業チーム(フィールドセールス・アカウントセールス)が登録されていないため、営業リソースの使用率は分かりません。",
        "No sales team (field or account sales) is set up, so the sales capacity used is unknown.",
    ),
    "capacity_not_set": (
        "営業チームの対応可能件数(1日・1週あたり)が設定されていないため、営業リソースの使用率は分かりません。",
        "No capacity (leads per day or week) is set for the sales teams, so the sales capacity used is unknown.",
    ),
    "capacity_available": (
        "営業への割り当て {used}件は対応可能件数 {capacity}件の {share}% で、余力があります({source})。",
        "Sales took {used} leads, {share}% of their capacity of {capacity} ({source}), so there is room.",
    ),
    "capacity_saturated": (
        "営業への割り当て {used}件は対応可能件数 {capacity}件の {share}% で、{threshold}% 以上のため営業リソースは"
        "飽和しています({source})。",
        "Sales took {used} leads, {share}% of their capacity of {capacity} ({source}): at {threshold}% or more, "
        "sales capacity is saturated.",
    ),
    "capacity_members_missing": (
        "対応可能件数が未設定の営業メンバーが {count}人います(対応可能件数に含めていません)。",
        "{count} sales members have no capacity set (not included in the capacity).",
    ),
    "source_routing": ("振り分け記録より", "from routing decisions"),
    "source_opportunities": ("営業担当者の新規商談より", "from new opportunities owned by salespeople"),
    "shift_to_quality": (
        "受注率が悪化し営業リソースも飽和しているため、質中心に軸足を移す状況です。",
        "The win rate has fallen and sales capacity is saturated: time to shift toward quality.",
    ),
}


def _edge(value: float) -> str:
    return f"{value:g}"


def _numbers(rate: RateCheck | None, volume: VolumeCheck) -> dict[str, object]:
    numbers: dict[str, object] = {"volume": volume.volume, "target": volume.target, "shortfall": volume.shortfall}
    if rate is not None:
        numbers |= {
            "rate": f"{rate.rate_pct:.1f}", "icp": rate.icp, "total": rate.total,
            "low": _edge(rate.band.low), "high": _edge(rate.band.high),
            "interval_low": f"{rate.low_pct:.1f}", "interval_high": f"{rate.high_pct:.1f}",
        }  # fmt: skip
    return numbers


def sentence_keys(state: BalanceState) -> list[str]:
    """The templates :func:`explain` joins, in order."""
    if state.rate is None:
        return ["no_data"]
    if state.state == "quality_leaning":
        keys = ["quality_above" if state.rate.position == "above" else "quality_volume"]
    else:
        keys = [state.state]
    if state.state in ("quantity_leaning", "balanced"):
        keys.append("no_volume_target" if state.volume.target is None else "volume_met")
    if state.rate.certainty == "point_estimate":
        keys.append("point_estimate")
    else:
        keys.append("clear_inside" if state.rate.position == "in" else "clear_outside")
    return keys


def explain(state: BalanceState, lang: str = "ja") -> str:
    """Why the state is what it is, in ``lang`` (``ja`` or ``en``; anything else reads as ``ja``)."""
    index = 1 if lang == "en" else 0
    numbers = _numbers(state.rate, state.volume)
    parts = [TEMPLATES[key][index].format(**numbers) for key in sentence_keys(state)]
    return ("" if index == 0 else " ").join(parts)


def _number(value: float) -> str:
    """At most one decimal, without a trailing ``.0`` (88.571… → 88.6, 90.0 → 90)."""
    return f"{value:,.1f}".removesuffix(".0")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def win_rate_sentence(change: WinRateChange, lang: str = "ja") -> str:
    index = 1 if lang == "en" else 0
    numbers = {
        "rate": _pct(change.rate), "won": change.won, "closed": change.closed, "periods": len(change.baseline),
        "base_rate": _pct(change.baseline_rate), "base_won": change.baseline_won,
        "base_closed": change.baseline_closed, "p": "—" if change.p_fallen is None else f"{change.p_fallen:.3g}",
    }  # fmt: skip
    return TEMPLATES[f"win_rate_{change.verdict}"][index].format(**numbers)


def capacity_sentences(use: CapacityUse, lang: str = "ja") -> list[str]:
    index = 1 if lang == "en" else 0
    if use.status == "unknown":
        return [TEMPLATES["capacity_no_team" if use.roster.teams == 0 else "capacity_not_set"][index]]
    numbers = {
        "used": use.used, "capacity": _number(use.capacity or 0.0), "share": _pct(use.share),
        "threshold": _number(use.threshold * 100), "source": TEMPLATES[f"source_{use.source}"][index],
    }  # fmt: skip
    parts = [TEMPLATES[f"capacity_{use.status}"][index].format(**numbers)]
    if use.roster.members_without_capacity:
        parts.append(TEMPLATES["capacity_members_missing"][index].format(count=use.roster.members_without_capacity))
    return parts


def explain_signals(win_rate: WinRateChange, capacity: CapacityUse, lang: str = "ja") -> str:
    """The win-rate judgement and the sales capacity used, in ``lang``; when the win rate fell and
    sales is saturated, the article's resource rule (質中心に軸足を移す) as the last sentence."""
    parts = [win_rate_sentence(win_rate, lang), *capacity_sentences(capacity, lang)]
    if win_rate.fallen and capacity.status == "saturated":
        parts.append(TEMPLATES["shift_to_quality"][1 if lang == "en" else 0])
    return ("" if lang != "en" else " ").join(parts)
