"""The ground truth planted in the demo workspace, as data, and the report of what was realised.

The generator reads these constants to shape the data; later analysis (ICP discovery, win
likelihood, new-ICP candidates, the challenge DB) must recover them. :func:`ground_truth` returns
the rules, the member accounts, the logistic coefficients and the effect sizes actually realised in
the generated data (measured with SQL after generation), as a JSON-able dict.

The workspace covers a 24-month window (the CRM went live at its start) and an installed base of
customers won in the five years before it (:data:`HISTORY`), so discovery has a few hundred
customers to learn from. Value per account follows fit, not size (:data:`BEHAVIOUR` adoption,
:data:`DEPLOYMENT_CAP`): the planted segments, not "large companies", carry the high LTV.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Connection, Engine, and_, select

from tenbin.db import schema
from tenbin.demo import gen_params as p


@dataclass(frozen=True)
class SegmentRule:
    """An account segment: one JSIC letter and an employee range (both ends inclusive)."""

    key: str
    label_ja: str
    industry_code: str
    employees_min: int
    employees_max: int

    @property
    def text(self) -> str:
        return (
            f"industry_code = '{self.industry_code}' and employees between "
            f"{self.employees_min} and {self.employees_max}"
        )

    def conditions(self) -> list[dict[str, Any]]:
        return [
            {"field": "industry_code", "op": "=", "value": self.industry_code},
            {"field": "employees", "op": "between", "value": [self.employees_min, self.employees_max]},
        ]

    def sql(self) -> ColumnElement[bool]:
        a = schema.accounts
        return and_(
            a.c.industry_code == self.industry_code,
            a.c.employees.between(self.employees_min, self.employees_max),
        )

    def matches(self, industry: npt.NDArray[np.str_], employees: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        inside = (employees >= self.employees_min) & (employees <= self.employees_max)
        return np.asarray((industry == self.industry_code) & inside, dtype=np.bool_)


# 1. The ICP: mid-size manufacturers, whose 属人化 of 現場 know-how the product solves.
ICP = SegmentRule("icp", "中堅製造業(従業員300〜999名)", "E", 300, 999)
# 2. A future ICP: small/mid 運輸・物流, mostly reached by quantity campaigns, outside the ICP rule.
FUTURE_ICP = SegmentRule("future_icp", "中小の運輸・物流(従業員100〜299名)", "H", 100, 299)
SEGMENTS: tuple[SegmentRule, ...] = (ICP, FUTURE_ICP)
OTHER = "other"

# 3. Challenge categories over-represented among high-LTV customers (their pain drives LTV).
HIGH_LTV_CATEGORIES: tuple[str, ...] = ("属人化・ナレッジ継承", "データ活用・可視化")
KNOWLEDGE, DATA = HIGH_LTV_CATEGORIES

# 4. Win likelihood: buying-group consensus, budget fit and the highest offer rung.
KEY_ROLES: tuple[str, ...] = ("decision_maker", "budget_holder", "user_department", "it_evaluator", "champion")
ROLES: tuple[str, ...] = (*KEY_ROLES, "influencer")
STANCES: tuple[str, ...] = ("support", "neutral", "oppose", "unknown")


@dataclass(frozen=True)
class WinModel:
    """logit P(won) = intercept + support_roles·k + any_oppose·o + budget_ratio·b + offer_rung·r.

    k: distinct KEY_ROLES with stance support in the opportunity's buying group (0–5);
    o: 1 when any member opposes; b: min(budget / amount, budget_ratio_cap);
    r: highest offers.ladder_rank among responses of the account's contacts on or before the
    opportunity's created_on date (1–5).

    Strengths (2026-11-25, issue 6): the first coefficients (−4.8, 0.62, −1.1, 1.5, 0.45) made
    outcomes so noisy that even this model, given exactly its own inputs, ranked held-out deals
    with an expected ROC AUC of only 0.74 (bench/likelihood_bench.py), while issue 6 asks the demo
    to support a calibrated AUC of 0.80 — a choice of the demo's signal, stated here. The slopes
    are now 1.5× those, the intercept lowered so that the win rate stays close (447 → 429 won of
    1,778 deals at seed 7) and the installed base keeps its retention effects (tests/integration/
    test_demo.py; an intercept of −6.75 kept 444 wins but narrowed the ICP retention gap below
    its planted 0.2): expected AUC ≈ 0.82.
    """

    intercept: float = -7.0
    support_roles: float = 0.93
    any_oppose: float = -1.65
    budget_ratio: float = 2.25
    offer_rung: float = 0.675
    budget_ratio_cap: float = 1.5

    def probability(
        self,
        support_roles: npt.NDArray[np.int64],
        any_oppose: npt.NDArray[np.bool_],
        budget_ratio: npt.NDArray[np.float64],
        offer_rung: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        logit = (
            self.intercept
            + self.support_roles * support_roles
            + self.any_oppose * any_oppose
            + self.budget_ratio * np.minimum(budget_ratio, self.budget_ratio_cap)
            + self.offer_rung * offer_rung
        )
        return 1.0 / (1.0 + np.exp(-logit))


WIN_MODEL = WinModel()


@dataclass(frozen=True)
class Behaviour:
    """How accounts of one segment behave: the generator's knobs behind effects 1–4."""

    pain_knowledge: float  # P(account has the 属人化・ナレッジ継承 pain)
    pain_data: float  # P(account has the データ活用・可視化 pain)
    adoption: float  # paid users per employee of the deployed site (運輸: partner firms' drivers too)
    expansion: float  # monthly seat growth of a customer without a pain the product solves
    renewal: float  # P(renewing the annual contract at each anniversary) without such a pain
    extra_members: float  # mean buying-group members beyond the first contact
    stance: tuple[float, float, float, float]  # P(support, neutral, oppose, unknown)
    budget_median: float  # declared budget / amount (median)
    intent: float  # shift of the latent intent that decides the highest offer rung


# Value per account comes from fit, not from size: a mid-size manufacturer rolls the product out to
# much of its 現場 (0.4 users per employee of the deployed site), a 運輸 firm adds its partners'
# drivers (0.55), anyone else buys a few seats for one team (0.12), however large the company is.
# With the site licence (gen_params.BASE_FEE) most of a fee is per site, not per seat.
BEHAVIOUR: dict[str, Behaviour] = {
    ICP.key: Behaviour(0.36, 0.2, 0.4, 0.006, 0.84, 3.5, (0.7, 0.18, 0.03, 0.09), 1.12, 0.55),
    FUTURE_ICP.key: Behaviour(0.15, 0.55, 0.55, 0.008, 0.8, 2.6, (0.52, 0.26, 0.06, 0.16), 1.0, 0.45),
    OTHER: Behaviour(0.05, 0.05, 0.12, 0.003, 0.52, 1.3, (0.34, 0.30, 0.14, 0.22), 0.82, 0.0),
}
# A customer with a pain the product solves rolls it out wider, renews and expands far more,
# whatever its segment: this is why the pains' categories crowd the top LTV quartile.
PAIN_ADOPTION_FACTOR = 1.5
# A deployment covers one site or department (a pilot), never the whole of a large company: seats
# are drawn from at most this many employees, so company size beyond it adds no value.
DEPLOYMENT_CAP = 300
PAIN_RENEWAL_BONUS = 0.35
PAIN_EXPANSION_BONUS = 0.006
# Expansion (whitespace inside the deployed site) stops at this multiple of the first year's fee.
EXPANSION_CEILING = 1.6


@dataclass(frozen=True)
class History:
    """The installed base of one segment: customers won before the window and still paying at its start.

    The CRM went live with the window (2024-10-01). From the previous SFA it holds the won deal of
    every current customer and the lost deals of those years, with the people on them; the
    accounting export covers the window, so revenue starts in 2024-10. Customers who churned before
    the window are gone from both (their contracts ended, the migration left them out).
    """

    customers: int  # current customers at the window start, at scale 1 (after churn)
    intake_growth: float  # deals won per month grow ×(1 + intake_growth) over the five years
    win_rate: float  # won / closed among the segment's migrated deals


# Won from 2019-10 to 2024-09; the annual renewals of Behaviour (with the pain bonus) decide who is
# still a customer, so the installed base leans to the ICP, to the pains and, for others, to the
# last year or two. The future ICP is emerging: volume campaigns bring ever more of it.
HISTORY: dict[str, History] = {
    ICP.key: History(140, 0.0, 0.45),
    FUTURE_ICP.key: History(40, 5.0, 0.30),
    OTHER: History(150, 0.3, 0.18),
}

# Design targets (the realised values are measured after generation and reported beside them).
TARGETS: dict[str, float] = {
    "icp_ltv_ratio": 2.5,
    "icp_win_rate": 0.45,
    "other_win_rate": 0.18,
    "icp_retention_12m": 0.90,  # renewed at the first contract anniversary inside the window
    "other_retention_12m": 0.60,
    "future_quantity_lead_share_min": 0.70,
    "quality_icp_rate": 0.55,
    "quantity_icp_rate": 0.20,
    "high_ltv_category_ratio": 3.0,
}


def planted() -> dict[str, Any]:
    """The planted rules and model, without realised figures."""
    return {
        "segments": {
            rule.key: {"label_ja": rule.label_ja, "rule": rule.text, "conditions": rule.conditions()}
            for rule in SEGMENTS
        },
        "high_ltv_categories": list(HIGH_LTV_CATEGORIES),
        "win_model": {**asdict(WIN_MODEL), "key_roles": list(KEY_ROLES)},
        "behaviour": {key: asdict(b) for key, b in BEHAVIOUR.items()},
        "value": {
            "deployment_cap": DEPLOYMENT_CAP,
            "pain_adoption_factor": PAIN_ADOPTION_FACTOR,
            "pain_renewal_bonus": PAIN_RENEWAL_BONUS,
            "pain_expansion_bonus": PAIN_EXPANSION_BONUS,
            "expansion_ceiling": EXPANSION_CEILING,
        },
        "installed_base": {
            "won_from": p.HISTORY_START.date().isoformat(),
            **{key: asdict(h) for key, h in HISTORY.items()},
        },
        "targets": dict(TARGETS),
    }


class HasTruth(Protocol):
    @property
    def truth(self) -> dict[str, Any]: ...


def ground_truth(summary_or_engine: HasTruth | Engine) -> dict[str, Any]:
    """The ground truth of a build (from its DemoSummary) or of a demo database (measured again)."""
    if not isinstance(summary_or_engine, Engine):
        return summary_or_engine.truth
    with summary_or_engine.connect() as conn:
        return measure_truth(conn)


def measure_truth(conn: Connection) -> dict[str, Any]:
    """Planted truth plus realised effects, measured on the data of the connection's database."""
    from tenbin.demo import gen_measure  # the SQL lives there; truth stays readable data

    settings = schema.workspace_settings
    build = conn.execute(select(settings.c.value).where(settings.c.key == "demo")).scalar_one_or_none()
    result = {**planted(), "build": build or {}}
    result["members"] = {
        rule.key: [
            int(i)
            for i in conn.execute(
                select(schema.accounts.c.id).where(rule.sql()).order_by(schema.accounts.c.id)
            ).scalars()
        ]
        for rule in SEGMENTS
    }
    result["realised"] = gen_measure.realised(conn)
    finite: dict[str, Any] = _finite(result)
    return finite


def _finite(value: Any) -> Any:
    """NaN/inf (an empty group) become None so the dict is valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
