"""Calendar periods for the balance view (pure): the last N months, quarters or 年度 up to a day.

Keys match the metrics slice's period groups: month ``YYYY-MM``, quarter ``YYYY-Qn``, fiscal year
(年度, April–March) named by the year it starts in (``"2025"`` = 2025-04-01 … 2026-03-31).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Period = Literal["month", "quarter", "fiscal_year"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "fiscal_year")
MONTHS: dict[Period, int] = {"month": 1, "quarter": 3, "fiscal_year": 12}


@dataclass(frozen=True)
class PeriodRange:
    key: str
    start: dt.date
    end: dt.date  # inclusive


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _from_index(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _key(period: Period, start: dt.date) -> str:
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year:04d}-Q{(start.month + 2) // 3}"
    return str(start.year)


def period_start(period: Period, day: dt.date) -> dt.date:
    """The first day of the period containing ``day``."""
    index = _month_index(day)
    if period == "quarter":
        index -= (day.month - 1) % 3
    elif period == "fiscal_year":
        index -= (day.month - 4) % 12
    return _from_index(index)


def last_periods(period: Period, count: int, today: dt.date) -> list[PeriodRange]:
    """The ``count`` periods ending with the one containing ``today``, oldest first."""
    step = MONTHS[period]
    first = _month_index(period_start(period, today)) - step * (count - 1)
    ranges = []
    for n in range(count):
        start = _from_index(first + step * n)
        end = _from_index(first + step * (n + 1)) - dt.timedelta(days=1)
        ranges.append(PeriodRange(_key(period, start), start, end))
    return ranges
