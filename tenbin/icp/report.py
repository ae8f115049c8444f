"""Plain, JSON-ready dictionaries of ICP results (the API's and the CLI's ``--json`` shape)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tenbin.icp.candidates import NewCandidates
from tenbin.icp.discover import Candidate, Discovery
from tenbin.icp.evidence import json_ready
from tenbin.icp.explain import ConditionCheck, Explanation
from tenbin.icp.versions import IcpVersion

REASONS: dict[str, tuple[str, str]] = {
    "not_significant": (
        "not significant after correcting for every subgroup tried (Benjamini–Hochberg q > α)",
        "試したすべての部分集団で多重検定を補正すると有意ではありません(BH の q > α)",
    ),
    "holdout_too_small": (
        "too few rows in the held-out half to confirm it",
        "検証用の後半データに該当が少なすぎて確認できません",
    ),
    "holdout_not_confirmed": (
        "the effect did not hold on the held-out (later) half",
        "検証用の後半データでは効果が再現しませんでした",
    ),
    "no_market": (
        "too few non-customer companies and open leads match: it barely exists in the market",
        "該当する未取引企業・リードが少なすぎ、市場にほとんど存在しません",
    ),
    "market_not_measurable": (
        "market existence not measurable: the workspace holds no non-customer companies",
        "未取引企業のデータがないため、市場での存在は測れません",
    ),
}


def candidate_dict(c: Candidate) -> dict[str, Any]:
    return json_ready({
        "rank": c.rank, "rule": c.rule, "passed": c.passed, "reasons": list(c.reasons), "notes": list(c.notes),
        "quality": c.quality,
        "discovery": {"size": c.size, "mean": c.mean, "rest_mean": c.rest_mean, "p": c.p, "q": c.q},
        "holdout": dataclasses.asdict(c.holdout),
        "evidence": c.evidence.as_dict(),
    })  # fmt: skip


def discovery_dict(d: Discovery) -> dict[str, Any]:
    o = d.options
    return json_ready({
        "target": o.target, "target_label": d.target_label, "ltv_basis": o.ltv_basis if o.target == "ltv" else None,
        "revenue_basis": d.basis or None, "rows": d.rows, "accounts": d.accounts, "mean": d.mean,
        "depth": o.depth, "alpha": o.alpha, "size_exponent": o.a, "seed": o.seed,
        "split": d.split, "split_date": d.split_date, "discovery_rows": d.discovery_rows,
        "holdout_rows": d.holdout_rows, "min_support": d.min_support, "selectors": d.selectors,
        "tried": d.tried, "evaluated": d.evaluated, "seconds": round(d.seconds, 3),
        "best": d.best.rank if d.best else None,
        "candidates": [candidate_dict(c) for c in d.candidates],
    })  # fmt: skip


def version_dict(v: IcpVersion) -> dict[str, Any]:
    return json_ready({
        "version": v.version, "name": v.name, "rules": v.rules,
        "criteria": [dataclasses.asdict(c) for c in v.criteria], "threshold": v.threshold,
        "author": v.author, "created_at": v.created_at.isoformat() if v.created_at else None,
        "current": v.is_current, "notes": {"ltv": v.notes_ltv, "fit": v.notes_fit, "market": v.notes_market},
        "evidence": v.evidence,
    })  # fmt: skip


def _check(c: ConditionCheck) -> dict[str, Any]:
    return {"condition": c.condition, "attribute": c.attribute.key, "holds": c.holds,
            "actual": [str(x) for x in c.actual], "weight": c.weight}  # fmt: skip


def explanation_dict(e: Explanation) -> dict[str, Any]:
    return json_ready({
        "account_id": e.account_id, "account_name": e.account_name, "contact_id": e.contact_id,
        "matches": e.matches, "conditions": [_check(c) for c in e.rule_checks],
        "criteria": [_check(c) for c in e.criteria_checks], "score": e.score, "threshold": e.threshold,
    })  # fmt: skip


def new_candidates_dict(n: NewCandidates) -> dict[str, Any]:
    return json_ready({
        "version": n.version.version, "rule": n.version.rules, "customers": n.customers, "outside": n.outside,
        "high_value_outside": n.high_value_outside, "icp_median_ltv": n.icp_median_ltv,
        "discovery": {k: v for k, v in discovery_dict(n.discovery).items() if k != "candidates"},
        "candidates": [
            {**candidate_dict(item.candidate), "customers_outside_icp": item.customers,
             "sources": [dataclasses.asdict(s) for s in item.sources], "orientation": item.orientation,
             "trend": [dataclasses.asdict(p) for p in item.trend]}
            for item in n.items
        ],
    })  # fmt: skip
