"""Held-out quality of a probability score: ROC AUC, Brier score and a reliability table (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def roc_auc(scores: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative), ties counting
    ½ (the Mann–Whitney U statistic over n₊·n₋). NaN when either class is empty."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(outcomes, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    # average ranks (1-based) over ties
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(s)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[start:end]] = (start + 1 + end) / 2.0
    u = ranks[y].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def brier(probabilities: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Mean squared difference between the predicted probability and the outcome (0 or 1)."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    return float(np.mean((p - y) ** 2)) if len(p) else float("nan")


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    predicted: float | None  # mean predicted probability in the bin
    observed: float | None  # observed rate of the outcome in the bin

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reliability(probabilities: npt.ArrayLike, outcomes: npt.ArrayLike, bins: int = 10) -> list[ReliabilityBin]:
    """Fixed-width bins [k/bins, (k+1)/bins) (the last one closed): counts, mean prediction, observed rate."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    table = []
    for k in range(bins):
        inside = index == k
        n = int(inside.sum())
        table.append(
            ReliabilityBin(
                low=k / bins,
                high=(k + 1) / bins,
                count=n,
                predicted=float(p[inside].mean()) if n else None,
                observed=float(y[inside].mean()) if n else None,
            )
        )
    return table
