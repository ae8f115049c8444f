"""Sentences that say what the plan is and why, in Japanese and English.

Results first, sentences second: :func:`explain` reads only a plan result. Each sentence is a
template with the same placeholders in both languages (kept here, like the balance slice's, because
they are assembled from parts; a unit test checks the placeholders match). Expected counts are
rounded to whole leads, rates shown with one decimal, yen as 万/億 in Japanese.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenbin.i18n import fmt_yen, use_lang

if TYPE_CHECKING:
    from tenbin.plan.service import PlanResult

# key → (ja, en)
TEMPLATES: dict[str, tuple[str, str]] = {
    "summary": (
        "{period} の推奨: 施策 {campaigns} 件、見込みリード {leads} 件(95%範囲 {leads_low}〜{leads_high} 件)、"
        "うちICP該当 {icp_leads} 件、ICP率 {rate}%(範囲 {rate_low}〜{rate_high}%)、費用 {cost}、"
        "営業が対応する商談 {load} 件。",
        "Recommended for {period}: {campaigns} campaigns, {leads} expected leads (95% range {leads_low}–{leads_high}), "
        "{icp_leads} of them ICP leads, an ICP rate of {rate}% (range {rate_low}–{rate_high}%), a cost of {cost} "
        "and {load} opportunities for sales.",
    ),
    "empty": (
        "{period} の推奨: 施策なし(どの施策を組み合わせても目標に近づきません)。",
        "Recommended for {period}: no campaigns (no mix of campaigns comes closer to the targets).",
    ),
    "feasible": (
        "件数目標 {target} 件とICP率の目標帯 {low}〜{high}% を満たす計画のうち、費用が最も少ない計画です。",
        "Of the plans that meet the volume target of {target} leads and the ICP-rate band of {low}–{high}%, "
        "this is the cheapest.",
    ),
    "infeasible": (
        "予算・営業の対応能力・施策数の上限の中では、すべての目標を同時には満たせません。最も近い計画を示します。",
        "Within the budget, the sales capacity and the maximum per type, the targets cannot all be met at once. "
        "This is the nearest plan.",
    ),
    "unmet_volume": (
        "件数目標 {target} 件に {short} 件届きません。",
        "It falls {short} leads short of the volume target of {target}.",
    ),
    "unmet_band_low": (
        "ICP率が目標帯の下限 {low}% に届きません(ICP該当リードがあと {short} 件必要です)。",
        "Its ICP rate is below the band's lower edge of {low}% ({short} more ICP leads would be needed).",
    ),
    "unmet_band_high": (
        "ICP率が目標帯の上限 {high}% を超えます(ICP該当リードが {short} 件多すぎます)。",
        "Its ICP rate is above the band's upper edge of {high}% ({short} ICP leads too many).",
    ),
    "binding": (
        "計画を決めている制約(外すとより良い計画になるもの): {names}。",
        "What decides the plan (lifting it alone would give a better plan): {names}.",
    ),
    "binding_none": (
        "どの制約を 1 つ外しても、これより良い計画にはなりません。",
        "Lifting any single constraint would not give a better plan.",
    ),
    "rule_applied": (
        "{period} の状況({signals})から、質中心に軸足を移しました: ICP率の下限を {from_low}% から {to_low}% に"
        "引き上げて計画しています。",
        "In {period}: {signals} So the plan shifts toward quality: it raises the ICP rate's lower edge from "
        "{from_low}% to {to_low}%.",
    ),
    "rule_forced": (
        "指定によりリソースルールを適用しました: ICP率の下限を {from_low}% から {to_low}% に引き上げて計画しています。",
        "The resource rule is applied as asked: the plan raises the ICP rate's lower edge from {from_low}% to "
        "{to_low}%.",
    ),
    "rule_off": (
        "指定によりリソースルール(受注率悪化+営業の逼迫 → 質中心)は適用していません。",
        "The resource rule (win rate fallen + sales saturated → quality first) is switched off as asked.",
    ),
    "rule_not_applied": (
        "リソースルール(受注率悪化+営業の逼迫 → 質中心)は適用していません。{period} の状況: {signals}",
        "The resource rule (win rate fallen + sales saturated → quality first) does not apply. In {period}: {signals}",
    ),
    "excluded": (
        "{channel}({orientation})は{reason}ため、計画から外しました。",
        "{channel} ({orientation}) is left out of the plan: {reason}.",
    ),
}

REASONS = {
    "no_campaigns": ("過去の施策がない", "no past campaigns"),
    "no_cost": ("費用の記録がない", "no campaign with a recorded cost"),
    "no_leads": ("獲得したリードがない", "no leads from its campaigns"),
}
ORIENTATION_LABELS = {"quantity": ("量重視", "quantity"), "quality": ("質重視", "quality")}
CONSTRAINT_LABELS = {
    "volume": ("件数目標", "the volume target"),
    "band_low": ("ICP率の下限", "the ICP rate's lower edge"),
    "band_high": ("ICP率の上限", "the ICP rate's upper edge"),
    "budget": ("予算", "the budget"),
    "capacity": ("営業の対応能力", "sales capacity"),
    "max_per_type": ("施策タイプごとの上限数", "the maximum per type"),
}


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    return table[key][1 if lang == "en" else 0]


def _t(key: str, lang: str, **numbers: Any) -> str:
    return TEMPLATES[key][1 if lang == "en" else 0].format(**numbers)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _edge(value: float) -> str:
    return f"{value * 100:g}"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _rule(result: PlanResult, lang: str) -> str:
    """The resource rule in words; the two facts in the balance slice's own sentences."""
    p = result.pressure
    edges = {"from_low": _edge(result.requested_band[0]), "to_low": _edge(result.goal.band_low)}
    if p.mode == "off":
        return _t("rule_off", lang)
    if p.mode == "on":
        return _t("rule_forced", lang, **edges)
    judged = {"period": p.judgement.period, "signals": p.judgement.explain(lang)}
    return _t("rule_applied", lang, **judged, **edges) if p.applies else _t("rule_not_applied", lang, **judged)


def channel_label(result: PlanResult, channel: str, lang: str) -> str:
    names = result.channel_names.get(channel)
    return channel if names is None else names[1 if lang == "en" else 0]


def explain(result: PlanResult, lang: str = "ja") -> list[str]:
    """The plan in sentences: summary, targets met or not, what binds, the resource rule, the types
    left out."""
    plan, goal = result.plan, result.goal
    with use_lang(lang):
        cost = fmt_yen(plan.cost)
    if plan.campaigns:
        lines = [_t("summary", lang, period=result.period_key, campaigns=plan.campaigns, leads=_n(plan.leads),
                    leads_low=_n(plan.leads_low), leads_high=_n(plan.leads_high), icp_leads=_n(plan.icp_leads),
                    rate=_pct(plan.icp_rate), rate_low=_pct(plan.icp_rate_low), rate_high=_pct(plan.icp_rate_high),
                    cost=cost, load=_n(plan.sales_load))]  # fmt: skip
    else:
        lines = [_t("empty", lang, period=result.period_key)]
    edges = {"target": _n(goal.leads), "low": _edge(goal.band_low), "high": _edge(goal.band_high)}
    if plan.feasible:
        lines.append(_t("feasible", lang, **edges))
    else:
        lines.append(_t("infeasible", lang))
        lines += [_t(f"unmet_{name}", lang, short=_n(plan.shortfall[name]), **edges) for name in plan.unmet]
    binding = [label(CONSTRAINT_LABELS, c.name, lang) for c in plan.checks if c.binds]
    joiner = ", " if lang == "en" else "、"
    lines.append(_t("binding", lang, names=joiner.join(binding)) if binding else _t("binding_none", lang))
    lines.append(_rule(result, lang))
    for h in result.history:
        if h.excluded is not None:
            lines.append(_t("excluded", lang, channel=channel_label(result, h.channel, lang),
                            orientation=label(ORIENTATION_LABELS, h.orientation, lang),
                            reason=label(REASONS, h.excluded, lang)))  # fmt: skip
    return lines
