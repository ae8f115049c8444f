"""Per-call time of win-likelihood scoring for one lead (and a handful), as the real-time intake uses it.

Scores ``--calls`` open leads of an existing workspace one at a time with
``score_contacts(conn, [id], as_of=now)`` (one connection, as in one intake request), then
``--handful`` leads per call, then every open lead at once (the batch; ``--batch`` repetitions).
Prints medians and p90 of the wall time in milliseconds, and the median of this process's CPU time
(on a shared machine the wall time includes waiting for a core; PostgreSQL's own work is not in it).
Build the workspaces first, e.g. ``tenbin demo --no-serve`` (SQLite ``tenbin.db``) and the same into a
PostgreSQL database.

    python bench/likelihood_single_bench.py sqlite:///tenbin.db postgresql+psycopg://postgres@127.0.0.1/demo
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from sqlalchemy import select

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.likelihood.features import open_lead_condition
from tenbin.likelihood.service import score_contacts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(url: str, calls: int, handful: int, batch: int, seed: int) -> None:
    engine = make_engine(url)
    now = dt.datetime.now().replace(microsecond=0)
    with engine.connect() as conn:
        c = schema.contacts
        ids = [int(i) for i in conn.execute(select(c.c.id).where(open_lead_condition(now)).order_by(c.c.id)).scalars()]
        rng = random.Random(seed)
        sample = [rng.choice(ids) for _ in range(calls)]
        score_contacts(conn, sample[:1], as_of=now)  # warm the statement caches
        one: list[float] = []
        one_cpu: list[float] = []
        for sid in sample:
            start, cpu = time.perf_counter(), time.process_time()
            score_contacts(conn, [sid], as_of=now)
            one.append(time.perf_counter() - start)
            one_cpu.append(time.process_time() - cpu)
        few: list[float] = []
        few_cpu: list[float] = []
        for _ in range(calls):
            chosen = rng.sample(ids, handful)
            start, cpu = time.perf_counter(), time.process_time()
            score_contacts(conn, chosen, as_of=now)
            few.append(time.perf_counter() - start)
            few_cpu.append(time.process_time() - cpu)
        whole: list[float] = []
        for _ in range(batch):
            start = time.perf_counter()
            scores = score_contacts(conn, None, as_of=now)
            whole.append(time.perf_counter() - start)
    engine.dispose()
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(f"{backend}: {len(ids)} open leads")
    for label, times, cpus in (("one lead", one, one_cpu), (f"{handful} leads", few, few_cpu)):
        median, p90 = statistics.median(times) * 1000, percentile(times, 0.9) * 1000
        used = statistics.median(cpus) * 1000
        print(f"  {label:12}  median {median:7.2f} ms  p90 {p90:7.2f} ms  cpu median {used:6.2f} ms")
    print(f"  all ({len(scores)})  median {statistics.median(whole) * 1000:7.1f} ms  (of {batch})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+", help="database URLs of built workspaces")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--handful", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for url in args.urls:
        run(url, args.calls, args.handful, args.batch, args.seed)


if __name__ == "__main__":
    main()
