"""ICP discovery end to end on a workspace: 100,000 customers × 20 attributes, depth 3, on SQLite (and
PostgreSQL unless --skip-pg), timed by stage: loading the population from SQL, the statistical
screen (split, exact search, BH, held-out check) and the evidence of the top candidates.

Usage: python bench/icp_discovery_bench.py [--customers 100000] [--repeat 3] [--skip-pg] [--compare REF]

Attributes: industry, employees, revenue, prefecture, listing, named account (6 standard), 6 numeric
and 6 categorical custom attributes, and 2 challenge categories (flags) = 20. LTV is lognormal with
a planted segment (industry E and 300–999 employees, × 2.5). Baseline in the same run: the search
alone on the same in-memory columns (what bench/icp_search_bench.py compares with pysubgroup).

Each stage reports wall-clock seconds and this process's CPU seconds (less disturbed by other jobs
on a shared machine; PostgreSQL's own work is not in it). ``--compare REF`` also times
``discover_icp`` as tenbin was at git commit REF (extracted with ``git archive``, run in a child
process on the same database), interleaved with the current code's runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from icp_match_bench import PG_ADMIN

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.icp.attributes import load_catalog
from tenbin.icp.discover import Options, discover_icp
from tenbin.icp.population import load_population
from tenbin.icp.screen import Settings, screen
from tenbin.icp.search import search

CHUNK = 50_000
HERE = Path(__file__).resolve().parent
PG_NAME = "tenbin_icp_discovery_bench"
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import tenbin
assert tenbin.__file__.startswith(sys.argv[1]), tenbin.__file__
from tenbin.db.engine import make_engine
from tenbin.icp.attributes import load_catalog
from tenbin.icp.discover import Options, discover_icp
with make_engine(sys.argv[2]).connect() as conn:
    catalog = load_catalog(conn)
    wall, cpu = time.perf_counter(), time.process_time()
    result = discover_icp(conn, catalog, Options(target="ltv"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "best": result.best.rule if result.best else "-"}))
"""


def _pg_engine() -> tuple[Engine, object]:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{PG_NAME}\" TEMPLATE template0 ENCODING 'UTF8' "
                          "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))  # fmt: skip
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}")

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        admin.dispose()

    return engine, drop


def checkout(ref: str, work: Path) -> Path:
    """The ``tenbin`` package as it was at git ``ref``, extracted under ``work``."""
    target = work / f"src-{ref}"
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "tenbin"], cwd=HERE.parent, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def discover_at(source: Path, url: str) -> dict[str, object]:
    """``discover_icp`` end to end with the tenbin package under ``source`` (a child process)."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(source), url], check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def _once(engine: Engine) -> tuple[dict[str, tuple[float, float]], Any, Any]:
    """One run of every stage: (wall, CPU) seconds by stage, the population and the discovery."""
    with engine.connect() as conn:
        catalog = load_catalog(conn)
        t = _clock()
        pop = load_population(conn, catalog, "ltv")
        stages = {"load": _since(t)}
        t = _clock()
        screen(pop, Settings())
        stages["screen"] = _since(t)
        t = _clock()
        search(list(pop.columns), pop.values, depth=3, min_support=max(10, int(0.02 * len(pop.values) / 2)),
               top_k=200, a=1.0)  # fmt: skip
        stages["search only"] = _since(t)
        t = _clock()
        result = discover_icp(conn, catalog, Options(target="ltv"))
        stages["discover (end to end)"] = _since(t)
    return stages, pop, result


def measure(engine: Engine, repeat: int, old: tuple[str, Path] | None) -> dict[str, tuple[float, float]]:
    """Medians (wall, CPU) by stage; with ``old`` = (ref, source) the old discover runs after each new one."""
    times: dict[str, list[tuple[float, float]]] = {}
    url = engine.url.render_as_string(hide_password=False)
    for _ in range(repeat):
        stages, pop, result = _once(engine)
        best = result.best.rule if result.best else "-"
        if old:
            ran = discover_at(old[1], url)
            assert ran["best"] == best, ran  # the same best candidate before and after
            stages[f"discover at {old[0]}"] = (float(ran["wall"]), float(ran["cpu"]))  # type: ignore[arg-type]
        for stage, seconds in stages.items():
            times.setdefault(stage, []).append(seconds)
    print(f"  {len(pop.values):,} customers × {len(pop.columns)} attributes; best passing candidate: {best}")
    return {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--compare", metavar="REF", help="also time discover_icp as tenbin was at this git commit")
    args = parser.parse_args()
    print(f"# ICP discovery end to end, {args.customers:,} customers — {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start\n")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        old = (args.compare, checkout(args.compare, Path(tmp))) if args.compare else None
        backends: list[tuple[str, Engine, Any]] = [("SQLite", make_engine(f"sqlite:///{tmp}/bench.db"), None)]
        if not args.skip_pg:
            backends.append(("PostgreSQL", *_pg_engine()))
        for label, engine, drop in backends:
            upgrade(engine)
            generate(engine, args.customers)
            medians = measure(engine, args.repeat, old)
            print(f"\n### {label}\n\n| stage | median wall s | median CPU s | ≤ 10 s |\n|---|---:|---:|:---:|")
            for stage, (wall, cpu) in medians.items():
                print(f"| {stage} | {wall:.2f} | {cpu:.2f} | {'yes' if wall <= 10 else 'NO'} |")
            print(
                f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process so far); "
                f"load average {os.getloadavg()[0]:.1f} at the end"
            )
            engine.dispose()
            if drop:
                drop()


if __name__ == "__main__":
    main()
