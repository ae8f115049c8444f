"""Win likelihood (受注確度), the public surface: score leads with every factor's contribution.

:func:`score_contacts` scores open leads as of a time with the current model (the adopted
calibrated weights, or the built-in defaults of :mod:`tenbin.likelihood.model`);
:func:`likelihood_threshold` is the high/low cut (workspace setting ``likelihood.threshold``).
Calibration lives in :mod:`tenbin.likelihood.calibrate`, the capacity-based threshold in
:mod:`tenbin.likelihood.threshold`; both are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.likelihood import text
from tenbin.likelihood.calibrate import Calibration, calibrate
from tenbin.likelihood.errors import LIKELIHOOD_LEAD_NOT_FOUND
from tenbin.likelihood.features import Features, inputs_of, lead_features, offer_names, opportunity_features
from tenbin.likelihood.model import DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, contributions, logistic
from tenbin.likelihood.store import CurrentModel, current_model, list_models
from tenbin.likelihood.threshold import (
    THRESHOLD_KEY,
    ThresholdChoice,
    capacity_threshold,
    choose_by_capacity,
    sales_capacity_per_week,
    set_threshold,
)

_settings = schema.workspace_settings
# The setting's value (as tenbin.workspace.common.read_setting reads it), built once: scoring one lead
# in the real-time intake runs it per request.
_THRESHOLD_SETTING = select(_settings.c.value).where(_settings.c.key == THRESHOLD_KEY)


@dataclass(frozen=True)
class Factor:
    key: str  # "consensus" | "opposition" | "budget_fit" | "offer_rung" | "recency"
    value: float | None  # the raw input (e.g. 3 key roles supporting, budget/amount 0.9, rung 4, 12 days)
    contribution: float  # its additive contribution on the logit scale (0 when unknown)
    text_ja: str
    text_en: str

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "value": self.value, "contribution": round(self.contribution, 4)}
        label_ja, label_en = text.FACTOR_LABELS[self.key]
        if lang is None:
            data |= {"label_ja": label_ja, "label_en": label_en, "text_ja": self.text_ja, "text_en": self.text_en}
        else:
            data |= {
                "label": label_ja if lang == "ja" else label_en,
                "text": self.text_ja if lang == "ja" else self.text_en,
            }
        return data


@dataclass(frozen=True)
class LeadScore:
    contact_id: int
    probability: float  # 0–1
    band: str  # "high" | "low" (probability >= threshold)
    threshold: float
    factors: tuple[Factor, ...]
    model_id: int | None  # None = built-in default weights
    intercept: float = DEFAULT_WEIGHTS.intercept

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "probability": round(self.probability, 4),
            "band": self.band,
            "threshold": self.threshold,
            "model_id": self.model_id,
            "intercept": self.intercept,
            "factors": [f.as_dict(lang) for f in self.factors],
        }


def likelihood_threshold(conn: Connection) -> float:
    """The high/low cut: the workspace setting ``likelihood.threshold``, else :data:`DEFAULT_THRESHOLD`."""
    value = conn.execute(_THRESHOLD_SETTING).scalar_one_or_none()
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < float(value) < 1:
        return float(value)
    return DEFAULT_THRESHOLD


def score_contacts(
    conn: Connection, contact_ids: Sequence[int] | None = None, *, as_of: dt.datetime | None = None
) -> dict[int, LeadScore]:
    """Score leads as of ``as_of`` (default: now, workspace-local). ``contact_ids=None``: every open
    lead (acquired by then, not a 受注/継続 contact); given ids are scored whatever their stage.
    Unknown ids are left out of the result."""
    when = as_of or dt.datetime.now().replace(microsecond=0)
    features = lead_features(conn, contact_ids, when)
    model = current_model(conn)
    threshold = likelihood_threshold(conn)
    return build_scores(features, model, threshold, offer_names(conn))


@dataclass(frozen=True)
class OpportunityScore:
    opportunity_id: int
    probability: float
    band: str
    threshold: float
    factors: tuple[Factor, ...]
    model_id: int | None
    as_of: dt.datetime  # the end of the opportunity's created_on day

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "opportunity_id": self.opportunity_id, "probability": round(self.probability, 4), "band": self.band,
            "threshold": self.threshold, "model_id": self.model_id, "as_of": self.as_of.isoformat(),
            "factors": [f.as_dict(lang) for f in self.factors],
        }  # fmt: skip


def score_opportunities(conn: Connection, opportunity_ids: Sequence[int] | None = None) -> dict[int, OpportunityScore]:
    """Score opportunities, each as of the end of its created_on day (as calibration sees them);
    ``None``: every opportunity with a created_on date."""
    features = opportunity_features(conn, opportunity_ids)
    scores = build_scores(features, current_model(conn), likelihood_threshold(conn), offer_names(conn))
    when = dict(zip(features.ids.tolist(), features.as_of, strict=True))
    return {
        sid: OpportunityScore(sid, s.probability, s.band, s.threshold, s.factors, s.model_id, when[sid])
        for sid, s in scores.items()
    }


def get_lead_score(conn: Connection, contact_id: int, *, as_of: dt.datetime | None = None) -> LeadScore:
    """One lead's score; LIKELIHOOD_LEAD_NOT_FOUND when there is no such contact."""
    found = score_contacts(conn, [contact_id], as_of=as_of)
    if contact_id not in found:
        raise TenbinError(LIKELIHOOD_LEAD_NOT_FOUND, {"id": contact_id})
    return found[contact_id]


def build_scores(
    features: Features, model: CurrentModel, threshold: float, offers: dict[int, str]
) -> dict[int, LeadScore]:
    inputs = inputs_of(features)
    parts = contributions(model.weights, inputs)
    logit = model.weights.intercept + sum(parts.values(), np.zeros(len(features.ids)))
    probability = logistic(np.asarray(logit, dtype=np.float64))
    ratio, days = inputs.budget_ratio.tolist(), inputs.days_since.tolist()
    support, members, present = features.support.tolist(), features.members.tolist(), features.present.tolist()
    oppose, rung = features.oppose.tolist(), features.rung.tolist()
    engagement = np.nan_to_num(features.engagement).tolist()
    budget, amount = features.budget.tolist(), features.amount.tolist()
    part = {key: (values + 0.0).tolist() for key, values in parts.items()}  # + 0.0: no -0.0
    result: dict[int, LeadScore] = {}
    made: dict[tuple[Any, ...], tuple[Factor, ...]] = {}  # leads of one account share their factors
    for k, sid in enumerate(features.ids.tolist()):
        key = (features.supporting_roles[k], present[k], members[k], engagement[k], features.opposing_roles[k],
               _key(budget[k]), _key(amount[k]), rung[k], _key(days[k]),
               tuple(part[name][k] for name in part))  # fmt: skip
        factors = made.get(key)
        if factors is None:
            factors = made[key] = (
                _factor("consensus", float(support[k]) if members[k] else None, part, k,
                        text.consensus(features.supporting_roles[k], present[k], members[k], engagement[k])),
                _factor("opposition", float(oppose[k]) if members[k] else None, part, k,
                        text.opposition(features.opposing_roles[k])),
                _factor("budget_fit", None if math.isnan(ratio[k]) else round(ratio[k], 4), part, k,
                        text.budget_fit(budget[k], amount[k])),
                _factor("offer_rung", float(rung[k]) if rung[k] else None, part, k,
                        text.offer_rung(rung[k], offers.get(rung[k]))),
                _factor("recency", None if math.isnan(days[k]) else round(days[k], 2), part, k,
                        text.recency(days[k])),
            )  # fmt: skip
        p = float(probability[k])
        result[int(sid)] = LeadScore(
            int(sid), p, "high" if p >= threshold else "low", threshold, factors, model.id, model.weights.intercept
        )
    return result


def _key(value: float) -> float | None:
    """NaN as None, so equal unknowns make equal cache keys (NaN != NaN)."""
    return None if math.isnan(value) else value


def _factor(key: str, value: float | None, parts: dict[str, list[float]], k: int, sentences: tuple[str, str]) -> Factor:
    return Factor(key, value, parts[key][k], sentences[0], sentences[1])


__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_WEIGHTS",
    "Calibration",
    "CurrentModel",
    "Factor",
    "LeadScore",
    "ThresholdChoice",
    "build_scores",
    "calibrate",
    "capacity_threshold",
    "choose_by_capacity",
    "current_model",
    "get_lead_score",
    "likelihood_threshold",
    "list_models",
    "sales_capacity_per_week",
    "score_contacts",
    "set_threshold",
]  # fmt: skip
