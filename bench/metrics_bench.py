"""ICP-rate metrics benchmark: 1,000,000 leads and 3,000,000 stage events, on SQLite and PostgreSQL,
against a plain ``SELECT count(*) FROM contacts`` measured in the same run.

Usage: python bench/metrics_bench.py [--leads 1000000] [--events 3000000] [--repeat 7] [--skip-pg]
       [--plans] [--live] [--keep] [--refresh-leads 10000] [--dashboard]

Data (synthetic, seeded, :func:`generate`): 200,000 accounts (industry, employees and band),
1,000,000 leads over 36 months (2023-04 … 2026-03) at those accounts (5 % without one), 80 campaigns
in 8 channels, ~1.1 M responses (a lead's first response is at its acquisition), owners from 25
names of which 20 are members of 4 teams, and exactly ``--events`` contact-level stage events
(MQL/SQL/won/retained up to each lead's furthest stage, then re-entries). ICP version 1 (current):
``industry in ("E", "G") and employees >= 100``; version 2: ``industry = "E"``.

The SQLite file is kept in ``$TMPDIR/tenbin_bench_metrics`` and reused when its parameters match;
the PostgreSQL database ``tenbin_bench_metrics`` (C.UTF-8) is dropped at the end unless ``--keep``
(then reused the same way).

Times are medians of ``--repeat`` warm runs after one warm-up run, each through the public service
(``tenbin.metrics.service``); the ratio is to the median of ``count(*)`` taken interleaved in the
same loop. ``--live`` also times the straightforward statements without the precomputed facts
(one run each: they take seconds). ``--refresh-leads N`` imports N more leads (with responses and
events) through plain inserts and times the next call (the facts refresh) and the refresh alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tenbin.db import schema as s
from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.imports.dbio import insert_rows

PG_ADMIN = os.environ.get("TENBIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_NAME = "tenbin_bench_metrics"
START = np.datetime64("2023-04-01T00:00", "m")
MINUTES = 36 * 30 * 24 * 60  # ≈ 36 months
INDUSTRIES = np.array(list("DEGHIKLRAB"))
BANDS = ((1, 9, "1-9"), (10, 49, "10-49"), (50, 99, "50-99"), (100, 299, "100-299"), (300, 499, "300-499"),
         (500, 999, "500-999"), (1000, 4999, "1000-4999"), (5000, 10**9, "5000+"))  # fmt: skip
CHANNELS = ("ウェビナー", "展示会", "広告", "ホワイトペーパーDL", "問い合わせ", "比較サイト", "紹介", "DM")
TEAM_NAMES = ("インサイドセールス", "フィールドセールス", "アカウントセールス", "デジタルセールス")
TEAM_KINDS = ("inside_sales", "sales", "account_sales", "digital")
CHUNK = 200_000


def _stamps(minutes: np.ndarray) -> list[str]:
    """Minutes since START as SQLAlchemy's SQLite text form (PostgreSQL parses it too)."""
    values = np.datetime_as_string(START + minutes.astype("timedelta64[m]"), unit="s")
    return [v.replace("T", " ") + ".000000" for v in values.tolist()]


def _write(conn: Any, table: Any, columns: list[str], data: dict[str, Any], n: int) -> None:
    columns = [c.name for c in table.c if c.name in columns]  # positional rows follow the table's order
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        rows = [list(r) for r in zip(*(data[c][lo:hi] for c in columns), strict=True)]
        insert_rows(conn, table, columns, rows, in_place=True)


def _reference(conn: Any, rng: np.random.Generator) -> None:
    conn.execute(insert(s.teams), [{"id": i + 1, "name": n, "kind": k}
                                   for i, (n, k) in enumerate(zip(TEAM_NAMES, TEAM_KINDS, strict=True))])  # fmt: skip
    conn.execute(insert(s.team_members), [{"team_id": 1 + i % 4, "name": f"担当{i:02d}"} for i in range(20)])
    channels = rng.integers(0, len(CHANNELS), 80)
    conn.execute(insert(s.campaigns), [
        {"id": i + 1, "name": f"キャンペーン{i + 1:03d}", "channel": CHANNELS[channels[i]],
         "orientation": "quality" if channels[i] in (0, 6) else "quantity", "cost": int(rng.integers(1, 50)) * 100_000,
         "starts_on": dt.date(2023, 4, 1) + dt.timedelta(days=int(i * 13))}
        for i in range(80)
    ])  # fmt: skip
    conn.execute(insert(s.icp_versions), [
        {"version": 1, "name": "製造・情報通信 100名以上", "rules": 'industry in ("E", "G") and employees >= 100',
         "is_current": True},
        {"version": 2, "name": "製造業", "rules": 'industry = "E"', "is_current": False},
    ])  # fmt: skip


def _accounts(conn: Any, rng: np.random.Generator, n: int, first: int) -> None:
    employees = np.round(rng.lognormal(4.2, 1.4, n)).astype(np.int64) + 1
    band = np.empty(n, dtype=object)
    for low, high, name in BANDS:
        band[(employees >= low) & (employees <= high)] = name
    ids = np.arange(first, first + n)
    names = [f"企業{i}" for i in ids.tolist()]
    data = {"id": ids.tolist(), "name": names, "name_key": names, "employees": employees.tolist(),
            "industry_code": rng.choice(INDUSTRIES, n).tolist(), "employee_band": band.tolist()}  # fmt: skip
    _write(conn, s.accounts, list(data), data, n)


def generate_leads(conn: Any, rng: np.random.Generator, n: int, events: int, first: int, accounts: int,
                   offers: list[int], stages: list[int]) -> None:  # fmt: skip
    """``n`` leads with ids from ``first``, their responses and exactly ``events`` stage events."""
    ids = np.arange(first, first + n)
    acquired = rng.integers(0, MINUTES, n)
    account = rng.integers(1, accounts + 1, n).astype(object)
    account[rng.random(n) < 0.05] = None
    owner = np.array([f"担当{i:02d}" for i in range(25)], dtype=object)[rng.integers(0, 25, n)]
    owner[rng.random(n) < 0.1] = None
    _write(conn, s.contacts, ["id", "account_id", "acquired_at", "owner", "email"],
           {"id": ids.tolist(), "account_id": account.tolist(), "acquired_at": _stamps(acquired),
            "owner": owner.tolist(), "email": [f"lead{i}@example.jp" for i in ids.tolist()]}, n)  # fmt: skip
    responses = rng.choice(np.array([0, 1, 2]), n, p=[0.1, 0.7, 0.2])
    who = np.repeat(np.arange(n), responses)
    nth = np.concatenate([np.arange(k) for k in responses]) if len(who) else np.zeros(0, dtype=np.int64)
    at = acquired[who] + nth * rng.integers(1, 60 * 24 * 30, len(who))
    campaign = (acquired[who] // (MINUTES // 70) + rng.integers(0, 10, len(who))) % 80 + 1
    offer = np.array([*offers, None], dtype=object)[rng.integers(0, len(offers) + 1, len(who))]
    _write(conn, s.responses, ["contact_id", "campaign_id", "offer_id", "responded_at"],
           {"contact_id": ids[who].tolist(), "campaign_id": campaign.tolist(), "offer_id": offer.tolist(),
            "responded_at": _stamps(at)}, len(who))  # fmt: skip
    # furthest stage: none 10 %, mql 40 %, sql 30 %, won 15 %, retained 5 %; each stage up to it has
    # its own event with probability 0.9 (a won lead without an SQL event still reached SQL)
    top = rng.choice(np.arange(5), n, p=[0.1, 0.4, 0.3, 0.15, 0.05])
    lead_ix, stage_ix = [], []
    for position in range(1, 5):
        has = np.flatnonzero((top >= position) & (rng.random(n) < 0.9))
        lead_ix.append(has)
        stage_ix.append(np.full(len(has), position))
    lead_e, stage_e = np.concatenate(lead_ix), np.concatenate(stage_ix)
    if len(lead_e) > events:
        keep = rng.choice(len(lead_e), events, replace=False)
        lead_e, stage_e = lead_e[keep], stage_e[keep]
    extra = events - len(lead_e)
    if extra > 0:  # re-entries: a lead enters a stage it reached again, later
        again = rng.integers(0, len(lead_e), extra)
        lead_e, stage_e = np.concatenate([lead_e, lead_e[again]]), np.concatenate([stage_e, stage_e[again]])
    entered = acquired[lead_e] + stage_e * rng.integers(60 * 24 * 3, 60 * 24 * 30, len(lead_e))
    stage_id = np.array(stages)[stage_e]
    _write(conn, s.stage_events, ["contact_id", "stage_id", "entered_at"],
           {"contact_id": ids[lead_e].tolist(), "stage_id": stage_id.tolist(), "entered_at": _stamps(entered)},
           len(lead_e))  # fmt: skip


def generate(engine: Engine, leads: int, events: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    with engine.begin() as conn:
        offers = list(conn.execute(select(s.offers.c.id).order_by(s.offers.c.ladder_rank)).scalars())
        stages = list(conn.execute(select(s.funnel_stages.c.id).order_by(s.funnel_stages.c.position)).scalars())
        _reference(conn, rng)
        _accounts(conn, rng, leads // 5, 1)
        generate_leads(conn, rng, leads, events, 1, leads // 5, offers, stages)
    _analyze(engine)
    print(f"  generated {leads:,} leads, {events:,} stage events on {engine.dialect.name} "
          f"in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip


def _analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _pg_engine(keep: bool) -> tuple[Engine, bool, Callable[[], None]]:
    """The bench database (reused when ``keep`` and it exists), whether it existed, and a closer."""
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_NAME}).first()
        if exists is None or not keep:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{PG_NAME}\" TEMPLATE template0 ENCODING 'UTF8' "
                              "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))  # fmt: skip
    engine = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}")

    def close() -> None:
        engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        admin.dispose()

    return engine, exists is not None and keep, close


def _sqlite_engine(leads: int, events: int) -> tuple[Engine, bool]:
    folder = Path(tempfile.gettempdir()) / "tenbin_bench_metrics"
    folder.mkdir(exist_ok=True)
    path = folder / f"bench_{leads}_{events}.db"
    marker = path.with_suffix(".json")
    reuse = path.exists() and marker.exists() and json.loads(marker.read_text()) == {"leads": leads, "events": events}
    if not reuse:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), marker):
            p.unlink(missing_ok=True)
    return make_engine(f"sqlite:///{path}"), reuse


def _prepare(engine: Engine, reuse: bool, leads: int, events: int) -> None:
    upgrade(engine)
    if reuse:
        with engine.connect() as conn:
            have = int(conn.execute(select(func.count()).select_from(s.contacts)).scalar_one())
        if have >= leads:
            print(f"  reusing {have:,} leads on {engine.dialect.name}", flush=True)
            return
    generate(engine, leads, events)


def _calls() -> list[tuple[str, Callable[[Engine], Any]]]:
    from tenbin.metrics.service import (
        CampaignCostQuery,
        ConversionQuery,
        IcpRateQuery,
        compute_campaign_costs,
        compute_conversion,
        compute_icp_rate,
    )

    return [
        ("icp-rate by campaign × stage × month",
         lambda e: compute_icp_rate(e, IcpRateQuery(by=("campaign", "stage", "month")))),
        ("icp-rate by stage", lambda e: compute_icp_rate(e, IcpRateQuery(by=("stage",)))),
        ("icp-rate by month, stage sql", lambda e: compute_icp_rate(e, IcpRateQuery(by=("month",), stage="sql"))),
        ("conversion lead→sql, sql→won", lambda e: compute_conversion(e, ConversionQuery())),
        ("campaign costs", lambda e: compute_campaign_costs(e, CampaignCostQuery())),
    ]  # fmt: skip


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(s.contacts)).scalar_one())


def _time(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(engine: Engine, repeat: int) -> list[tuple[str, float, float]]:
    """(call, median seconds, median count(*) seconds of the same loop) per call."""
    rows = []
    for name, call in _calls():
        call(engine)  # warm-up (and the facts refresh when they are stale)
        _count(engine)
        subject, floor = [], []
        for _ in range(repeat):
            floor.append(_time(lambda: _count(engine)))
            subject.append(_time(lambda c=call: c(engine)))  # type: ignore[misc]
        rows.append((name, statistics.median(subject), statistics.median(floor)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--refresh-leads", type=int, default=0)
    parser.add_argument("--dashboard", action="store_true")
    args = parser.parse_args()
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    print(f"# ICP-rate metrics, {args.leads:,} leads, {args.events:,} stage events — {machine}, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    backends: list[tuple[str, Engine, Callable[[], None]]] = []
    if not args.skip_sqlite:
        engine, reuse = _sqlite_engine(args.leads, args.events)
        _prepare(engine, reuse, args.leads, args.events)
        marker = Path(str(engine.url.database)).with_suffix(".json")
        marker.write_text(json.dumps({"leads": args.leads, "events": args.events}))
        backends.append(("SQLite", engine, engine.dispose))
    if not args.skip_pg:
        engine, reuse, close = _pg_engine(args.keep)
        _prepare(engine, reuse, args.leads, args.events)
        backends.append(("PostgreSQL", engine, close))
    for label, engine, close in backends:
        try:
            _report(label, engine, args)
        finally:
            close()


def _plans(engine: Engine) -> None:
    from tenbin.metrics import cells
    from tenbin.metrics import leads as lq
    from tenbin.metrics.model import IcpRateQuery

    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        funnel = lq.load_funnel(conn)
        by = IcpRateQuery(by=("campaign", "stage", "month"))
        statements = [("count(*)", select(func.count()).select_from(s.contacts)),
                      ("campaign × stage × month (cells)", cells.icp_rate(funnel, by, 1))]  # fmt: skip
        for name, statement in statements:
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            print(f"\nPlan of {name}:\n```")
            for row in conn.exec_driver_sql(explain + sql):
                print(row[-1])
            print("```")


def _refresh_cost(engine: Engine, leads: int, added: int) -> tuple[float, float]:
    """Import ``added`` leads (3 stage events each), time the next call (it rebuilds the cells) and
    read the rebuild's own seconds; then delete them again (and rebuild, untimed)."""
    from tenbin.metrics.service import IcpRateQuery, compute_icp_rate

    with engine.begin() as conn:
        first = int(conn.execute(select(func.max(s.contacts.c.id))).scalar_one()) + 1
        offers = list(conn.execute(select(s.offers.c.id).order_by(s.offers.c.ladder_rank)).scalars())
        stages = list(conn.execute(select(s.funnel_stages.c.id).order_by(s.funnel_stages.c.position)).scalars())
        generate_leads(conn, np.random.default_rng(first), added, 3 * added, first, leads // 5, offers, stages)
    query = IcpRateQuery(by=("campaign", "stage", "month"))
    call = _time(lambda: compute_icp_rate(engine, query))
    with engine.connect() as conn:
        state = s.metric_cells_state
        rebuild = float(conn.execute(select(state.c.seconds).where(state.c.icp_version == 1)).scalar_one())
    with engine.begin() as conn:
        conn.execute(s.contacts.delete().where(s.contacts.c.id >= first))
    compute_icp_rate(engine, query)
    return call, rebuild


def _dashboard(engine: Engine, repeat: int) -> tuple[float, float]:
    """Median seconds of GET /dashboard (signed in; uvicorn on 127.0.0.1, a subprocess) and of
    /healthz in the same loop."""
    import socket
    import subprocess

    import httpx2

    from tenbin.auth import service as auth

    password = "bench password 12345"
    if "bench" not in {u.username for u in auth.list_users(engine)}:
        auth.add_user(engine, username="bench", role="admin", password=password, actor="bench")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "TENBIN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "TENBIN_SECRET_KEY": "b" * 48}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tenbin.web.asgi:app_factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(cmd, env=env)
    try:
        client = httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
        for _ in range(300):
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.2)
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "bench", "password": password, "csrf_token": csrf})
        assert client.get("/dashboard").status_code == 200  # warm-up
        page, health = [], []
        for _ in range(repeat):
            health.append(_time(lambda: client.get("/healthz")))
            page.append(_time(lambda: client.get("/dashboard").raise_for_status()))
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return statistics.median(page), statistics.median(health)


def _report(label: str, engine: Engine, args: argparse.Namespace) -> None:
    print(f"\n### {label}\n")
    rows = measure(engine, args.repeat)
    print("| call | median ms | count(*) ms (same loop) | ratio | ≤ 250 ms |\n|---|---:|---:|---:|:---:|")
    for name, seconds, floor in rows:
        print(f"| {name} | {seconds * 1000:.1f} | {floor * 1000:.1f} | {seconds / floor:.1f} | "
              f"{'yes' if seconds <= 0.25 else 'NO'} |", flush=True)  # fmt: skip
    if args.live:
        _live(engine)
    if args.plans:
        _plans(engine)
    if args.refresh_leads:
        call, rebuild = _refresh_cost(engine, args.leads, args.refresh_leads)
        print(f"\nAfter importing {args.refresh_leads:,} leads: next call {call:.1f} s, of which the cells "
              f"rebuild {rebuild:.1f} s", flush=True)  # fmt: skip
    if args.dashboard:
        page, health = _dashboard(engine, args.repeat)
        print(f"\nGET /dashboard: median {page * 1000:.0f} ms (/healthz {health * 1000:.1f} ms, same loop)", flush=True)


def _live(engine: Engine) -> None:
    """One run of each call's straightforward statement (over the leads, no cells)."""
    from tenbin.icp.versions import version_condition
    from tenbin.metrics import leads as lq
    from tenbin.metrics import statements
    from tenbin.metrics.model import IcpRateQuery

    with engine.connect() as conn:
        funnel, condition = lq.load_funnel(conn), version_condition(conn)
        for by in (("campaign", "stage", "month"), ("stage",)):
            seconds = _time(lambda b=by: conn.execute(statements.icp_rate(funnel, IcpRateQuery(by=b), condition)).all())  # type: ignore[misc]
            print(f"\nWithout the cells, icp-rate by {' × '.join(by)}: {seconds:.1f} s (one run)", flush=True)


if __name__ == "__main__":
    main()
