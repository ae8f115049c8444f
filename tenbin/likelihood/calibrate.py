"""Calibration: fit the weights on won/lost opportunities, test them on later ones, adopt if better.

Each closed opportunity (status won or lost, with ``created_on``) is described by the factors *as
of the end of its created_on day* (:func:`tenbin.likelihood.features.opportunity_features`), so
the fit learns what could be known when the deal opened. The split is by time: the earlier 75% by
(created_on, id) train an L2-regularised logistic regression (scikit-learn, C = 1), the later 25%
test it. On the test part both the fitted weights and the current defaults are measured (ROC AUC,
Brier score, a 10-bin reliability table). The fitted model is adopted only when it is better on
the test part: AUC higher **and** Brier score not worse. The stored weights are the ones tested
(fitted on the training part), so the metrics shown describe exactly the model in use.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, update

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import TenbinError
from tenbin.likelihood.errors import LIKELIHOOD_TOO_FEW_OUTCOMES
from tenbin.likelihood.features import inputs_of, opportunity_features
from tenbin.likelihood.model import DEFAULT_WEIGHTS, DESIGN_COLUMNS, Inputs, Weights, design, probabilities
from tenbin.likelihood.stats import brier, reliability, roc_auc

MIN_OUTCOMES = 30  # won and lost each, over the whole history
TRAIN_SHARE = 0.75
REGULARISATION_C = 1.0


@dataclass(frozen=True)
class Evaluation:
    auc: float
    brier: float
    reliability: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"auc": _finite(self.auc), "brier": _finite(self.brier), "reliability": self.reliability}


@dataclass(frozen=True)
class Calibration:
    model_id: int | None  # the stored row (None on a dry run)
    adopted: bool
    weights: Weights
    fitted: Evaluation
    defaults: Evaluation
    baseline_weights: Weights  # what it was compared with (the model current before the run)
    split: dict[str, Any]
    rule: str = "adopt when held-out AUC is higher and the Brier score is not worse"

    def metrics(self) -> dict[str, Any]:
        return {
            "held_out": self.fitted.as_dict(),
            "baseline": self.defaults.as_dict(),
            "baseline_weights": self.baseline_weights.as_dict(),
            "split": self.split,
            "adopted": self.adopted,
            "rule": self.rule,
            "regularisation_c": REGULARISATION_C,
        }

    def as_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "weights": self.weights.as_dict(), **self.metrics()}


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


@dataclass(frozen=True)
class Outcomes:
    """Closed opportunities in time order, with their model inputs and outcome."""

    ids: np.ndarray[Any, Any]
    created: list[dt.date]
    inputs: Inputs
    won: np.ndarray[Any, Any]


def closed_outcomes(conn: Connection) -> Outcomes:
    o = schema.opportunities
    rows = conn.execute(
        select(o.c.id, o.c.created_on, o.c.status)
        .where(o.c.status.in_(("won", "lost")), o.c.created_on.is_not(None))
        .order_by(o.c.created_on, o.c.id)
    ).all()
    ids = [int(r.id) for r in rows]
    features = opportunity_features(conn, ids) if ids else None
    position = {int(i): k for k, i in enumerate(features.ids.tolist())} if features else {}
    order = np.asarray([position[i] for i in ids], dtype=np.int64)
    raw = inputs_of(features) if features else Inputs(*(np.zeros(0) for _ in range(5)))
    inputs = Inputs(*(np.asarray(getattr(raw, f))[order] for f in Inputs.__dataclass_fields__))
    return Outcomes(
        ids=np.asarray(ids, dtype=np.int64),
        created=[r.created_on for r in rows],
        inputs=inputs,
        won=np.asarray([r.status == "won" for r in rows], dtype=bool),
    )


def _subset(inputs: Inputs, rows: slice) -> Inputs:
    return Inputs(*(np.asarray(getattr(inputs, f))[rows] for f in Inputs.__dataclass_fields__))


def evaluate(weights: Weights, inputs: Inputs, won: np.ndarray[Any, Any]) -> Evaluation:
    p = probabilities(weights, inputs)
    return Evaluation(roc_auc(p, won), brier(p, won), [b.as_dict() for b in reliability(p, won)])


def fit_weights(inputs: Inputs, won: np.ndarray[Any, Any]) -> Weights:
    """L2-regularised logistic regression on the design columns (scikit-learn, imported lazily)."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    model = LogisticRegression(C=REGULARISATION_C, max_iter=2000)
    model.fit(design(inputs), won.astype(int))
    coefficients = dict(zip(DESIGN_COLUMNS, (float(c) for c in model.coef_[0]), strict=True))
    return Weights(intercept=float(model.intercept_[0]), **coefficients)


def split_outcomes(outcomes: Outcomes) -> int:
    """Index of the first test row: the earlier TRAIN_SHARE of the opportunities by time train."""
    n = len(outcomes.ids)
    cut = math.ceil(n * TRAIN_SHARE)
    test_won = int(outcomes.won[cut:].sum())
    won = int(outcomes.won.sum())
    counts = {
        "won": won, "lost": n - won, "test_won": test_won, "test_lost": n - cut - test_won, "needed": MIN_OUTCOMES,
    }  # fmt: skip
    if min(won, n - won) < MIN_OUTCOMES or min(counts["test_won"], counts["test_lost"]) == 0:
        raise TenbinError(LIKELIHOOD_TOO_FEW_OUTCOMES, counts)
    if min(int(outcomes.won[:cut].sum()), cut - int(outcomes.won[:cut].sum())) == 0:
        raise TenbinError(LIKELIHOOD_TOO_FEW_OUTCOMES, counts)
    return cut


def better(fitted: Evaluation, baseline: Evaluation) -> bool:
    """The adoption rule: higher held-out AUC and a Brier score that is not worse."""
    return fitted.auc > baseline.auc and fitted.brier <= baseline.brier


def calibrate(engine: Engine, *, actor: str, dry_run: bool = False, baseline: Weights | None = None) -> Calibration:
    """Fit, test, store and (when better) adopt a calibrated model. ``baseline``: the weights to beat
    (default: the built-in defaults)."""
    with engine.connect() as conn:
        outcomes = closed_outcomes(conn)
    cut = split_outcomes(outcomes)
    train, test = slice(0, cut), slice(cut, None)
    weights = fit_weights(_subset(outcomes.inputs, train), outcomes.won[train])
    base = baseline or DEFAULT_WEIGHTS
    fitted = evaluate(weights, _subset(outcomes.inputs, test), outcomes.won[test])
    defaults = evaluate(base, _subset(outcomes.inputs, test), outcomes.won[test])
    split = {
        "train": cut, "test": len(outcomes.ids) - cut,
        "train_won": int(outcomes.won[train].sum()), "test_won": int(outcomes.won[test].sum()),
        "train_from": outcomes.created[0].isoformat(), "test_from": outcomes.created[cut].isoformat(),
        "test_to": outcomes.created[-1].isoformat(),
    }  # fmt: skip
    result = Calibration(None, better(fitted, defaults), weights, fitted, defaults, base, split)
    if dry_run:
        return result
    return _store(engine, result, actor)


def _store(engine: Engine, result: Calibration, actor: str) -> Calibration:
    m = schema.likelihood_models
    with write_transaction(engine) as conn:
        if result.adopted:
            conn.execute(update(m).where(m.c.is_current.is_(True)).values(is_current=False))
        model_id = conn.execute(
            insert(m)
            .values(kind="calibrated", weights=result.weights.as_dict(), metrics=result.metrics(),
                    is_current=result.adopted, author=actor)
            .returning(m.c.id)
        ).scalar_one()  # fmt: skip
        audit.record(
            conn, actor=actor, action="likelihood.calibrate", entity="likelihood_model", entity_id=model_id,
            detail={"adopted": result.adopted, "auc": result.fitted.as_dict()["auc"],
                    "baseline_auc": result.defaults.as_dict()["auc"]},
        )  # fmt: skip
    return Calibration(
        model_id, result.adopted, result.weights, result.fitted, result.defaults, result.baseline_weights, result.split
    )
