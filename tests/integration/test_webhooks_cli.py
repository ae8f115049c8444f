"""``tenbin webhooks …``: add (secret once), list, deliver to a real local receiver, deliveries, replay,
remove; coded one-line errors. And the web app's delivery thread (TENBIN_WEBHOOK_WORKER=1)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from test_cli import tenbin

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.settings import load_settings
from tenbin.web.app import WEBHOOK_WORKER_ENV, create_app
from tenbin.webhooks.outbox import enqueue
from tenbin.webhooks.signing import verify


@pytest.fixture
def receiver() -> Iterator[tuple[list[dict[str, Any]], str]]:
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"signature": self.headers["X-Tenbin-Signature"], "body": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield got, f"http://127.0.0.1:{server.server_address[1]}/in"
    finally:
        server.shutdown()
        server.server_close()


def test_webhooks_cli_round_trip(db_url: str, engine: Engine, receiver: tuple[list[dict[str, Any]], str]) -> None:
    got, url = receiver
    with write_transaction(engine) as conn:
        conn.execute(insert(schema.teams).values(name="IS", kind="inside_sales"))
    added = json.loads(tenbin(db_url, "webhooks", "add", "IS通知", url, "--team", "IS", "--json").stdout)
    assert added["secret"].startswith("whsec_") and added["team"] == "IS"
    listed = tenbin(db_url, "webhooks", "list", "--json").stdout
    assert added["secret"] not in listed and json.loads(listed)[0]["events"] == ["routing.assigned"]
    with write_transaction(engine) as conn:
        [delivery_id] = enqueue(conn, team_id=1, event="routing.assigned", payload={"lead": 1})
    sent = tenbin(db_url, "--lang", "en", "webhooks", "deliver").stdout
    assert "delivered 1" in sent
    assert len(got) == 1 and verify(added["secret"], got[0]["signature"], got[0]["body"], now=int(time.time()))
    rows = json.loads(tenbin(db_url, "webhooks", "deliveries", "--json").stdout)
    assert [(r["id"], r["status"], r["attempts"], r["event_id"]) for r in rows] == [
        (delivery_id, "delivered", 1, f"whd_{delivery_id}")
    ]
    tenbin(db_url, "webhooks", "replay", str(delivery_id))
    tenbin(db_url, "webhooks", "deliver")
    assert len(got) == 2 and json.loads(got[1]["body"])["id"] == f"whd_{delivery_id}"
    tenbin(db_url, "webhooks", "remove", "1")
    assert json.loads(tenbin(db_url, "webhooks", "list", "--json").stdout) == []
    missing = tenbin(db_url, "--lang", "en", "webhooks", "remove", "1", check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("WEBHOOK_NOT_FOUND")
    bad = tenbin(db_url, "--lang", "ja", "webhooks", "add", "x", "ftp://x", check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("WEBHOOK_URL_INVALID: Webhook の URL")


def test_the_web_app_delivers_in_the_background(
    engine: Engine, receiver: tuple[list[dict[str, Any]], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    got, url = receiver
    from tenbin.webhooks import service

    service.add_webhook(engine, name="all", url=url, team=None, events=["*"], actor="t")
    with write_transaction(engine) as conn:
        enqueue(conn, team_id=None, event="lead.received", payload={"n": 1})
    monkeypatch.setenv(WEBHOOK_WORKER_ENV, "1")
    settings = load_settings(database_url=engine.url.render_as_string(hide_password=False), secret_key="s" * 40)
    with TestClient(create_app(settings, engine)):
        for _ in range(200):
            if got:
                break
            time.sleep(0.05)
    assert len(got) == 1  # the app's shutdown waited for the worker to record the outcome
    with engine.connect() as conn:
        assert conn.execute(select(schema.webhook_deliveries.c.status)).scalar_one() == "delivered"
