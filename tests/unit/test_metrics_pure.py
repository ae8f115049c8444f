"""The metrics' pure arithmetic and period buckets, with values computed by hand."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import create_engine, literal, select
from sqlalchemy.dialects import postgresql

from tenbin.db.sqlfunc import month_of
from tenbin.metrics.model import LeadFilter
from tenbin.metrics.rates import Proportion, compare, per_unit, proportion, share
from tenbin.metrics.sqlfunc import fiscal_year_of, quarter_of


def test_proportion_is_the_rate_with_its_wilson_interval() -> None:
    p = proportion(150, 400)
    assert (p.hits, p.total, p.rate) == (150, 400, 0.375)
    # centre 0.3761890368 ∓ half 0.0472319573 (the arithmetic is in tests/integration/test_metrics.py)
    assert p.low == pytest.approx(0.3289570795, abs=1e-9)
    assert p.high == pytest.approx(0.4234209941, abs=1e-9)
    assert proportion(0, 0) == Proportion(0, 0, None, None, None)
    assert (proportion(0, 5).low, proportion(5, 5).high) == (0.0, 1.0)  # Wilson's exact ends


def test_comparison_uses_a_one_sided_fisher_test() -> None:
    c = compare(6, 10, 2, 10)
    # X ~ Hypergeometric(N = 20, K = 8 converted, n = 10 ICP); p = P(X ≥ 6)
    #   = [C(8,6)·C(12,4) + C(8,7)·C(12,3) + C(8,8)·C(12,2)] / C(20,10)
    #   = [28·495 + 8·220 + 1·66] / 184756 = (13860 + 1760 + 66) / 184756 = 15686 / 184756
    assert c.p_icp_higher == pytest.approx(float(Fraction(15686, 184756)), abs=1e-12)
    assert c.difference == pytest.approx(0.4)  # 0.6 − 0.2
    assert compare(2, 10, 6, 10).p_icp_higher > 0.9  # the other direction is not evidence
    empty = compare(3, 10, 0, 0)
    assert (empty.difference, empty.p_icp_higher, empty.non_icp.rate) == (None, 1.0, None)


def test_shares_and_unit_costs() -> None:
    assert share(4_000_000, 8_000_000, icp_count=2, count=4).share == 0.5
    assert share(0, 0, icp_count=0, count=0).share is None
    assert per_unit(1_200_000, 100) == 12_000
    assert per_unit(1_200_000, 0) is None and per_unit(None, 10) is None


def test_lead_filter_lists_only_what_is_filtered() -> None:
    assert LeadFilter().by_dimension() == {}
    assert LeadFilter(channels=("広告",), teams=("(none)",)).by_dimension() == {
        "channel": ("広告",),
        "team": ("(none)",),
    }


@pytest.mark.parametrize(
    ("moment", "month", "quarter", "fiscal_year"),
    [
        (dt.datetime(2025, 3, 31, 23, 59, 59), "2025-03", "2025-Q1", 2024),  # the last second of 年度 2024
        (dt.datetime(2025, 4, 1, 0, 0, 0), "2025-04", "2025-Q2", 2025),  # the first second of 年度 2025
        (dt.datetime(2025, 12, 31, 12, 0), "2025-12", "2025-Q4", 2025),
        (dt.datetime(2026, 1, 1, 0, 0), "2026-01", "2026-Q1", 2025),
    ],
)
def test_period_buckets_on_sqlite(moment: dt.datetime, month: str, quarter: str, fiscal_year: int) -> None:
    engine = create_engine("sqlite://")
    value = literal(moment)
    with engine.connect() as conn:
        row = conn.execute(select(month_of(value), quarter_of(value), fiscal_year_of(value))).one()
    engine.dispose()
    assert tuple(row) == (month, quarter, fiscal_year)


def test_period_buckets_compile_for_postgresql() -> None:
    sql = str(select(quarter_of(literal(dt.date(2025, 4, 1))), fiscal_year_of(literal(dt.date(2025, 4, 1))))
              .compile(dialect=postgresql.dialect()))  # fmt: skip
    assert """'YYYY-"Q"Q'""" in sql and "EXTRACT(MONTH FROM" in sql
