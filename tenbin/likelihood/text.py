"""Sentences that say what each factor saw, in Japanese and English (results first, sentences second).

Each sentence is a template with the same placeholders in both languages (a unit test checks them).
"""

from __future__ import annotations

import math
from typing import Any

from tenbin.i18n import yen_en, yen_ja

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "decision_maker": ("決裁者", "decision maker"),
    "budget_holder": ("予算権限者", "budget holder"),
    "user_department": ("利用部門", "user department"),
    "it_evaluator": ("情シス/技術評価者", "IT evaluator"),
    "champion": ("推進者", "champion"),
    "influencer": ("影響者", "influencer"),
}
FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "consensus": ("購買グループの合意", "Buying-group consensus"),
    "opposition": ("反対者", "Opposition"),
    "budget_fit": ("予算適合", "Budget fit"),
    "offer_rung": ("購買への近さ(オファー)", "Closeness to purchase (offer)"),
    "recency": ("最近の反応", "Recency"),
}

# key → (ja, en)
TEMPLATES: dict[str, tuple[str, str]] = {
    "consensus": (
        "{roles_ja}が賛成({support}/5 役割、グループ {members} 名、関与度 平均 {engagement}/3)",
        "In favour: {roles_en} ({support} of 5 key roles; {members} members, mean engagement {engagement}/3)",
    ),
    "consensus_none_support": (
        "賛成している主要な役割なし(グループ {members} 名、役割 {present}/5、関与度 平均 {engagement}/3)",
        "No key role supports ({members} members, {present} of 5 key roles present, mean engagement {engagement}/3)",
    ),
    "consensus_unknown": (
        "購買グループの記録なし(寄与 0)",
        "No buying group recorded (contributes 0)",
    ),
    "opposition": ("反対者あり({roles_ja})", "Opposed by: {roles_en}"),
    "opposition_none": ("反対者なし", "No one opposes"),
    "budget_fit": (
        "予算 {budget_ja} / 金額 {amount_ja}(比 {ratio})",
        "Budget {budget_en} vs amount {amount_en} (ratio {ratio})",
    ),
    "budget_unknown": (
        "予算または金額が不明のため寄与なし",
        "Budget or amount unknown, so no contribution",
    ),
    "offer_rung": ("最も購買に近いオファー: {offer}(段階 {rung})", "Closest offer to purchase: {offer} (rung {rung})"),
    "offer_none": ("オファーへの反応なし", "No offer taken"),
    "recency": ("最後の反応から {days} 日", "{days} days since the latest response"),
    "recency_none": ("反応なし(寄与 0)", "No response (contributes 0)"),
}


def render(key: str, params: dict[str, Any]) -> tuple[str, str]:
    ja, en = TEMPLATES[key]
    return ja.format(**params), en.format(**params)


def roles(keys: tuple[str, ...]) -> dict[str, str]:
    ja = "・".join(ROLE_LABELS[k][0] for k in keys)
    names = [ROLE_LABELS[k][1] for k in keys]
    en = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return {"roles_ja": ja, "roles_en": en}


def consensus(support: tuple[str, ...], present: int, members: int, engagement: float) -> tuple[str, str]:
    if members == 0:
        return render("consensus_unknown", {})
    common = {"members": members, "present": present, "engagement": f"{engagement:.1f}"}
    if not support:
        return render("consensus_none_support", common)
    return render("consensus", {**common, **roles(support), "support": len(support)})


def opposition(opposing: tuple[str, ...]) -> tuple[str, str]:
    return render("opposition", roles(opposing)) if opposing else render("opposition_none", {})


def budget_fit(budget: float, amount: float) -> tuple[str, str]:
    if math.isnan(budget) or math.isnan(amount) or amount <= 0:
        return render("budget_unknown", {})
    return render(
        "budget_fit",
        {
            "budget_ja": yen_ja(int(budget)),
            "budget_en": yen_en(int(budget)),
            "amount_ja": yen_ja(int(amount)),
            "amount_en": yen_en(int(amount)),
            "ratio": f"{budget / amount:.2f}",
        },
    )


def offer_rung(rung: int, offer: str | None) -> tuple[str, str]:
    if rung <= 0:
        return render("offer_none", {})
    return render("offer_rung", {"offer": offer or "—", "rung": rung})


def recency(days: float) -> tuple[str, str]:
    if math.isnan(days):
        return render("recency_none", {})
    return render("recency", {"days": f"{days:.0f}"})
