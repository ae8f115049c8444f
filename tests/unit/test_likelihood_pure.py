"""Win likelihood, pure parts: AUC, Brier, reliability, contributions and the capacity threshold,
each against values computed by hand."""

from __future__ import annotations

import math
import string

import numpy as np
import pytest

from tenbin.errors import TenbinError
from tenbin.likelihood import text
from tenbin.likelihood.errors import LIKELIHOOD_THRESHOLD_INVALID
from tenbin.likelihood.model import DEFAULT_WEIGHTS, Inputs, Weights, contributions, probabilities
from tenbin.likelihood.stats import brier, reliability, roc_auc
from tenbin.likelihood.threshold import choose_threshold, clean_threshold


def test_auc_counts_pairs_with_ties_as_half() -> None:
    # positives 0.8, 0.4; negatives 0.4, 0.2, 0.1: pairs (pos > neg): 0.8 beats all 3; 0.4 ties 0.4 (½),
    # beats 0.2 and 0.1 → (3 + 2.5) / (2 × 3) = 5.5 / 6
    assert roc_auc([0.8, 0.4, 0.4, 0.2, 0.1], [1, 1, 0, 0, 0]) == pytest.approx(5.5 / 6)
    assert roc_auc([0.1, 0.9], [1, 0]) == 0.0
    assert roc_auc([0.3, 0.3], [1, 0]) == 0.5
    assert math.isnan(roc_auc([0.3, 0.4], [1, 1]))


def test_brier_is_the_mean_squared_error() -> None:
    # (0.9−1)² + (0.2−0)² + (0.6−0)² = 0.01 + 0.04 + 0.36 = 0.41; / 3
    assert brier([0.9, 0.2, 0.6], [1, 0, 0]) == pytest.approx(0.41 / 3)


def test_reliability_bins_are_fixed_width_with_counts() -> None:
    table = reliability([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1], bins=10)
    assert [b.count for b in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[1].predicted == pytest.approx(0.135) and table[1].observed == pytest.approx(0.5)
    assert table[2].predicted is None and table[2].observed is None
    assert table[9].predicted == pytest.approx(0.975) and table[9].observed == 1.0


def _inputs(**values: list[float]) -> Inputs:
    base = {"support": [0.0], "oppose": [0.0], "budget_ratio": [math.nan], "rung": [0.0], "days_since": [math.nan]}
    base.update(values)
    return Inputs(**{k: np.asarray(v, dtype=np.float64) for k, v in base.items()})


def test_default_contributions_by_hand() -> None:
    # 3 supporting roles, an opponent, budget 90 of 100, rung 4 (デモ申込), last response 10 days ago
    inputs = _inputs(support=[3], oppose=[1], budget_ratio=[0.9], rung=[4], days_since=[10])
    parts = {k: float(v[0]) for k, v in contributions(DEFAULT_WEIGHTS, inputs).items()}
    assert parts["consensus"] == pytest.approx(1.5)  # 3 × 0.5
    assert parts["opposition"] == pytest.approx(-1.0)
    assert parts["budget_fit"] == pytest.approx(-0.15)  # 1.5 × (0.9 − 1)
    assert parts["offer_rung"] == pytest.approx(2.0)  # 4 × 0.5
    assert parts["recency"] == pytest.approx(0.5 * 2 ** (-10 / 30))  # 0.39685
    logit = -3.0 + 1.5 - 1.0 - 0.15 + 2.0 + 0.5 * 2 ** (-10 / 30)
    assert float(probabilities(DEFAULT_WEIGHTS, inputs)[0]) == pytest.approx(1 / (1 + math.exp(-logit)))


def test_unknowns_contribute_nothing_and_the_budget_is_capped() -> None:
    parts = contributions(DEFAULT_WEIGHTS, _inputs())
    assert all(float(v[0]) == 0.0 for v in parts.values())
    capped = contributions(DEFAULT_WEIGHTS, _inputs(budget_ratio=[3.0]))["budget_fit"]
    assert float(capped[0]) == pytest.approx(1.5 * 0.5)  # min(3, 1.5) − 1 = 0.5
    none = contributions(Weights(offer_rung_none=-0.7), _inputs())["offer_rung"]
    assert float(none[0]) == pytest.approx(-0.7)


def test_capacity_threshold_keeps_the_flow_within_capacity() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.3])
    # 2 weeks × 1 per week = 2 leads may be high: the cut moves just above the third (0.7)
    chosen = choose_threshold(p, weeks=2, capacity=1.0, base=0.5)
    assert 0.7 < chosen < 0.8 and int((p >= chosen).sum()) == 2
    assert choose_threshold(p, weeks=2, capacity=5.0, base=0.5) == 0.5  # ample capacity: the base stays
    assert choose_threshold(p, weeks=1, capacity=0.0, base=0.5) > 0.9  # none: nobody is high


def test_threshold_must_be_between_0_and_1() -> None:
    assert clean_threshold("0.4") == 0.4
    for bad in ("1", "0", "x", True, -0.2):
        with pytest.raises(TenbinError) as caught:
            clean_threshold(bad)
        assert caught.value.code == LIKELIHOOD_THRESHOLD_INVALID.code


def _names(template: str) -> set[str]:
    return {n.removesuffix("_ja").removesuffix("_en") for _, n, _, _ in string.Formatter().parse(template) if n}


def test_sentences_have_the_same_placeholders_in_both_languages() -> None:
    for key, (ja, en) in text.TEMPLATES.items():
        assert _names(ja) == _names(en), key
    ja, en = text.consensus(("decision_maker", "budget_holder", "user_department"), 4, 5, 2.25)
    assert ja == "決裁者・予算権限者・利用部門が賛成(3/5 役割、グループ 5 名、関与度 平均 2.2/3)"
    assert en.startswith("In favour: decision maker, budget holder and user department (3 of 5 key roles")
    assert text.budget_fit(900_000, 1_000_000) == (
        "予算 90万円 / 金額 100万円(比 0.90)",
        "Budget ¥900,000 vs amount ¥1M (ratio 0.90)",
    )
