"""ICP discovery end to end on a workspace: 100,000 customers × 20 attributes, depth 3, on SQLite (and
PostgreSQL unless --skip-pg), timed by stage: loading the population from SQL, the statistical
screen (split, exact search, BH, held-out check) and the evidence of the top candidates.

Usage: python bench/icp_discovery_bench.py [--customers 100000] [--repeat 3] [--skip-pg]

Attributes: industry, employees, revenue, prefecture, listing, named account (6 standard), 6 numeric
and 6 categorical custom attributes, and 2 challenge categories (flags) = 20. LTV is lognormal with
a planted segment (industry E and 300–999 employees, × 2.5). Baseline in the same run: the search
alone on the same in-memory columns (what bench/icp_search_bench.py compares with pysubgroup).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from icp_match_bench import _pg_engine

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.icp.attributes import load_catalog
from tenbin.icp.discover import Options, discover_icp
from tenbin.icp.population import load_population
from tenbin.icp.screen import Settings, screen
from tenbin.icp.search import search

CHUNK = 50_000


def _rows(table: object, rows: list[dict[str, object]], conn: object) -> None:
    for lo in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[lo : lo + CHUNK])  # type: ignore[attr-defined]


def generate(engine: Engine, n: int, seed: int = 2) -> None:
    rng = np.random.default_rng(seed)
    industry = rng.choice(np.array(list("DEGHIKLR")), n)
    employees = rng.choice(np.array([8, 30, 80, 150, 400, 700, 2000, 6000]), n)
    planted = (industry == "E") & (employees >= 300) & (employees <= 999)
    ltv = np.round(rng.lognormal(14.0, 0.8, n) * np.where(planted, 2.5, 1.0), -3)
    start = dt.date(2023, 1, 1)
    days = rng.integers(0, 900, n)
    started = time.perf_counter()
    with engine.begin() as conn:
        _rows(schema.accounts, [
            {"id": i + 1, "name": f"企業{i + 1}", "name_key": f"企業{i + 1}", "industry_code": str(industry[i]),
             "employees": int(employees[i]), "revenue": int(employees[i]) * int(rng.integers(5, 50)) * 1_000_000,
             "prefecture_code": f"{int(rng.integers(1, 48)):02d}",
             "listing": "unlisted" if rng.random() < 0.9 else "tse_prime",
             "is_named_account": bool(rng.random() < 0.1), "customer_since": start + dt.timedelta(days=int(days[i]))}
            for i in range(n)
        ], conn)  # fmt: skip
        _rows(schema.revenue_lines, [
            {"account_id": i + 1, "recognized_on": start + dt.timedelta(days=int(days[i])), "amount": int(ltv[i]),
             "gross_profit": int(ltv[i]) // 2} for i in range(n)
        ], conn)  # fmt: skip
        defs = [(k + 1, f"数値{k + 1}", "number") for k in range(6)] + [
            (k + 7, f"区分{k + 1}", "text") for k in range(6)
        ]
        conn.execute(insert(schema.attribute_definitions), [
            {"id": d, "entity": "accounts", "key": key, "label": key, "type": t} for d, key, t in defs
        ])  # fmt: skip
        values = []
        for d, _, t in defs:
            numbers = rng.lognormal(3, 1, n)
            levels = rng.integers(0, 3 + d % 10, n)
            for i in range(n):
                if t == "number":
                    values.append({"attribute_id": d, "record_id": i + 1, "value_text": f"{numbers[i]:.2f}",
                                   "value_number": float(round(numbers[i], 2))})  # fmt: skip
                else:
                    values.append({"attribute_id": d, "record_id": i + 1, "value_text": f"値{levels[i]}",
                                   "value_number": None})  # fmt: skip
        _rows(schema.custom_values, values, conn)
        cc = schema.challenge_categories
        cats = list(conn.execute(select(cc.c.id).order_by(cc.c.id)).scalars())[:2]
        _rows(schema.challenges, [
            {"statement": "課題", "category_id": cats[k], "tags": [], "account_id": i + 1}
            for k in range(2) for i in np.flatnonzero(rng.random(n) < 0.25 + 0.2 * k).tolist()
        ], conn)  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"  generated {n:,} customers on {engine.dialect.name} in {time.perf_counter() - started:.1f} s", flush=True)


def measure(engine: Engine, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"load": [], "screen": [], "search only": [], "discover (end to end)": []}
    best = ""
    for _ in range(repeat):
        with engine.connect() as conn:
            catalog = load_catalog(conn)
            t0 = time.perf_counter()
            pop = load_population(conn, catalog, "ltv")
            t1 = time.perf_counter()
            screen(pop, Settings())
            t2 = time.perf_counter()
            search(list(pop.columns), pop.values, depth=3, min_support=max(10, int(0.02 * len(pop.values) / 2)),
                   top_k=200, a=1.0)  # fmt: skip
            t3 = time.perf_counter()
            result = discover_icp(conn, catalog, Options(target="ltv"))
            t4 = time.perf_counter()
        times["load"].append(t1 - t0)
        times["screen"].append(t2 - t1)
        times["search only"].append(t3 - t2)
        times["discover (end to end)"].append(t4 - t3)
        best = result.best.rule if result.best else "—"
        columns = len(pop.columns)
    print(f"  {len(pop.values):,} customers × {columns} attributes; best passing candidate: {best}")
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"# ICP discovery end to end, {args.customers:,} customers — {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", make_engine(f"sqlite:///{tmp}/bench.db"), None)]
        if not args.skip_pg:
            engine, drop = _pg_engine()
            backends.append(("PostgreSQL", engine, drop))
        for label, engine, drop in backends:
            upgrade(engine)
            generate(engine, args.customers)
            medians = measure(engine, args.repeat)
            print(f"\n### {label}\n\n| stage | median s | ≤ 10 s |\n|---|---:|:---:|")
            for stage, seconds in medians.items():
                print(f"| {stage} | {seconds:.2f} | {'yes' if seconds <= 10 else 'NO'} |")
            print(
                f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process so far)"
            )
            engine.dispose()
            if drop:
                drop()


if __name__ == "__main__":
    main()
