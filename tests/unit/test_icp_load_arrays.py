"""The array helpers of the population loader (tenbin.icp.fetch), checked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from tenbin.icp.fetch import columns_of, dates, float_array, months_between, slots


def test_months_between_counts_calendar_months_and_ignores_days() -> None:
    start = dates(["2023-01-31", "2023-03-01", "2024-12-31", "2024-02-29"])
    end = np.datetime64("2024-06-01", "D")
    # (2024 − 2023)·12 + 6 − 1 = 17; 15; (2024 − 2024)·12 + 6 − 12 = −6; 4
    assert months_between(start, end).tolist() == [17, 15, -6, 4]
    assert months_between(start, dates(["2023-02-01", "2023-03-31", "2025-01-01", "2024-02-01"])).tolist() == [
        1,
        0,
        1,
        0,
    ]


def test_dates_read_iso_text_and_date_objects_with_none_as_missing() -> None:
    from_text = dates(["2024-02-29", None])
    from_dates = dates([dt.date(2024, 2, 29), None])
    assert from_text.dtype == np.dtype("datetime64[D]") and from_dates.dtype == np.dtype("datetime64[D]")
    assert from_text[0] == from_dates[0] == np.datetime64("2024-02-29")
    assert np.isnat(from_text[1]) and np.isnat(from_dates[1])
    assert len(dates([])) == 0


def test_slots_find_each_id_in_a_sorted_array_or_minus_one() -> None:
    found = np.array([2, 5, 9], dtype=np.int64)
    assert slots(np.array([9, 1, 5, 10, 2]), found).tolist() == [2, -1, 1, -1, 0]
    assert slots(np.array([3, 4]), np.array([], dtype=np.int64)).tolist() == [-1, -1]
    assert slots(np.array([], dtype=np.int64), found).tolist() == []


def test_float_array_converts_like_float_and_marks_none_as_nan() -> None:
    values = float_array([Decimal("12345678901234567890"), 3, None, 0.1])
    assert values[0] == float(Decimal("12345678901234567890")) and values[1] == 3.0
    assert np.isnan(values[2]) and values[3] == 0.1
    assert float_array([]).dtype == np.float64 and len(float_array([])) == 0


def test_columns_of_turns_rows_into_columns_and_keeps_the_width_when_empty() -> None:
    assert columns_of([(1, "a"), (2, "b")], 2) == [[1, 2], ["a", "b"]]
    assert columns_of([], 3) == [[], [], []]
