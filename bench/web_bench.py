"""Web benchmark: server time per page and API list endpoint, and API reads under concurrency.

Loopback only and bounded: the app runs under uvicorn on 127.0.0.1 (a subprocess), on a demo
workspace built here (SQLite file, and a PostgreSQL database ``tenbin_webbench`` when a server is
reachable). For each URL: ``--repeat`` sequential requests after a warm-up; the app's own time is
read from its ``Server-Timing`` header (p50 / p95), beside the client-side latency. Baseline in
the same run: ``/healthz`` (routing, session, one ``SELECT 1``). Then ``--clients`` threads send
``--requests`` API reads in total and the table reports requests/s.

    python bench/web_bench.py --scale 1 --repeat 40
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tenbin.auth import service as auth  # noqa: E402
from tenbin.db.engine import make_engine  # noqa: E402
from tenbin.db.migrate import upgrade  # noqa: E402
from tenbin.demo.service import build_demo  # noqa: E402

PAGES = [
    "/healthz",
    "/",
    "/records/accounts",
    "/records/accounts?sort=name&dir=asc&page=5",
    "/records/contacts",
    "/records/contacts?q=株式会社&page=3",
    "/records/campaigns",
    "/records/opportunities",
    "/records/challenges",
    "/imports",
    "/exports",
    "/settings",
    "/settings/teams",
    "/settings/users",
    "/audit",
    "/about",
]
API = ["/api/v1/me", "/api/v1/accounts?size=50", "/api/v1/contacts?size=50", "/api/v1/contacts?size=50&page=40"]
PASSWORD = "bench password 12345"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, scale: float) -> str:
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine, seed=7, scale=scale, progress=lambda label, n: None)
    if "bench" not in {u.username for u in auth.list_users(engine)}:
        auth.add_user(engine, username="bench", role="admin", password=PASSWORD, actor="bench")
    user = next(u for u in auth.list_users(engine) if u.username == "bench")
    token = auth.create_token(engine, user_id=user.id, name="bench").secret
    engine.dispose()
    return token


def pg_url() -> str | None:
    admin_url = os.environ.get("TENBIN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "tenbin_webbench" WITH (FORCE)'))
            conn.execute(
                text(
                    "CREATE DATABASE \"tenbin_webbench\" TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"
                )
            )
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not measured: {exc}", file=sys.stderr)
        return None
    return admin_url.rsplit("/", 1)[0] + "/tenbin_webbench"


@contextmanager
def server(url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TENBIN_DATABASE_URL": url, "TENBIN_SECRET_KEY": "b" * 48}
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tenbin.web.asgi:app_factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code in (200, 303), response.text
    return client


def timings(client: httpx.Client, path: str, repeat: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    server_ms: list[float] = []
    client_ms: list[float] = []
    status = 0
    for i in range(repeat + 3):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if i < 3:
            continue  # warm-up
        client_ms.append(elapsed)
        timing = response.headers.get("server-timing", "app;dur=nan")
        server_ms.append(float(timing.split("dur=")[1]))
    q = statistics.quantiles(server_ms, n=20)
    return {
        "path": path,
        "status": status,
        "p50": statistics.median(server_ms),
        "p95": q[18],
        "client_p50": statistics.median(client_ms),
    }


def concurrent(base: str, token: str, path: str, clients: int, total: int) -> dict[str, Any]:
    per_client = total // clients
    errors = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
            for _ in range(per_client):
                if c.get(path).status_code != 200:
                    with lock:
                        errors += 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "requests": per_client * clients,
        "seconds": seconds,
        "rps": per_client * clients / seconds,
        "errors": errors,
    }


def run(label: str, url: str, token: str, args: argparse.Namespace) -> None:
    with server(url) as base:
        client = login(base)
        rows = [timings(client, p, args.repeat) for p in PAGES]
        auth_header = {"Authorization": f"Bearer {token}"}
        rows += [timings(client, p, args.repeat, auth_header) for p in API]
        print(f"\n### {label}\n")
        print("| URL | status | server p50 ms | server p95 ms | client p50 ms | p95 ≤ 150 ms |")
        print("|---|---:|---:|---:|---:|:---:|")
        for r in rows:
            ok = "yes" if r["p95"] <= 150 else "**no**"
            print(f"| `{r['path']}` | {r['status']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['client_p50']:.1f} | {ok} |")
        load = concurrent(base, token, "/api/v1/contacts?size=50", args.clients, args.requests)
        print(
            f"\nAPI read `{load['path']}` with {args.clients} concurrent clients: {load['requests']:,} requests in "
            f"{load['seconds']:.1f} s = **{load['rps']:,.0f} requests/s**, {load['errors']} errors "
            "(one uvicorn worker)."
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    print(f"Date: {time.strftime('%Y-%m-%d')}; demo scale {args.scale}; {args.repeat} requests per URL, 3 warm-up")
    work = Path("/tmp/tenbin_webbench")
    work.mkdir(exist_ok=True)
    db = work / "bench.db"
    db.unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{db}"
    run("SQLite", sqlite_url, prepare(sqlite_url, args.scale), args)
    if not args.skip_pg:
        url = pg_url()
        if url is not None:
            run("PostgreSQL", url, prepare(url, args.scale), args)


if __name__ == "__main__":
    main()
