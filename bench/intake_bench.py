"""Load bench of real-time intake: ``POST /api/v1/leads`` at a fixed rate, open loop, on loopback.

The app runs under uvicorn on 127.0.0.1 (a subprocess; ``--workers`` processes) on a temporary
workspace: a SQLite file in a temp directory, and a PostgreSQL database ``tenbin_intake_bench``
(dropped at the end) when a server is reachable. The workspace has an adopted ICP version
(``industry = "E"``), sales / inside-sales / digital teams with member capacities, one campaign,
the default offer ladder, and 1,000 known companies (half of the requests name one of them).

Open loop: request *i* is sent at ``start + i / rate`` whatever the earlier ones are doing, and
its latency is measured from that scheduled time (so a slow server shows up as latency, not as a
lower send rate). Every request has its own Idempotency-Key except the deliberate retries
(``--retry-share``, default 5 %: the same key and body again, 200 ms after the original), and a
share of requests (``--update-share``, default 5 %) submits an already sent lead again with a new key
(must update, not duplicate). Afterwards the database is checked: leads per email, current routing
decisions per lead, responses per (lead, campaign, offer, time).

Baseline in the same run: ``GET /api/v1/me`` (token lookup, no writes) at the same rate and duration.

    python bench/intake_bench.py --duration 60 --rate 200            # the target
    python bench/intake_bench.py --duration 5 --rate 50 --skip-pg     # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tenbin.auth import service as auth  # noqa: E402
from tenbin.db import schema  # noqa: E402
from tenbin.db.engine import make_engine, write_transaction  # noqa: E402
from tenbin.db.migrate import upgrade  # noqa: E402
from tenbin.imports.normalize import corporate_number_check_digit  # noqa: E402

PG_ADMIN = os.environ.get("TENBIN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_NAME = os.environ.get("TENBIN_BENCH_PG_NAME", "tenbin_intake_bench")  # another name when runs overlap
COMPANIES = 1000
INDUSTRIES = ["製造業", "情報通信業", "卸売業，小売業", "建設業"]  # E, G, I, D: a quarter is ICP
PREFECTURES = ["東京都", "大阪府", "愛知県", "福岡県", "北海道"]
ROLES = ["決裁者", "予算権限者", "利用部門", "情シス", "推進者"]
STANCES = ["賛成", "中立", "反対", "不明"]
OFFERS = ["資料請求", "セミナー申込", "個別セミナー", "デモ申込", "見積もり依頼"]


def corporate_number(i: int) -> str:
    base = f"{700000000000 + i:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def prepare(url: str) -> str:
    """A migrated workspace with ICP, teams, a campaign and known companies; returns an API token."""
    engine = make_engine(url)
    upgrade(engine)
    with write_transaction(engine) as conn:
        conn.execute(insert(schema.icp_versions).values(version=1, name="ICP v1", rules='industry = "E"',
                                                        is_current=True))  # fmt: skip
        teams = [("営業", "sales", 8, 40), ("アカウント営業", "account_sales", 3, 30), ("IS", "inside_sales", 6, 80),
                 ("デジタル", "digital", 0, 0)]  # fmt: skip
        for name, kind, members, day in teams:
            team_id = conn.execute(
                insert(schema.teams).values(name=name, kind=kind).returning(schema.teams.c.id)
            ).scalar_one()
            for m in range(members):
                conn.execute(insert(schema.team_members).values(team_id=team_id, name=f"{name}{m + 1}",
                                                                capacity_per_day=day))  # fmt: skip
        conn.execute(insert(schema.campaigns).values(name="Web問い合わせ", channel="web", orientation="quantity"))
        rows = [
            {"name": f"既存{i}株式会社", "name_key": f"既存{i}", "corporate_number": corporate_number(i),
             "domain": f"known{i}.co.jp", "industry_code": "EGID"[i % 4], "is_named_account": i % 50 == 0}
            for i in range(COMPANIES)
        ]  # fmt: skip
        conn.execute(insert(schema.accounts), rows)
    user = auth.add_user(engine, username="form", role="marketing", password="bench password 12345", actor="bench")
    token = auth.create_token(engine, user_id=user.user.id, name="bench").secret
    engine.dispose()
    return token


def lead_body(i: int, rng: random.Random) -> dict[str, Any]:
    known = rng.random() < 0.5
    c = rng.randrange(COMPANIES) if known else COMPANIES + i
    company: dict[str, Any] = {
        "name": f"既存{c}株式会社" if known else f"新規{c}株式会社",
        "corporate_number": corporate_number(c),
        "industry": INDUSTRIES[c % 4],
        "employees": rng.choice([25, 120, 480, 2300]),
        "prefecture": rng.choice(PREFECTURES),
    }
    body: dict[str, Any] = {
        "lead": {"email": f"lead{i}@{'known' if known else 'new'}{c}.co.jp", "last_name": "山田", "first_name": f"{i}",
                 "title": rng.choice(["担当", "課長", "部長", "取締役"]), "department": "情報システム部"},
        "company": company,
        "response": {"campaign": "Web問い合わせ", "offer": rng.choice(OFFERS)},
    }  # fmt: skip
    if rng.random() < 0.4:
        body["buying_group"] = {"role": rng.choice(ROLES), "stance": rng.choice(STANCES)}
    if rng.random() < 0.2:
        body["budget"] = rng.choice([1_000_000, 3_000_000, 10_000_000])
    return body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, workers: int) -> Iterator[list[str]]:
    """``workers`` single-process uvicorn servers on their own ports; the client spreads requests over them
    (as a load balancer would). One process per port: uvicorn's own ``--workers`` mode added about 40 ms
    to every request on this machine, even a sequential ``GET /api/v1/me``."""
    env = {**os.environ, "TENBIN_DATABASE_URL": url, "TENBIN_SECRET_KEY": "b" * 48, "TENBIN_WEBHOOK_WORKER": "0"}
    procs, bases = [], []
    for _ in range(workers):
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "tenbin.web.asgi:app_factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)  # graceful: requests still queued finish first
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


Plan = list[tuple[float, str, str | None, dict[str, Any] | None]]  # (offset s, method+path, key, body)


def plan_intake(rate: float, duration: float, retry_share: float, update_share: float, seed: int) -> Plan:
    rng = random.Random(seed)
    n = int(rate * duration)
    sent: list[tuple[float, str, dict[str, Any]]] = []
    plan: Plan = []
    for i in range(n):
        at = i / rate
        roll = rng.random()
        if sent and roll < retry_share:
            old_at, key, body = rng.choice(sent[-int(rate) :])  # a recent request, sent again with its key
            plan.append((max(at, old_at + 0.2), "POST", key, body))
        elif sent and roll < retry_share + update_share:
            _, _, body = rng.choice(sent)  # the same lead again, a new submission
            plan.append((at, "POST", str(uuid.uuid4()), body))
        else:
            key, body = str(uuid.uuid4()), lead_body(i, rng)
            sent.append((at, key, body))
            plan.append((at, "POST", key, body))
    plan.sort(key=lambda p: p[0])
    return plan


async def drive(bases: list[str], token: str, plan: Plan, path: str, timeout: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    replayed = 0
    clients = [httpx.AsyncClient(base_url=b, limits=limits, timeout=timeout, headers=headers) for b in bases]
    try:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.5

        async def one(i: int, at: float, method: str, key: str | None, body: dict[str, Any] | None) -> None:
            nonlocal replayed
            client = clients[i % len(clients)]
            await asyncio.sleep(max(0.0, start + at - loop.time()))
            try:
                if method == "POST":
                    r = await client.post(path, json=body, headers={"Idempotency-Key": key or ""})
                else:
                    r = await client.get(path)
                ok = r.status_code in (200, 201)
                replayed += r.headers.get("idempotent-replayed") == "true"
                if not ok:
                    code = f"{r.status_code} {r.json().get('code', '') if r.content else ''}"
                    errors[code] = errors.get(code, 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            latencies.append((loop.time() - (start + at)) * 1000)

        wall = time.perf_counter()
        await asyncio.gather(*(one(i, *p) for i, p in enumerate(plan)))
        wall = time.perf_counter() - wall - 0.5
    finally:
        for client in clients:
            await client.aclose()
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(plan), "seconds": wall, "rps": len(plan) / wall, "p50": statistics.median(latencies),
            "p95": q[94], "p99": q[98], "max": max(latencies), "errors": errors, "replayed": replayed}  # fmt: skip


def duplicates(url: str) -> dict[str, int]:
    engine = make_engine(url)
    c, d, r = schema.contacts, schema.routing_decisions, schema.responses
    with engine.connect() as conn:
        leads = conn.execute(select(func.count()).select_from(c)).scalar_one()
        dup_email = conn.execute(
            select(func.count()).select_from(select(c.c.email).group_by(c.c.email).having(func.count() > 1).subquery())
        ).scalar_one()
        current = select(d.c.contact_id).where(d.c.superseded_at.is_(None)).group_by(d.c.contact_id)
        dup_current = conn.execute(
            select(func.count()).select_from(current.having(func.count() > 1).subquery())
        ).scalar_one()
        without = conn.execute(select(func.count()).select_from(c).where(~c.c.id.in_(current))).scalar_one()
        keys = (r.c.contact_id, r.c.campaign_id, r.c.offer_id, r.c.responded_at)
        dup_resp = conn.execute(
            select(func.count()).select_from(select(*keys).group_by(*keys).having(func.count() > 1).subquery())
        ).scalar_one()
        decisions = conn.execute(select(func.count()).select_from(d)).scalar_one()
    engine.dispose()
    return {"leads": leads, "emails_duplicated": dup_email, "leads_with_2+_current_decisions": dup_current,
            "leads_without_decision": without, "responses_duplicated": dup_resp, "decisions": decisions}  # fmt: skip


def phases(url: str, n: int) -> None:
    """Where an intake's time goes, in process (no HTTP): wall and CPU ms and statements per phase."""
    from sqlalchemy import event

    from tenbin.intake import service as svc
    from tenbin.intake.parse import parse_request
    from tenbin.intake.records import write_lead
    from tenbin.likelihood.service import score_contacts

    prepare(url)
    engine = make_engine(url)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    rng = random.Random(7)
    totals: dict[str, list[float]] = {}

    def timed(name: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        wall, cpu, count = time.perf_counter(), time.process_time(), statements[0]
        result = call(*args, **kwargs)
        row = totals.setdefault(name, [0.0, 0.0, 0.0])
        row[0] += time.perf_counter() - wall
        row[1] += time.process_time() - cpu
        row[2] += statements[0] - count
        return result

    warm = 20
    for i in range(n + warm):
        if i == warm:
            totals.clear()
        body = lead_body(i, rng)
        with write_transaction(engine) as conn:
            now = svc.local_now()
            req = timed("parse", parse_request, body)
            w = timed("write records", write_lead, conn, req, now=now)
            v = timed("ICP version", svc.current_version, conn)
            timed("ICP fit + reasons", svc.icp_fit, conn, w.account_id, v)
            sc = timed("likelihood (score_contacts)", score_contacts, conn, [w.contact_id], as_of=now)
            icp = svc._compiled(conn, v)[1]
            timed("routing", svc.route_contact, conn, w.contact_id, trigger="intake", actor="bench", now=now,
                  scores=sc, icp=icp)  # fmt: skip
            timed("webhook outbox", svc.enqueue, conn, team_id=None, event="lead.received", payload={})
    engine.dispose()
    print(f"| phase | wall ms | CPU ms | statements |  ({n} intakes, {engine.dialect.name})")
    print("|---|---|---|---|")
    for name, (wall, cpu, count) in totals.items():
        print(f"| {name} | {wall / n * 1000:.1f} | {cpu / n * 1000:.1f} | {count / n:.1f} |")
    wall, cpu = sum(r[0] for r in totals.values()), sum(r[1] for r in totals.values())
    print(f"| total | {wall / n * 1000:.1f} | {cpu / n * 1000:.1f} | {sum(r[2] for r in totals.values()) / n:.1f} |")


def pg_url() -> str | None:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{PG_NAME}\" TEMPLATE template0 ENCODING 'UTF8' "
                              "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"))  # fmt: skip
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


def drop_pg() -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    admin.dispose()


def fmt(label: str, what: str, m: dict[str, Any]) -> str:
    errors = sum(m["errors"].values())
    detail = f" {m['errors']}" if errors else ""
    return (f"| {label} | {what} | {m['requests']:,} | {m['rps']:.1f} | {m['p50']:.1f} | {m['p95']:.1f} | "
            f"{m['p99']:.1f} | {m['max']:.0f} | {errors}{detail} |")  # fmt: skip


def run(label: str, url: str, args: argparse.Namespace) -> None:
    """Prints each result line as soon as it is measured."""
    token = prepare(url)
    with server(url, args.workers) as bases:
        warm = plan_intake(20, 1, 0, 0, seed=99)  # warm-up (not counted, not in the duplicate check's plan)
        asyncio.run(drive(bases, token, warm, "/api/v1/leads", args.timeout))
        base_plan: Plan = [(i / args.rate, "GET", None, None) for i in range(int(args.rate * args.duration))]
        baseline = asyncio.run(drive(bases, token, base_plan, "/api/v1/me", args.timeout))
        print(fmt(label, "GET /api/v1/me (baseline)", baseline), flush=True)
        time.sleep(2)
        plan = plan_intake(args.rate, args.duration, args.retry_share, args.update_share, args.seed)
        measured = asyncio.run(drive(bases, token, plan, "/api/v1/leads", args.timeout))
        print(fmt(label, "POST /api/v1/leads", measured), flush=True)
        print(f"{label}: replayed answers {measured['replayed']}, errors {measured['errors']}", file=sys.stderr)
    dup = duplicates(url)
    print(f"| {label} | database after the run | {dup} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn server processes (one port each)")
    parser.add_argument("--retry-share", type=float, default=0.05)
    parser.add_argument("--update-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout per request, seconds")
    parser.add_argument("--phases", type=int, default=0, help="only time N intakes in process, per phase")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"# intake bench {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}, "
          f"rate {args.rate}/s for {args.duration} s, {args.workers} workers")  # fmt: skip
    if args.phases:
        if not args.skip_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                phases(f"sqlite:///{tmp}/phases.db", args.phases)
        if not args.skip_pg and (url := pg_url()) is not None:
            try:
                phases(url, args.phases)
            finally:
                drop_pg()
        return
    print("| database | request | requests | sent/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    if not args.skip_pg:
        url = pg_url()
        if url is not None:
            try:
                run("PostgreSQL", url, args)
            finally:
                drop_pg()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/intake.db", args)
    print(f"# load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
