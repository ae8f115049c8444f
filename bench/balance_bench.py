"""Balance benchmark: what the operating signals (win rate of closed deals, sales capacity used)
add to ``balance_state``, on a demo workspace, against the ICP-rate query the balance was already
built on, measured interleaved in the same run.

Usage: python bench/balance_bench.py --database sqlite:///demo.db [--periods 3] [--repeat 9]
       [--today 2026-09-30]

Build the workspace first: ``tenbin --database URL demo --no-serve`` and adopt an ICP (e.g.
``tenbin --database URL icp save 'industry = "E" and employees >= 300' --adopt …``). Times are
medians of ``--repeat`` warm runs after one warm-up, each through the public services; the ratio
is to the median of the baseline ``compute_icp_rate(by=(stage, month))`` over the same periods.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select

from tenbin.balance.activity import read_activity, read_roster
from tenbin.balance.periods import last_periods
from tenbin.balance.service import balance_state, resource_pressure
from tenbin.db import schema as s
from tenbin.db.engine import make_engine
from tenbin.metrics.service import IcpRateQuery, compute_icp_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--periods", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--today", default="2026-09-30")
    args = parser.parse_args()
    engine = make_engine(args.database)
    today = dt.date.fromisoformat(args.today)
    ranges = last_periods("month", args.periods, today)
    extended = last_periods("month", args.periods + 3, today)
    query = IcpRateQuery(by=("stage", "month"), period_from=ranges[0].start, period_to=ranges[-1].end)

    def signals() -> None:
        with engine.connect() as conn:
            read_roster(conn)
            read_activity(conn, extended)

    cases: dict[str, Callable[[], object]] = {
        "baseline: compute_icp_rate(stage, month)": lambda: compute_icp_rate(engine, query),
        "signals alone (roster + activity, 2 statements)": signals,
        f"balance_state(periods={args.periods})": lambda: balance_state(engine, periods=args.periods, today=today),
        "resource_pressure()": lambda: resource_pressure(engine, today=today),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for run in range(args.repeat + 1):
        for name, case in cases.items():  # interleaved: every case sees the same machine load
            start = time.perf_counter()
            case()
            if run:
                times[name].append(time.perf_counter() - start)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (s.contacts, s.opportunities, s.stage_events, s.routing_decisions)}  # fmt: skip
    print(f"{engine.dialect.name}; rows: {counts}; medians of {args.repeat} warm runs")
    base = statistics.median(times[next(iter(cases))])
    print(f"{'case':<52} {'median ms':>10} {'× baseline':>11}")
    for name, found in times.items():
        median = statistics.median(found)
        print(f"{name:<52} {median * 1000:>10.1f} {median / base:>11.2f}")


if __name__ == "__main__":
    main()
