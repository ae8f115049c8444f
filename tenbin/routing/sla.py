"""Response-time targets (SLA) per quadrant, counted in business hours.

Business hours are Monday to Friday, ``start``:00 to ``end``:00 workspace-local time (defaults
9–18); public holidays are not known to tenbin and count as business days. A lead decided outside
business hours starts its clock at the next opening.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

DEFAULT_SLA_HOURS: dict[str, float] = {"icp_high": 1.0, "icp_low": 8.0, "non_icp_high": 24.0, "non_icp_low": 72.0}
DEFAULT_BUSINESS_HOURS = (9, 18)


def _opening(at: dt.datetime, start: int, end: int) -> dt.datetime:
    """``at`` when inside business hours, else the next opening."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    while True:
        open_at, close_at = day.replace(hour=start), day.replace(hour=end)
        if day.weekday() < 5 and at < close_at:
            return max(at, open_at)
        day += dt.timedelta(days=1)
        at = day


@lru_cache(maxsize=4096)  # a batch's decisions share their time: the queue computes each due once
def business_due(
    start_at: dt.datetime, hours: float, business_hours: tuple[int, int] = DEFAULT_BUSINESS_HOURS
) -> dt.datetime:
    """The time ``hours`` business hours after ``start_at`` (e.g. Fri 17:30 + 1 h → Mon 9:30)."""
    start, end = business_hours
    remaining = dt.timedelta(hours=hours)
    at = _opening(start_at, start, end)
    while True:
        close_at = at.replace(hour=end, minute=0, second=0, microsecond=0)
        if at + remaining <= close_at:
            return at + remaining
        remaining -= close_at - at
        at = _opening(close_at, start, end)


def business_hours_between(
    start_at: dt.datetime, end_at: dt.datetime, business_hours: tuple[int, int] = DEFAULT_BUSINESS_HOURS
) -> float:
    """Business hours from ``start_at`` to ``end_at`` (0 when ``end_at`` is earlier)."""
    start, end = business_hours
    total = dt.timedelta()
    at = _opening(start_at, start, end)
    while at < end_at:
        close_at = at.replace(hour=end, minute=0, second=0, microsecond=0)
        total += min(close_at, end_at) - at
        at = _opening(close_at, start, end)
    return total.total_seconds() / 3600
