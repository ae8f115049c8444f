"""Engagement benchmark: the offer ladder's step-up conversion (by lead and by account), whitespace of
every customer, and one account's engagement (the account and lead pages), on a demo workspace, beside
the ICP-rate query every dashboard already runs (the baseline, measured interleaved in the same run).

Usage: python bench/engagement_bench.py --database sqlite:///demo.db [--repeat 5]

Build the workspace first (``tenbin --database URL demo --no-serve [--scale 10]``); the script adopts
an ICP version (industry E, 300+ employees) when none is current. Times are medians of ``--repeat``
warm runs after one warm-up, each through the public services.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from sqlalchemy import func, select

from tenbin.db import schema as s
from tenbin.db.engine import make_engine
from tenbin.engagement import service as svc
from tenbin.icp.versions import save_version
from tenbin.metrics.service import IcpRateQuery, compute_icp_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(args.database)
    with engine.connect() as conn:
        current = conn.execute(select(s.icp_versions.c.id).where(s.icp_versions.c.is_current)).first()
        sizes = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                 for t in (s.contacts, s.responses, s.accounts, s.revenue_lines, s.seminar_sessions)}  # fmt: skip
        busiest = conn.execute(
            select(s.seminar_sessions.c.account_id).group_by(s.seminar_sessions.c.account_id)
            .order_by(func.count().desc(), s.seminar_sessions.c.account_id).limit(1)
        ).scalar()  # fmt: skip
    if current is None:
        save_version(engine, name="bench", rules='industry = "E" and employees >= 300', actor="bench", adopt=True)

    def one_account() -> object:
        with engine.connect() as conn:
            return svc.account_engagement(conn, int(busiest or 1))

    calls: dict[str, Callable[[], object]] = {
        "baseline compute_icp_rate(by=stage)": lambda: compute_icp_rate(engine, IcpRateQuery(by=("stage",))),
        "compute_ladder(by=lead)": lambda: svc.compute_ladder(engine, by="lead"),
        "compute_ladder(by=account)": lambda: svc.compute_ladder(engine, by="account"),
        "compute_whitespace() (every customer)": lambda: svc.compute_whitespace(engine),
        "account_engagement(one account)": one_account,
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()  # warm-up
    for _ in range(args.repeat):
        for name, call in calls.items():  # interleaved
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    print(f"{engine.dialect.name}; " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    customers = svc.compute_whitespace(engine).customers
    print(f"customers {customers:,}; median of {args.repeat} warm runs")
    for name, values in times.items():
        print(f"{name:45s} {statistics.median(values) * 1000:10.1f} ms")


if __name__ == "__main__":
    main()
