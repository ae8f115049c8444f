"""Sentences that say why a balance state is what it is, in Japanese and English.

Results first, sentences second: :func:`explain` reads only a :class:`BalanceState`. Each sentence
is a template with the same placeholders in both languages (kept here rather than in the ``.po``
catalogs because they are assembled from parts; a unit test checks the placeholders match).
Numbers: the rate and its interval with one decimal, band edges without a trailing ``.0``.
"""

from __future__ import annotations

from tenbin.balance.state import BalanceState, RateCheck, VolumeCheck

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
