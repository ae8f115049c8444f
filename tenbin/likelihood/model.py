"""The win-likelihood model: a logistic score whose terms are each factor's contribution.

logit P(win) = intercept + Σ contribution, probability = 1 / (1 + e^(−logit)). Every contribution
is measured from a *reference lead* about which nothing is known (no buying group, budget unknown
or exactly at the price, no offer taken, no response), so an unknown input contributes 0:

- consensus   = w_consensus × (distinct key roles that support, 0–5);
- opposition  = w_opposition × (1 when any buying-group member opposes);
- budget_fit  = w_budget_fit × (min(budget / amount, 1.5) − 1); 0 when the budget or the amount is unknown;
- offer_rung  = w_offer_rung × (highest ladder rank reached), or w_offer_rung_none without any offer;
- recency     = w_recency × 2^(−days since the latest response / 30); 0 without a response.

Default weights (used until a calibrated model is adopted; they need no history):

- intercept −3.0: a lead with no signal wins about 5% of the time (1/(1+e³) = 4.7%), the order of
  B2B lead-to-win rates;
- consensus +0.5 per supporting key role: all five roles (決裁者, 予算権限者, 利用部門, 情シス/技術評価者,
  推進者) in favour add 2.5 (odds ×12) — as strong as the top of the offer ladder, because a deal
  needs the group's agreement, not one enthusiast;
- opposition −1.0: one opponent divides the odds by e ≈ 2.7 (a blocker stalls a deal but rarely
  ends it alone);
- budget fit +1.5 per unit of budget/price: a budget 20% short of the price costs 0.3, one 50% above
  it adds 0.75 (capped there: more money than needed does not make a deal more likely);
- offer rung +0.5 per rung: on the default ladder 資料請求 1 … 見積もり依頼 5, a quote request adds 2.0
  more than a catalogue request (odds ×7.4); a lead that took no offer gets 0;
- recency +0.5 for a response today, halving every 30 days: interest fades within a quarter.

With these, a fresh 見積もり依頼 alone gives 50%, a fresh デモ申込 38%, a fresh 資料請求 12%. The
default high/low threshold 0.5 (:data:`DEFAULT_THRESHOLD`, "more likely than not") calls a lead
"high" once it asks for a quote, or asks for a demo with one key role of its group in favour.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
FACTOR_KEYS: tuple[str, ...] = ("consensus", "opposition", "budget_fit", "offer_rung", "recency")
BUDGET_RATIO_CAP = 1.5
RECENCY_HALF_LIFE_DAYS = 30.0
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Weights:
    """The model's coefficients (logit scale)."""

    intercept: float = -3.0
    consensus: float = 0.5
    opposition: float = -1.0
    budget_fit: float = 1.5
    offer_rung: float = 0.5
    offer_rung_none: float = 0.0
    recency: float = 0.5

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Weights:
        names = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in data.items() if k in names})


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Inputs:
    """The model's inputs per subject (aligned arrays); NaN marks an unknown value."""

    support: FloatArray  # supporting key roles, 0–5
    oppose: FloatArray  # 1.0 when any member opposes
    budget_ratio: FloatArray  # budget / amount (NaN: unknown)
    rung: FloatArray  # highest ladder rank (0: no offer)
    days_since: FloatArray  # days since the latest response (NaN: none)


def design(inputs: Inputs) -> FloatArray:
    """The regression's columns, in :data:`DESIGN_COLUMNS` order (unknowns already at 0)."""
    budget = np.where(np.isnan(inputs.budget_ratio), 0.0, np.minimum(inputs.budget_ratio, BUDGET_RATIO_CAP) - 1.0)
    took_offer = inputs.rung > 0
    recency = np.where(
        np.isnan(inputs.days_since), 0.0, 0.5 ** (np.nan_to_num(inputs.days_since) / RECENCY_HALF_LIFE_DAYS)
    )
    columns = [
        inputs.support,
        inputs.oppose,
        budget,
        np.where(took_offer, inputs.rung, 0.0),
        np.where(took_offer, 0.0, 1.0),
        recency,
    ]
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])


DESIGN_COLUMNS: tuple[str, ...] = ("consensus", "opposition", "budget_fit", "offer_rung", "offer_rung_none", "recency")


def contributions(weights: Weights, inputs: Inputs) -> dict[str, FloatArray]:
    """Each factor's additive contribution on the logit scale, per subject."""
    x = design(inputs)
    w = weights.as_dict()
    terms = {name: w[name] * x[:, k] for k, name in enumerate(DESIGN_COLUMNS)}
    return {
        "consensus": terms["consensus"],
        "opposition": terms["opposition"],
        "budget_fit": terms["budget_fit"],
        "offer_rung": terms["offer_rung"] + terms["offer_rung_none"],
        "recency": terms["recency"],
    }


def logistic(logit: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)


def probabilities(weights: Weights, inputs: Inputs) -> FloatArray:
    parts = contributions(weights, inputs)
    logit = weights.intercept + sum(parts.values(), np.zeros(len(inputs.support)))
    return logistic(np.asarray(logit, dtype=np.float64))
