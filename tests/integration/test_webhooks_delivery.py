"""Delivery against a real HTTP server on 127.0.0.1 that checks the signature; backoff with an
injected clock; failure after the last attempt; replay; one send per claim with two workers."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from tenbin.db.engine import write_transaction
from tenbin.db.schema import audit_log, teams, webhook_deliveries
from tenbin.errors import TenbinError
from tenbin.webhooks import delivery, service
from tenbin.webhooks.outbox import enqueue
from tenbin.webhooks.signing import verify

T0 = dt.datetime(2026, 11, 25, 9, 0, 0)


@dataclass
class Receiver:
    secret: str = ""
    answers: list[int] = field(default_factory=list)  # status per request; 200 once exhausted
    got: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.delay:
                time.sleep(state.delay)
            header = self.headers.get("X-Tenbin-Signature", "")
            # the signature's timestamp is the injected clock's, so check it against that
            t = int(header.split(",")[0].removeprefix("t=") or 0)
            if not verify(state.secret, header, body, now=t):
                state.bad_signatures += 1
            state.got.append(
                {"event_id": self.headers.get("X-Tenbin-Event-Id"), "event": self.headers.get("X-Tenbin-Event"),
                 "body": json.loads(body), "t": t}
            )  # fmt: skip
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _hook(engine: Engine, url: str, rec: Receiver) -> int:
    with write_transaction(engine) as conn:
        team = conn.execute(insert(teams).values(name="営業1課", kind="sales").returning(teams.c.id)).scalar_one()
    hook, secret = service.add_webhook(
        engine, name="CRM", url=url, team="営業1課", events=["routing.assigned"], actor="tester"
    )
    rec.secret = secret
    assert secret.startswith("whsec_") and hook.team_id == team
    return int(team)


def _enqueue(engine: Engine, team: int, payload: dict[str, Any], at: dt.datetime = T0) -> int:
    with write_transaction(engine) as conn:
        [delivery_id] = enqueue(conn, team_id=team, event="routing.assigned", payload=payload)
        conn.execute(webhook_deliveries.update().values(next_attempt_at=at, created_at=at))
    return delivery_id


def test_signed_delivery_reaches_a_real_server(engine: Engine, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    team = _hook(engine, url, rec)
    delivery_id = _enqueue(engine, team, {"contact_id": 5, "担当": "佐藤"})
    result = delivery.deliver_pending(engine, clock=Clock(T0))
    assert (result.delivered, result.retrying, result.failed) == (1, 0, 0)
    assert rec.bad_signatures == 0 and len(rec.got) == 1
    got = rec.got[0]
    assert got["event_id"] == f"whd_{delivery_id}" and got["event"] == "routing.assigned"
    assert got["body"] == {"id": f"whd_{delivery_id}", "event": "routing.assigned",
                           "created_at": "2026-11-25T09:00:00", "data": {"contact_id": 5, "担当": "佐藤"}}  # fmt: skip
    assert got["t"] == int(T0.timestamp())
    d = service.get_delivery(engine, delivery_id)
    assert (d.status, d.attempts, d.last_status, d.delivered_at, d.next_attempt_at) == ("delivered", 1, 200, T0, None)
    # nothing due any more
    assert delivery.deliver_pending(engine, clock=Clock(T0 + dt.timedelta(days=1))).sent == 0


def test_wrong_secret_is_refused_by_the_receiver(engine: Engine, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    team = _hook(engine, url, rec)
    real = rec.secret
    rec.secret = real + "x"
    _enqueue(engine, team, {})
    delivery.deliver_pending(engine, clock=Clock(T0))
    assert rec.bad_signatures == 1


def test_backoff_then_failed_then_replay(engine: Engine, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    team = _hook(engine, url, rec)
    rec.answers = [500, 503, 500, 500, 500, 500]
    delivery_id = _enqueue(engine, team, {"n": 1})
    clock = Clock(T0)
    waits = [1 * 60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600]  # seconds after attempts 1..5
    for attempt, wait in enumerate(waits, start=1):
        assert delivery.deliver_pending(engine, clock=clock).retrying == 1
        d = service.get_delivery(engine, delivery_id)
        assert (d.status, d.attempts, d.last_status) == ("pending", attempt, 500 if attempt != 2 else 503)
        assert d.next_attempt_at == clock.now + dt.timedelta(seconds=wait)
        clock.now += dt.timedelta(seconds=wait - 1)  # one second early: not due
        assert delivery.deliver_pending(engine, clock=clock).sent == 0
        clock.now += dt.timedelta(seconds=1)
    assert delivery.deliver_pending(engine, clock=clock).failed == 1
    d = service.get_delivery(engine, delivery_id)
    assert (d.status, d.attempts, d.last_status, d.last_error, d.next_attempt_at) == (
        "failed", 6, 500, "HTTP 500 Internal Server Error", None,
    )  # fmt: skip
    assert len(rec.got) == 6 and {g["event_id"] for g in rec.got} == {f"whd_{delivery_id}"}
    assert service.list_webhooks(engine)[0].failed == 1
    # replay: pending again from zero attempts, sent at the next pass, same event id
    replayed = service.replay(engine, delivery_id, actor="manager", now=clock.now)
    assert (replayed.status, replayed.attempts) == ("pending", 0)
    with pytest.raises(TenbinError) as err:
        service.replay(engine, delivery_id, actor="manager")
    assert err.value.code == "WEBHOOK_DELIVERY_PENDING"
    assert delivery.deliver_pending(engine, clock=clock).delivered == 1
    d = service.get_delivery(engine, delivery_id)
    assert (d.status, d.attempts, d.last_status) == ("delivered", 1, 200)
    assert rec.got[-1]["event_id"] == f"whd_{delivery_id}" and len(rec.got) == 7
    with engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert actions == ["webhook.add", "webhook.replay"]


def test_unreachable_url_is_an_error_text(engine: Engine) -> None:
    rec = Receiver()
    team = _hook(engine, "http://127.0.0.1:9/nothing", rec)  # discard port: connection refused
    delivery_id = _enqueue(engine, team, {})
    assert delivery.deliver_pending(engine, clock=Clock(T0)).retrying == 1
    d = service.get_delivery(engine, delivery_id)
    assert d.last_status is None and d.last_error is not None and "URLError" in d.last_error
    assert rec.secret not in d.last_error


def test_two_workers_never_send_the_same_delivery_twice(engine: Engine, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    team = _hook(engine, url, rec)
    rec.delay = 0.05
    ids = [_enqueue(engine, team, {"n": n}) for n in range(8)]
    barrier = threading.Barrier(3)
    results: list[delivery.PassResult] = []

    def work() -> None:
        barrier.wait()
        results.append(delivery.deliver_pending(engine, clock=Clock(T0)))

    workers = [threading.Thread(target=work) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sum(r.delivered for r in results) == 8
    assert sorted(g["event_id"] for g in rec.got) == sorted(f"whd_{i}" for i in ids)


def test_add_checks_url_events_and_team(engine: Engine) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"url": "ftp://x.test/"}, "WEBHOOK_URL_INVALID", "url"),
        ({"url": "https:///nohost"}, "WEBHOOK_URL_INVALID", "url"),
        ({"events": ["lead.deleted"]}, "WEBHOOK_EVENT_UNKNOWN", "events"),
        ({"events": []}, "WEBHOOK_EVENT_UNKNOWN", "events"),
        ({"team": "存在しないチーム"}, "WEBHOOK_TEAM_UNKNOWN", "team"),
        ({"name": "  "}, "WEBHOOK_NAME_INVALID", "name"),
    ]
    for change, code, place in cases:
        args: dict[str, Any] = {"name": "x", "url": "https://x.test/h", "team": None, "events": ["*"]}
        args.update(change)
        with pytest.raises(TenbinError) as err:
            service.add_webhook(engine, actor="t", **args)
        assert (err.value.code, err.value.place.field) == (code, place)
    assert service.list_webhooks(engine) == []
    hook, _ = service.add_webhook(engine, name="all", url="https://x.test/h", team="", events=["*"], actor="t")
    assert hook.team_id is None and hook.events == ("*",)
    service.remove_webhook(engine, hook.id, actor="t")
    assert service.list_webhooks(engine) == []
    with engine.connect() as conn:
        details = conn.execute(select(audit_log.c.detail)).scalars().all()
    assert all("secret" not in json.dumps(d) for d in details)
