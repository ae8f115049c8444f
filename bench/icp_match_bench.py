"""ICP rule matching benchmark: counting the accounts that match a definition over 1,000,000 accounts,
on SQLite and PostgreSQL, against a hand-written SQL floor measured in the same run.

Usage: python bench/icp_match_bench.py [--accounts 1000000] [--repeat 5] [--skip-pg]

Data (synthetic, seeded): accounts with industry, employees (and band), revenue (and band),
prefecture, listing; a custom number attribute (資本金) on 60 % of them; challenges with a category
on 20 % of them. Each definition is parsed, compiled by tenbin (tenbin.icp.compile) and counted with
``SELECT count(*) FROM accounts WHERE <compiled>``; the floor is the same filter written by hand with
SQLAlchemy Core on the same table (for the simple rule) and ``SELECT count(*) FROM accounts``.
Seconds are medians of ``--repeat`` runs after one warm-up run. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, and_, create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tenbin.db import schema
from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.icp.attributes import load_catalog
from tenbin.icp.versions import Criterion, check_definition, definition_sql

PG_ADMIN = os.environ.get("TENBIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RULES: list[tuple[str, str, list[Criterion] | None, float | None]] = [
    ("simple", 'industry = "E" and employees between 300 and 999', None, None),
    ("or/in/not", 'industry in ("E", "G") and (prefecture = "13" or revenue >= 10億) and not listing = "tse_prime"',
     None, None),
    ("custom attribute", 'industry = "E" and 資本金 >= 1億', None, None),
    ("challenge category", 'employees >= 300 and challenge.category = "属人化・ナレッジ継承"', None, None),
    ("weighted criteria", "", [Criterion('industry = "E"', 3), Criterion("employees between 300 and 999", 2),
                               Criterion('challenge.category = "属人化・ナレッジ継承"', 1)], 60.0),
]  # fmt: skip


def generate(engine: Engine, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    industry = rng.choice(np.array(list("DEGHIKLR")), n)
    employees = np.round(rng.lognormal(4.5, 1.3, n)).astype(int) + 1
    revenue = (employees * rng.lognormal(17.0, 0.6, n)).astype(np.int64)
    pref = np.char.zfill(rng.integers(1, 48, n).astype(str), 2)
    listing = rng.choice(
        np.array(["unlisted", "tse_prime", "tse_standard", "tse_growth"]), n, p=[0.9, 0.04, 0.04, 0.02]
    )
    started = time.perf_counter()
    with engine.begin() as conn:
        chunk = 50_000
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            conn.execute(insert(schema.accounts), [
                {"id": i + 1, "name": f"企業{i + 1}", "name_key": f"企業{i + 1}", "industry_code": str(industry[i]),
                 "employees": int(employees[i]), "revenue": int(revenue[i]), "prefecture_code": str(pref[i]),
                 "listing": str(listing[i])}
                for i in range(lo, hi)
            ])  # fmt: skip
        conn.execute(insert(schema.attribute_definitions).values(id=1, entity="accounts", key="資本金",
                                                                 label="資本金", type="number"))  # fmt: skip
        has = np.flatnonzero(rng.random(n) < 0.6)
        capital = np.round(rng.lognormal(17.5, 1.2, len(has)), -4)
        for lo in range(0, len(has), chunk):
            conn.execute(insert(schema.custom_values), [
                {"attribute_id": 1, "record_id": int(has[i]) + 1, "value_text": str(int(capital[i])),
                 "value_number": float(capital[i])} for i in range(lo, min(len(has), lo + chunk))
            ])  # fmt: skip
        cc = schema.challenge_categories
        cats = dict(conn.execute(select(cc.c.name, cc.c.id).order_by(cc.c.id)).all())
        names = list(cats)
        who = np.flatnonzero(rng.random(n) < 0.2)
        which = rng.integers(0, len(names), len(who))
        for lo in range(0, len(who), chunk):
            conn.execute(insert(schema.challenges), [
                {"statement": "課題", "category_id": cats[names[which[i]]], "tags": [], "account_id": int(who[i]) + 1}
                for i in range(lo, min(len(who), lo + chunk))
            ])  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"  generated {n:,} accounts on {engine.dialect.name} in {time.perf_counter() - started:.1f} s", flush=True)


def timed(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    result = run()  # warm-up
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        again = run()
        seconds.append(time.perf_counter() - started)
        assert again == result
    return statistics.median(seconds), result


def measure(engine: Engine, repeat: int) -> list[tuple[str, float, int]]:
    a = schema.accounts
    rows = []
    with engine.connect() as conn:
        catalog = load_catalog(conn)

        def count(where: object) -> Callable[[], int]:
            return lambda: int(conn.execute(select(func.count()).select_from(a).where(where)).scalar_one())  # type: ignore[arg-type]

        floor = lambda: int(conn.execute(select(func.count()).select_from(a)).scalar_one())  # noqa: E731
        rows.append(("floor: count(*) of all accounts", *timed(floor, repeat)))
        by_hand = and_(a.c.industry_code == "E", a.c.employees.between(300, 999))
        rows.append(("floor: simple rule written by hand", *timed(count(by_hand), repeat)))
        for name, rule, criteria, threshold in RULES:
            started = time.perf_counter()
            definition = check_definition(catalog, rule, criteria, threshold)
            condition = definition_sql(definition)
            compile_ms = (time.perf_counter() - started) * 1000
            seconds, hits = timed(count(condition), repeat)
            rows.append((f"tenbin: {name} (parse+compile {compile_ms:.1f} ms)", seconds, hits))
    return rows


def _pg_engine() -> tuple[Engine, Callable[[], None]]:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = "tenbin_icp_bench"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                          "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))  # fmt: skip
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return engine, drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"# ICP matching, {args.accounts:,} accounts — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n")  # fmt: skip
    backends: list[tuple[str, Engine, Callable[[], None]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = make_engine(f"sqlite:///{tmp}/bench.db")
        backends.append(("SQLite", sqlite, sqlite.dispose))
        if not args.skip_pg:
            backends.append(("PostgreSQL", *_pg_engine()))
        for label, engine, close in backends:
            upgrade(engine)
            generate(engine, args.accounts)
            rows = measure(engine, args.repeat)
            print(f"\n### {label}\n\n| query | median s | matches | ≤ 2 s |\n|---|---:|---:|:---:|")
            for name, seconds, hits in rows:
                print(f"| {name} | {seconds:.3f} | {hits:,} | {'yes' if seconds <= 2 else 'NO'} |")
            close()


if __name__ == "__main__":
    main()
