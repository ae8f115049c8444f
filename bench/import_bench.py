"""Import benchmark: tenbin's lead import against a plain floor and pandas, on SQLite and PostgreSQL.

Usage: python bench/import_bench.py [--rows 1000000] [--repeat 3] [--methods a,b,…] [--keep] [--compare REF]

Generates a lead CSV with company columns (bench/gen_leads.py) in /tmp, then runs every method in a
fresh subprocess, so that each run's peak RSS (os.wait4's ru_maxrss of that child) is its own:

  floor-sqlite   csv.reader + executemany into one SQLite table, every column TEXT, no validation
  pandas-sqlite  pandas.read_csv(dtype=str) + DataFrame.to_sql(method=None, chunksize=50_000)
  tenbin-sqlite  tenbin.imports.service.import_file into a freshly migrated SQLite database
  floor-pg       csv.reader + COPY (psycopg write_row) into one PostgreSQL table, every column TEXT
  tenbin-pg      import_file into a fresh database tenbin_bench (C.UTF-8), migrated

Seconds are the median of the runs, timed inside the child around the load only (creating and
migrating the database is not timed); "client CPU s" is the child's CPU time over the same span
(median). For PostgreSQL the RSS and CPU are the client's; the server works in its own processes.
Peak RSS is the largest of the runs. Ratios compare seconds: to the floor of the same database,
and to pandas.

--compare REF (a git commit or branch) adds "tenbin-sqlite@REF" and "tenbin-pg@REF": the same
children run with the package as it was at REF (`git archive REF tenbin`, first on PYTHONPATH),
interleaved with the others, so a before/after comparison shares the machine's moments.
Not part of the test suite (nothing here is collected by pytest).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get("TENBIN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "tenbin_bench"
METHODS = ("floor-sqlite", "pandas-sqlite", "tenbin-sqlite", "floor-pg", "tenbin-pg")
HERE = Path(__file__).resolve().parent


# -- children: one method, one run -----------------------------------------------------------------
def _fresh_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _columns(csv_path: Path) -> list[str]:
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def floor_sqlite(csv_path: Path, work: Path) -> int:
    db = work / "floor.db"
    _fresh_sqlite(db)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")  # as tenbin's engine
    con.execute("PRAGMA synchronous = NORMAL")
    header = _columns(csv_path)
    con.execute(f"CREATE TABLE leads ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
    started = _clock()
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        con.execute("BEGIN")
        insert = "INSERT INTO leads VALUES (" + ", ".join("?" * len(header)) + ")"  # noqa: S608 - placeholders only
        con.executemany(insert, reader)
        con.execute("COMMIT")
    _report(started, _count(con))
    con.close()
    return 0


def _count(con: Any) -> int:
    found = con.execute("SELECT count(*) FROM leads").fetchone()
    assert found is not None
    return int(found[0])


def pandas_sqlite(csv_path: Path, work: Path) -> int:
    import pandas as pd

    db = work / "pandas.db"
    _fresh_sqlite(db)
    con = sqlite3.connect(db)
    started = _clock()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    frame.to_sql("leads", con, index=False, method=None, chunksize=50_000)
    con.commit()
    _report(started, _count(con))
    con.close()
    return 0


def tenbin_sqlite(csv_path: Path, work: Path) -> int:
    from tenbin.db.engine import make_engine
    from tenbin.db.migrate import upgrade

    db = work / "tenbin.db"
    _fresh_sqlite(db)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    return _tenbin(engine, csv_path)


def _tenbin(engine: Any, csv_path: Path) -> int:
    from tenbin.imports.service import import_file

    started = _clock()
    report = import_file(engine, "contacts", csv_path)
    seconds = time.perf_counter() - started[0]
    data = report.as_dict()
    extra = {"status": data["status"], "counts": data["counts"], "account_counts": data["account_counts"]}
    _report(started, data["rows_total"], seconds=seconds, **extra)
    engine.dispose()
    return 0 if report.status == "committed" else 1


def _pg_database(name: str) -> str:
    """A fresh database ``name`` (template0, C.UTF-8); returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(
            text(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
            )
        )
    admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def floor_pg(csv_path: Path, work: Path) -> int:
    import psycopg

    url = _pg_database(PG_DB).replace("postgresql+psycopg://", "postgresql://")
    header = _columns(csv_path)
    with psycopg.connect(url) as con:
        con.execute(f"CREATE TABLE leads ({', '.join(f'c{i} text' for i in range(len(header)))})")
        con.commit()
        started = _clock()
        with open(csv_path, encoding="utf-8-sig", newline="") as fh, con.cursor() as cur:
            reader = csv.reader(fh)
            next(reader)
            with cur.copy("COPY leads FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
        con.commit()
        _report(started, _count(con))
    return 0


def tenbin_pg(csv_path: Path, work: Path) -> int:
    from tenbin.db.engine import make_engine
    from tenbin.db.migrate import upgrade

    engine = make_engine(_pg_database(PG_DB))
    upgrade(engine)
    return _tenbin(engine, csv_path)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _report(started: tuple[float, float], rows: int, *, seconds: float | None = None, **extra: Any) -> None:
    took = time.perf_counter() - started[0] if seconds is None else seconds
    cpu = time.process_time() - started[1]
    print("RESULT " + json.dumps({"seconds": took, "cpu": cpu, "rows": rows, **extra}), flush=True)


CHILDREN = {
    "floor-sqlite": floor_sqlite,
    "pandas-sqlite": pandas_sqlite,
    "tenbin-sqlite": tenbin_sqlite,
    "floor-pg": floor_pg,
    "tenbin-pg": tenbin_pg,
}


# -- parent: generate, run, tabulate ---------------------------------------------------------------
def generate(rows: int) -> Path:
    path = Path(f"/tmp/tenbin_bench_leads_{rows}.csv")
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from gen_leads import main as gen_main

        print(f"generating {path} ({rows:,} leads) …", flush=True)
        gen_main(path, rows, "utf-8-sig")
    return path


def run_child(method: str, csv_path: Path, work: Path, source: Path | None = None) -> dict[str, Any]:
    """One run in a fresh interpreter; ru_maxrss of exactly that child via os.wait4. ``source``: a
    directory holding another version of the ``tenbin`` package to import instead."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--csv", str(csv_path)]
    command += ["--work", str(work)]
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(source), env.get("PYTHONPATH")) if p)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    result: dict[str, Any] | None = next(
        (json.loads(line[7:]) for line in output.splitlines() if line.startswith("RESULT ")), None
    )
    if child.returncode != 0 or result is None:
        raise RuntimeError(f"{method} failed (exit {child.returncode}):\n{output}")
    result["rss_mb"] = usage.ru_maxrss / 1024  # kB on Linux
    return result


def checkout(ref: str, work: Path) -> Path:
    """The ``tenbin`` package as it was at git ``ref``, extracted under ``work``."""
    target = work / f"src-{ref}"
    if not target.exists():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", ref, "tenbin"], cwd=HERE.parent, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as con:
            found = con.execute("SHOW server_version").fetchone()
            return None if found is None else str(found[0])
    except Exception as exc:  # any failure means: skip the PostgreSQL methods
        print(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}; skipping the PostgreSQL methods")
        return None


def _proc_field(path: str, name: str) -> str:
    lines = Path(path).read_text().splitlines() if Path(path).exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name)), "?")


def machine(pg_version: str | None) -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count()),
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "ram": _proc_field("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version or "not available",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table(results: dict[str, list[dict[str, Any]]]) -> list[str]:
    seconds = {m: statistics.median(r["seconds"] for r in runs) for m, runs in results.items()}
    floor = {"sqlite": seconds.get("floor-sqlite"), "pg": seconds.get("floor-pg")}
    pandas = seconds.get("pandas-sqlite")
    lines = [
        "| method | rows | runs | seconds (median) | rows/s | client CPU s | peak RSS MB | × floor | × pandas |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, runs in results.items():
        rows, took = runs[0]["rows"], seconds[method]
        base = floor["pg" if method.partition("@")[0].endswith("-pg") else "sqlite"]
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        ratio_floor = f"{took / base:.2f}" if base else "–"
        ratio_pandas = f"{took / pandas:.2f}" if pandas else "–"
        lines.append(
            f"| {method} | {rows:,} | {len(runs)} | {took:.2f} | {rows / took:,.0f} | {cpu:.1f} | {rss:,.0f} "
            f"| {ratio_floor} | {ratio_pandas} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--keep", action="store_true", help="keep the databases in the work directory")
    parser.add_argument("--compare", metavar="REF", help="also run tenbin as it was at this git commit")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tenbin_bench"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        return CHILDREN[args.child](args.csv, args.work)
    methods = [m for m in args.methods.split(",") if m]
    pg_version = pg_available() if any(m.endswith("-pg") for m in methods) else None
    if pg_version is None:
        methods = [m for m in methods if not m.endswith("-pg")]
    csv_path = generate(args.rows)
    source = checkout(args.compare, args.work) if args.compare else None
    runs = [(m, None) for m in methods]
    if source is not None:
        runs = [r for m in methods for r in ([(m, None), (m, source)] if m.startswith("tenbin") else [(m, None)])]
    results: dict[str, list[dict[str, Any]]] = {}
    for repeat in range(args.repeat):
        for child, src in runs:  # interleaved, so a busy moment on the machine hits every method
            method = child if src is None else f"{child}@{args.compare}"
            result = run_child(child, csv_path, args.work, src)
            results.setdefault(method, []).append(result)
            print(
                f"run {repeat + 1}/{args.repeat} {method}: {result['seconds']:.2f} s, "
                f"{result['rows'] / result['seconds']:,.0f} rows/s, {result['rss_mb']:,.0f} MB",
                flush=True,
            )
    print()
    for key, value in machine(pg_version).items():
        print(f"{key}: {value}")
    compare = f" --compare {args.compare}" if args.compare else ""
    print(f"command: python bench/import_bench.py --rows {args.rows} --repeat {args.repeat}{compare}")
    print("\n".join(table(results)))
    if not args.keep:
        for path in args.work.glob("*.db*"):
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
