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
from tenbin.likelihood import text
from tenbin.likelihood.features import Features, lead_features, offer_names
from tenbin.likelihood.model import DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, Inputs, Weights, contributions, logistic
from tenbin.workspace.common import read_setting

THRESHOLD_KEY = "likelihood.threshold"


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


@dataclass(frozen=True)
class CurrentModel:
    id: int | None  # None: the built-in defaults
    kind: str  # "default" | "calibrated"
    weights: Weights
    metrics: dict[str, Any] | None
    created_at: dt.datetime | None
    author: str | None


def current_model(conn: Connection) -> CurrentModel:
    """The adopted model (``likelihood_models.is_current``), or the built-in defaults."""
    m = schema.likelihood_models
    row = conn.execute(select(m).where(m.c.is_current.is_(True)).order_by(m.c.id.desc()).limit(1)).first()
    if row is None:
        return CurrentModel(None, "default", DEFAULT_WEIGHTS, None, None, None)
    return CurrentModel(row.id, row.kind, Weights.from_dict(row.weights), row.metrics, row.created_at, row.author)


def likelihood_threshold(conn: Connection) -> float:
    """The high/low cut: the workspace setting ``likelihood.threshold``, else :data:`DEFAULT_THRESHOLD`."""
    value = read_setting(conn, THRESHOLD_KEY)
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < float(value) < 1:
        return float(value)
    return DEFAULT_THRESHOLD


def inputs_of(features: Features) -> Inputs:
    return Inputs(
        support=features.support.astype(np.float64),
        oppose=features.oppose.astype(np.float64),
        budget_ratio=features.budget_ratio,
        rung=features.rung.astype(np.float64),
        days_since=features.days_since,
    )


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


def build_scores(
    features: Features, model: CurrentModel, threshold: float, offers: dict[int, str]
) -> dict[int, LeadScore]:
    inputs = inputs_of(features)
    parts = contributions(model.weights, inputs)
    logit = model.weights.intercept + sum(parts.values(), np.zeros(len(features.ids)))
    probability = logistic(np.asarray(logit, dtype=np.float64))
    ratio, days = inputs.budget_ratio, inputs.days_since
    result: dict[int, LeadScore] = {}
    for k, sid in enumerate(features.ids.tolist()):
        factors = (
            _factor("consensus", float(features.support[k]) if features.members[k] else None, parts, k,
                    text.consensus(features.supporting_roles[k], int(features.present[k]), int(features.members[k]),
                                   float(np.nan_to_num(features.engagement[k])))),
            _factor("opposition", float(features.oppose[k]) if features.members[k] else None, parts, k,
                    text.opposition(features.opposing_roles[k])),
            _factor("budget_fit", None if math.isnan(ratio[k]) else round(float(ratio[k]), 4), parts, k,
                    text.budget_fit(float(features.budget[k]), float(features.amount[k]))),
            _factor("offer_rung", float(features.rung[k]) if features.rung[k] else None, parts, k,
                    text.offer_rung(int(features.rung[k]), offers.get(int(features.rung[k])))),
            _factor("recency", None if math.isnan(days[k]) else round(float(days[k]), 2), parts, k,
                    text.recency(float(days[k]))),
        )  # fmt: skip
        p = float(probability[k])
        result[int(sid)] = LeadScore(
            int(sid), p, "high" if p >= threshold else "low", threshold, factors, model.id, model.weights.intercept
        )
    return result


def _factor(key: str, value: float | None, parts: dict[str, Any], k: int, sentences: tuple[str, str]) -> Factor:
    return Factor(key, value, float(parts[key][k]) + 0.0, sentences[0], sentences[1])  # + 0.0: no -0.0
