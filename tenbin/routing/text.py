"""Labels and the reason sentences of routing decisions, in Japanese and English.

Results first, sentences second: :func:`reason_sentences` reads only the decision's facts. Each
template has the same placeholders in both languages (a unit test checks it)."""

from __future__ import annotations

import math
from typing import Any

QUADRANT_LABELS: dict[str, tuple[str, str]] = {
    "icp_high": ("ICP × 受注確度高", "ICP × likely to win"),
    "icp_low": ("ICP × 受注確度低", "ICP × unlikely to win"),
    "non_icp_high": ("ICP外 × 受注確度高", "non-ICP × likely to win"),
    "non_icp_low": ("ICP外 × 受注確度低", "non-ICP × unlikely to win"),
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "account_sales": ("アカウント営業へ即時", "To account sales at once"),
    "sales_now": ("営業へ即時", "To sales at once"),
    "sales_capacity": ("営業へ(対応枠あり)", "To sales (capacity left)"),
    "inside_sales_overflow": ("インサイドセールスへ(営業の枠超過)", "To inside sales (sales full)"),
    "digital_sales": ("デジタル営業(将来ICP候補として監視)", "Digital sales (watch: possible future ICP)"),
    "digital_nurture": ("デジタルナーチャリング・継続的な見極め", "Digital nurturing, continued qualification"),
    "unassigned_full": ("未割当(全員の枠が満杯)", "Unassigned: all full"),
    "unassigned_no_team": ("未割当(該当チームなし)", "Unassigned: no such team"),
    "override": ("マネージャーによる変更", "Manager override"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "sales": ("営業", "sales"),
    "account_sales": ("アカウント営業", "account sales"),
    "inside_sales": ("インサイドセールス", "inside sales"),
    "digital": ("デジタル", "digital"),
}
TRIGGER_LABELS: dict[str, tuple[str, str]] = {
    "batch": ("一括", "batch"),
    "intake": ("リード受付", "intake"),
    "override": ("変更", "override"),
    "revisit": ("見直し", "revisit"),
}

# key → (ja, en)
TEMPLATES: dict[str, tuple[str, str]] = {
    "fit_icp": ("ICP v{version} に該当", "Matches ICP v{version}"),
    "fit_non_icp": ("ICP v{version} に該当しない", "Does not match ICP v{version}"),
    "fit_no_account": ("企業が紐づいていないため ICP 外", "No account, so not ICP"),
    "likely": ("受注確度 {p}%(しきい値 {t}%)→ {band}", "win likelihood {p}% (threshold {t}%) → {band}"),
    "likely_unknown": ("受注確度が不明のため低として扱う", "win likelihood unknown, taken as low"),
    "account_sales": (
        "名指し企業(ネームドアカウント)のため、アカウント営業「{team}」の{member}に即時に渡します。",
        "A named account: handed at once to {member} in account sales team {team}.",
    ),
    "sales_now": ("営業「{team}」の{member}に即時に渡します。", "Handed at once to {member} in sales team {team}."),
    "sales_capacity": (
        "営業「{team}」に対応枠があるため、{member}に渡します。",
        "Sales team {team} has capacity left: handed to {member}.",
    ),
    "inside_sales_overflow": (
        "営業の対応枠が満杯のため、インサイドセールス「{team}」の{member}に渡します。",
        "Sales is full: handed to {member} in inside sales team {team}.",
    ),
    "digital_sales": (
        "デジタル営業「{team}」({member})で対応し、将来の ICP 候補として監視します。",
        "Digital sales team {team} ({member}) takes it; watched as a possible future ICP.",
    ),
    "digital_nurture": (
        "デジタル「{team}」({member})でナーチャリングし、見極めを続けます。",
        "Digital team {team} ({member}) nurtures it and keeps qualifying.",
    ),
    "unassigned_full": (
        "{kinds}の全員の対応枠が満杯のため、未割当としてキューに置きます(枠が空けば次の振り分けで割り当てます)。",
        "Everyone in {kinds} is at capacity: left unassigned in the queue "
        "(assigned at the next run once there is room).",
    ),
    "unassigned_no_team": (
        "{kinds}のチームがないため未割当です。設定 → チーム で作成してください。",
        "There is no {kinds} team: unassigned. Create one under Settings → Teams.",
    ),
    "skipped_full": ("{kind}は満杯", "{kind} is full"),
    "skipped_none": ("{kind}のチームなし", "no {kind} team"),
    "rotation": (
        "候補 {n} 件のうち、対応枠の残りが最も多く({left})、本日の割り当てが {load} 件の担当です。",
        "Of {n} candidates, the one with the most capacity left ({left}) and {load} assignments today.",
    ),
    "left_unlimited": ("上限なし", "no limit"),
    "left_count": ("残り {n} 件", "{n} left"),
    "team_queue": ("チームの共有キュー", "the team's shared queue"),
    "override": (
        "{actor} が「{team}」の{member}に変更しました。理由: {note}",
        "{actor} moved it to {member} in {team}. Reason: {note}",
    ),
    "band_high": ("高", "high"),
    "band_low": ("低", "low"),
}


def label(labels: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    if key is None or key not in labels:
        return key or "—"
    ja, en = labels[key]
    return ja if lang == "ja" else en


def _t(key: str, lang: str, **params: Any) -> str:
    ja, en = TEMPLATES[key]
    return (ja if lang == "ja" else en).format(**params)


def _fit(facts: dict[str, Any], lang: str) -> str:
    if not facts.get("has_account"):
        return _t("fit_no_account", lang)
    return _t("fit_icp" if facts["is_icp"] else "fit_non_icp", lang, version=facts.get("icp_version"))


def _likely(facts: dict[str, Any], lang: str) -> str:
    p, t = facts.get("likelihood"), facts.get("threshold")
    if p is None or t is None:
        return _t("likely_unknown", lang)
    band = _t("band_high" if facts.get("band") == "high" else "band_low", lang)
    return _t("likely", lang, p=f"{p * 100:.0f}", t=f"{t * 100:.0f}", band=band)


def _member(assigned: dict[str, Any], lang: str) -> str:
    if assigned.get("member") is None:
        return _t("team_queue", lang)
    return f"{assigned['member']}" + ("さん" if lang == "ja" else "")


def _left(value: float | None, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return _t("left_unlimited", lang)
    return _t("left_count", lang, n=int(value))


def _skipped(steps: list[dict[str, Any]], lang: str) -> list[str]:
    parts = []
    for step in steps:
        if step["outcome"] in ("full", "no_team"):
            key = "skipped_full" if step["outcome"] == "full" else "skipped_none"
            parts.append(_t(key, lang, kind=label(KIND_LABELS, step["kind"], lang)))
    return parts


def _action(facts: dict[str, Any], lang: str) -> str:
    action = facts["action"]
    if action in ("unassigned_full", "unassigned_no_team"):
        kinds = [label(KIND_LABELS, s["kind"], lang) for s in facts.get("steps", [])]
        return _t(action, lang, kinds=("・" if lang == "ja" else ", ").join(kinds))
    assigned = facts.get("assigned") or {}
    sentence = _t(action, lang, team=assigned.get("team"), member=_member(assigned, lang))
    ranking = facts.get("ranking") or []
    if assigned.get("member") is not None and ranking:
        sentence += " " + _t("rotation", lang, n=facts.get("candidates", len(ranking)),
                             left=_left(ranking[0].get("left"), lang), load=ranking[0].get("load_day", 0))  # fmt: skip
    return sentence


def reason_sentences(facts: dict[str, Any]) -> dict[str, str]:
    """``{"ja": …, "en": …}`` for a decision's facts (see :func:`tenbin.routing.router.decision_facts`)."""
    result = {}
    for lang in ("ja", "en"):
        ja = lang == "ja"
        head = f"{_fit(facts, lang)}{'、' if ja else '; '}{_likely(facts, lang)}"
        quadrant = label(QUADRANT_LABELS, facts["quadrant"], lang)
        skipped = _skipped(facts.get("steps", []), lang)
        middle = ("(" + "、".join(skipped) + ")" if ja else " (" + "; ".join(skipped) + ")") if skipped else ""
        sep = "。" if ja else ". "
        result[lang] = f"{head}{sep}{quadrant}{middle}: {_action(facts, lang)}"
    return result


def override_sentences(actor: str, team: str | None, member: str | None, note: str) -> dict[str, str]:
    assigned = {"team": team, "member": member}
    return {lang: _t("override", lang, actor=actor, team=team, member=_member(assigned, lang), note=note)
            for lang in ("ja", "en")}  # fmt: skip
