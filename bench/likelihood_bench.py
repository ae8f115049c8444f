"""Win-likelihood quality benchmark (issue 6, deliverable 6).

1. Demo: for each seed, a fresh demo workspace is built into a temporary SQLite file; the
   calibration of ``tenbin score calibrate`` runs as a dry run (time split: earlier 75% of the
   closed opportunities by created_on train, the later 25% test). On the same test split it reports
   the calibrated weights, the default weights, a naive-Bayes baseline built like Odoo CRM's
   predictive lead scoring (frequency tables of won/lost per field value, +0.1 smoothing, continuous
   fields bucketed; implemented only here), and the planted model itself (``truth.WIN_MODEL`` on
   the same features: the ceiling any model of these fields can expect). Medians over the seeds.
2. X Education (``../shared/data/real/x_education_leads/Leads.csv``, skipped when absent): without
   the leaking columns (Tags, Lead Quality, Last Notable Activity), split by Lead Number (earlier 75%
   train), the same regularised logistic pipeline (L2, C = 1) next to a plain (unregularised)
   logistic regression on the same columns, plus the Odoo-like naive Bayes.

Usage: python bench/likelihood_bench.py [--seeds 7 8 9] [--x-education PATH]
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.demo import truth
from tenbin.demo.service import build_demo
from tenbin.likelihood.calibrate import TRAIN_SHARE, _subset, closed_outcomes, fit_weights, split_outcomes
from tenbin.likelihood.model import DEFAULT_WEIGHTS, Inputs, probabilities
from tenbin.likelihood.stats import brier, roc_auc

ROOT = Path(__file__).resolve().parents[1]
X_EDUCATION = ROOT.parent / "shared" / "data" / "real" / "x_education_leads" / "Leads.csv"
LEAKING = ("Tags", "Lead Quality", "Last Notable Activity")
SMOOTHING = 0.1


# -- naive Bayes like Odoo CRM's predictive lead scoring ---------------------------------------------
def odoo_naive_bayes(
    train: Sequence[Sequence[str]], won: np.ndarray[Any, Any], test: Sequence[Sequence[str]]
) -> np.ndarray[Any, Any]:
    """P(won | values) = P(won)·Π P(v|won) / (P(won)·Π P(v|won) + P(lost)·Π P(v|lost)), with each field's
    value frequencies counted among won and lost records and +0.1 added to every count (Odoo's
    crm.lead.scoring.frequency); values never seen in training are skipped, as Odoo skips them."""
    fields = len(train[0])
    won_counts: list[dict[str, float]] = [{} for _ in range(fields)]
    lost_counts: list[dict[str, float]] = [{} for _ in range(fields)]
    for row, w in zip(train, won.tolist(), strict=True):
        for f, value in enumerate(row):
            target = won_counts[f] if w else lost_counts[f]
            target[value] = target.get(value, 0.0) + 1.0
    total_won, total_lost = float(won.sum()), float(len(won) - won.sum())
    result = []
    for row in test:
        log_won, log_lost = math.log(total_won + SMOOTHING), math.log(total_lost + SMOOTHING)
        for f, value in enumerate(row):
            seen = value in won_counts[f] or value in lost_counts[f]
            if not seen:
                continue
            values = set(won_counts[f]) | set(lost_counts[f])
            log_won += math.log((won_counts[f].get(value, 0.0) + SMOOTHING) / (total_won + SMOOTHING * len(values)))
            log_lost += math.log((lost_counts[f].get(value, 0.0) + SMOOTHING) / (total_lost + SMOOTHING * len(values)))
        result.append(1.0 / (1.0 + math.exp(log_lost - log_won)))
    return np.asarray(result, dtype=np.float64)


def _bucket(value: float, edges: Sequence[float]) -> str:
    if math.isnan(value):
        return "unknown"
    for edge in edges:
        if value < edge:
            return f"<{edge:g}"
    return f">={edges[-1]:g}"


def demo_fields(inputs: Inputs) -> list[list[str]]:
    """The same fields as the likelihood, as Odoo would see them: categories, continuous ones bucketed."""
    rows = []
    for k in range(len(inputs.support)):
        rows.append([
            f"support={int(inputs.support[k])}",
            f"oppose={int(inputs.oppose[k])}",
            "budget=" + _bucket(float(inputs.budget_ratio[k]), (0.8, 0.9, 1.0, 1.1, 1.25)),
            f"rung={int(inputs.rung[k])}",
            "days=" + _bucket(float(inputs.days_since[k]), (1, 7, 30, 90)),
        ])  # fmt: skip
    return rows


# -- demo ---------------------------------------------------------------------------------------------
def demo_run(seed: int, scale: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/demo.db")
        upgrade(engine)
        build_demo(engine, seed=seed, scale=scale)
        started = time.perf_counter()
        with engine.connect() as conn:
            outcomes = closed_outcomes(conn)
        cut = split_outcomes(outcomes)
        train, test = _subset(outcomes.inputs, slice(0, cut)), _subset(outcomes.inputs, slice(cut, None))
        won_train, won_test = outcomes.won[:cut], outcomes.won[cut:]
        weights = fit_weights(train, won_train)
        seconds = time.perf_counter() - started
        engine.dispose()
    fitted = probabilities(weights, test)
    default = probabilities(DEFAULT_WEIGHTS, test)
    nb = odoo_naive_bayes(demo_fields(train), won_train, demo_fields(test))
    rung = np.where(test.rung > 0, test.rung, 1)  # the planted model counts "no offer" as rung 1
    ratio = np.where(np.isnan(test.budget_ratio), 1.0, test.budget_ratio)
    planted = truth.WIN_MODEL.probability(test.support.astype(np.int64), test.oppose.astype(bool), ratio,
                                          rung.astype(np.int64))  # fmt: skip
    return {
        "seed": seed, "train": cut, "test": len(won_test), "test_won": int(won_test.sum()),
        "calibrated_auc": roc_auc(fitted, won_test), "calibrated_brier": brier(fitted, won_test),
        "default_auc": roc_auc(default, won_test), "default_brier": brier(default, won_test),
        "nb_auc": roc_auc(nb, won_test), "nb_brier": brier(nb, won_test),
        "planted_auc": roc_auc(planted, won_test), "planted_brier": brier(planted, won_test),
        "expected_planted_auc": expected_auc(planted), "seconds": seconds,
    }  # fmt: skip


def expected_auc(p: np.ndarray[Any, Any]) -> float:
    """The AUC a score p would have on average if outcomes were drawn from p itself (ties ½)."""
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    num = den = 0.0
    for i in range(len(ps)):
        for j in range(len(ps)):
            if i == j:
                continue
            weight = ps[i] * (1 - ps[j])
            den += weight
            num += weight * (1.0 if ps[i] > ps[j] else 0.5 if ps[i] == ps[j] else 0.0)
    return num / den


# -- X Education --------------------------------------------------------------------------------------
def x_education(path: Path) -> dict[str, float] | None:
    if not path.exists():
        print(f"X Education: skipped ({path} is absent)")
        return None
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.read_csv(path)
    frame = frame.loc[:, ~frame.columns.str.startswith("Unnamed")].sort_values("Lead Number")
    y = frame["Converted"].to_numpy(dtype=bool)
    features = frame.drop(columns=["Prospect ID", "Lead Number", "Converted", *LEAKING])
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    categorical = [c for c in features.columns if c not in numeric]
    features[categorical] = features[categorical].fillna("missing").replace("Select", "missing")
    cut = math.ceil(len(frame) * TRAIN_SHARE)

    def pipeline(c: float) -> Any:
        columns = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), categorical),
        ])  # fmt: skip
        return make_pipeline(columns, LogisticRegression(C=c, max_iter=5000))

    result: dict[str, float] = {"rows": len(frame), "train": cut, "test": len(frame) - cut,
                                "columns": len(features.columns)}  # fmt: skip
    for name, c in (("regularised", 1.0), ("plain", math.inf)):  # C = ∞: no penalty
        model = pipeline(c).fit(features.iloc[:cut], y[:cut])
        p = model.predict_proba(features.iloc[cut:])[:, 1]
        result[f"{name}_auc"], result[f"{name}_brier"] = roc_auc(p, y[cut:]), brier(p, y[cut:])
    text = features.copy()
    for c in numeric:
        text[c] = pd.qcut(text[c], 5, duplicates="drop").astype(str)
    rows = text.astype(str).to_numpy().tolist()
    nb = odoo_naive_bayes(rows[:cut], y[:cut], rows[cut:])
    result["nb_auc"], result["nb_brier"] = roc_auc(nb, y[cut:]), brier(nb, y[cut:])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--x-education", type=Path, default=X_EDUCATION)
    args = parser.parse_args()
    runs = [demo_run(seed, args.scale) for seed in args.seeds]
    keys = ("calibrated", "default", "nb", "planted")
    print("Demo (held-out = later 25% of closed opportunities by created_on)")
    print(f"{'seed':>5} {'train':>6} {'test':>5} {'won':>4} " + " ".join(f"{k + ' AUC':>15} {'Brier':>7}" for k in keys)
          + f" {'E[AUC|planted]':>15}")  # fmt: skip
    for r in runs:
        cells = " ".join(f"{r[k + '_auc']:>15.3f} {r[k + '_brier']:>7.4f}" for k in keys)
        head = f"{r['seed']:>5} {r['train']:>6} {r['test']:>5} {r['test_won']:>4}"
        print(f"{head} {cells} {r['expected_planted_auc']:>15.3f}")
    medians = " ".join(f"{statistics.median(r[k + '_auc'] for r in runs):>15.3f} "
                       f"{statistics.median(r[k + '_brier'] for r in runs):>7.4f}" for k in keys)  # fmt: skip
    print(f"{'median':>23} {medians} {statistics.median(r['expected_planted_auc'] for r in runs):>15.3f}")
    print(f"fit + features: median {statistics.median(r['seconds'] for r in runs):.2f} s")
    x = x_education(args.x_education)
    if x is not None:
        print(f"\nX Education ({x['rows']:,} leads, {x['columns']} columns without {', '.join(LEAKING)}; "
              f"split by Lead Number: train {x['train']:,}, test {x['test']:,})")  # fmt: skip
        for name in ("regularised", "plain", "nb"):
            print(f"{name:>12}: AUC {x[name + '_auc']:.3f}  Brier {x[name + '_brier']:.4f}")


if __name__ == "__main__":
    main()
