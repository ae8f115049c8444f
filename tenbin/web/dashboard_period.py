"""What the dashboard shows: the period kind (month, quarter, 年度), the range and the ICP version,
read from the query string; and the calendar arithmetic on period keys (pure).

Period keys are the metrics slice's: month ``YYYY-MM``, quarter ``YYYY-Qn`` (calendar quarters),
fiscal year (年度, April–March) named by the year it starts in (``"2025"`` = 2025-04-01 …
2026-03-31). A range is widened to whole periods, so every bucket of the trend is complete.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from tenbin.errors import ErrorCode, Place, TenbinError

Period = Literal["month", "quarter", "fiscal_year"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "fiscal_year")
MONTHS: dict[Period, int] = {"month": 1, "quarter": 3, "fiscal_year": 12}
DEFAULT_COUNT: dict[Period, int] = {"month": 12, "quarter": 8, "fiscal_year": 3}  # periods shown by default
MAX_MONTHS = 120  # ten years: the trend stays readable and the queries small

DASHBOARD_PERIOD_INVALID = ErrorCode(
    "DASHBOARD_PERIOD_INVALID",
    "The period '{period}' is not known. Choose one of: {allowed}.",
    "期間の単位 '{period}' はありません。次のいずれかを選んでください: {allowed}。",
)
DASHBOARD_MONTH_INVALID = ErrorCode(
    "DASHBOARD_MONTH_INVALID",
    "'{value}' in '{field}' is not a month. Write it as YYYY-MM, e.g. 2025-04.",
    "'{field}' の '{value}' は年月として読めません。2025-04 のように YYYY-MM で指定してください。",
)
DASHBOARD_DAY_INVALID = ErrorCode(
    "DASHBOARD_DAY_INVALID",
    "'{value}' in '{field}' is not a date. Write it as YYYY-MM-DD, e.g. 2025-04-01.",
    "'{field}' の '{value}' は日付として読めません。2025-04-01 のように YYYY-MM-DD で指定してください。",
)
DASHBOARD_RANGE_ORDER = ErrorCode(
    "DASHBOARD_RANGE_ORDER",
    "The range starts ({start}) after it ends ({end}). Swap the two months.",
    "期間の開始({start})が終了({end})より後です。開始と終了を入れ替えてください。",
)
DASHBOARD_RANGE_TOO_LONG = ErrorCode(
    "DASHBOARD_RANGE_TOO_LONG",
    "The range from {start} to {end} is longer than {max} months. Choose a shorter range or a longer period "
    "unit (quarter or fiscal year).",
    "{start} から {end} までの期間が {max} か月を超えています。期間を短くするか、四半期・年度単位にしてください。",
)
DASHBOARD_VERSION_INVALID = ErrorCode(
    "DASHBOARD_VERSION_INVALID",
    "'{value}' is not an ICP version number. Choose a version from the list.",
    "'{value}' はICPのバージョン番号ではありません。一覧からバージョンを選んでください。",
)

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(period: Period, day: dt.date) -> dt.date:
    """The first day of the period containing ``day``."""
    index = _index(day)
    if period == "quarter":
        index -= (day.month - 1) % 3
    elif period == "fiscal_year":
        index -= (day.month - 4) % 12
    return _month(index)


def period_end(period: Period, day: dt.date) -> dt.date:
    """The last day of the period containing ``day``."""
    return _month(_index(period_start(period, day)) + MONTHS[period]) - dt.timedelta(days=1)


def period_key(period: Period, start: dt.date) -> str:
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year:04d}-Q{(start.month + 2) // 3}"
    return str(start.year)


def period_keys(period: Period, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(key, first day, last day) of every period from the one containing ``start`` to the one
    containing ``end``, oldest first."""
    found = []
    day = period_start(period, start)
    while day <= end:
        last = period_end(period, day)
        found.append((period_key(period, day), day, last))
        day = last + dt.timedelta(days=1)
    return found


@dataclass(frozen=True)
class Selection:
    """The dashboard's period kind, its range (whole periods, inclusive days) and ICP version
    (``None``: the current one)."""

    period: Period
    start: dt.date
    end: dt.date
    icp_version: int | None = None

    def params(self, **extra: str | int | None) -> dict[str, str]:
        """The query string that selects this again (months as YYYY-MM), plus ``extra``."""
        found = {"period": self.period, "from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m")}
        if self.icp_version is not None:
            found["v"] = str(self.icp_version)
        found |= {k: str(v) for k, v in extra.items() if v is not None and v != ""}
        return found

    def query(self, **extra: str | int | None) -> str:
        return urlencode(self.params(**extra))

    def keys(self) -> list[tuple[str, dt.date, dt.date]]:
        return period_keys(self.period, self.start, self.end)


def default_selection(period: Period, today: dt.date, icp_version: int | None = None) -> Selection:
    """The last :data:`DEFAULT_COUNT` periods up to the one containing ``today``."""
    end = period_end(period, today)
    first = _index(period_start(period, today)) - MONTHS[period] * (DEFAULT_COUNT[period] - 1)
    return Selection(period, _month(first), end, icp_version)


def _parse_month(value: str, field: str) -> dt.date:
    found = _MONTH.fullmatch(value.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise TenbinError(DASHBOARD_MONTH_INVALID, {"value": value[:40], "field": field}, Place(field=field))
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def parse_version(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise TenbinError(DASHBOARD_VERSION_INVALID, {"value": raw[:40]}, Place(field="v"))
    return int(text)


def parse_selection(params: Mapping[str, str], today: dt.date) -> Selection:
    """The selection of ``?period=&from=YYYY-MM&to=YYYY-MM&v=``; missing parts take the defaults
    (the last 12 months, 8 quarters or 3 年度 up to today); the range is widened to whole periods."""
    raw_period = params.get("period") or "month"
    if raw_period not in PERIODS:
        allowed = ", ".join(PERIODS)
        raise TenbinError(
            DASHBOARD_PERIOD_INVALID, {"period": raw_period[:40], "allowed": allowed}, Place(field="period")
        )
    period = next(p for p in PERIODS if p == raw_period)
    version = parse_version(params.get("v"))
    default = default_selection(period, today, version)
    start = _parse_month(params["from"], "from") if params.get("from") else default.start
    last = _parse_month(params["to"], "to") if params.get("to") else default.end
    if start > last:
        raise TenbinError(DASHBOARD_RANGE_ORDER, {"start": params.get("from", ""), "end": params.get("to", "")},
                          Place(field="from"))  # fmt: skip
    start, end = period_start(period, start), period_end(period, last)
    if _index(end) - _index(start) + 1 > MAX_MONTHS:
        raise TenbinError(DASHBOARD_RANGE_TOO_LONG, {"start": start.strftime("%Y-%m"), "end": end.strftime("%Y-%m"),
                                                     "max": MAX_MONTHS}, Place(field="from"))  # fmt: skip
    return Selection(period, start, end, version)


def parse_day(value: str | None, field: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` day of the drill-down's query string (``None`` when empty)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise TenbinError(DASHBOARD_DAY_INVALID, {"value": value[:40], "field": field}, Place(field=field)) from None
