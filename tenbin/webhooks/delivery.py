"""Sending what the outbox holds: claim, POST (signed), record, retry with backoff.

Several workers (web processes, ``tenbin webhooks deliver --loop``) may run at once. A worker
claims a due delivery with one conditional UPDATE (``status = 'pending'`` and the
``next_attempt_at`` it read), which moves ``next_attempt_at`` a lease ahead; only one worker's
UPDATE matches, so no two workers send the same attempt. A worker that dies mid-send leaves the
delivery to be retried after the lease (receivers de-duplicate on the event id header).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from tenbin.db.engine import write_transaction
from tenbin.db.schema import webhook_deliveries, webhooks
from tenbin.webhooks.service import event_id
from tenbin.webhooks.signing import EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header

log = logging.getLogger("tenbin.webhooks")
D = webhook_deliveries
W = webhooks

# Wait after the 1st, 2nd, … failed attempt; after the last one the delivery is failed (6 attempts).
BACKOFF: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
LEASE = dt.timedelta(minutes=5)  # a claimed delivery is not due again before this (the send's upper bound)
TIMEOUT = 5.0  # seconds per HTTP attempt
MAX_ERROR = 500
USER_AGENT = "tenbin-webhooks/1"

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None
    error: str | None


@dataclass
class PassResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def sent(self) -> int:
        return self.delivered + self.retrying + self.failed


def _clock() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer that is not 2xx: retried, never followed with the signed body


_opener = urllib.request.build_opener(_NoRedirect)


def envelope(delivery_id: int, event: str, created_at: dt.datetime, payload: dict[str, Any]) -> bytes:
    """The JSON body: the event id, its name, when it was created and the payload."""
    body = {"id": event_id(delivery_id), "event": event, "created_at": created_at.isoformat(), "data": payload}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> SendResult:
    """POST with the standard library; any 2xx is success. The error text never holds the secret."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(1024)
    except urllib.error.HTTPError as error:
        return SendResult(False, int(error.code), f"HTTP {error.code} {error.reason}"[:MAX_ERROR])
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return SendResult(False, None, f"{type(error).__name__}: {reason}"[:MAX_ERROR])
    if 200 <= status < 300:
        return SendResult(True, status, None)
    return SendResult(False, status, f"HTTP {status}")


Sender = Callable[[str, bytes, dict[str, str]], SendResult]


def _claim(engine: Engine, delivery_id: int, due_at: dt.datetime, now: dt.datetime) -> bool:
    with write_transaction(engine) as conn:
        done = conn.execute(
            update(D)
            .where(D.c.id == delivery_id, D.c.status == "pending", D.c.next_attempt_at == due_at)
            .values(next_attempt_at=now + LEASE)
        )
        return done.rowcount == 1


def _record(engine: Engine, delivery_id: int, attempts: int, result: SendResult, now: dt.datetime) -> str:
    """Store the attempt's outcome; returns the new status."""
    if result.ok:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "next_attempt_at": None}
    elif attempts <= len(BACKOFF):
        values = {"status": "pending", "next_attempt_at": now + BACKOFF[attempts - 1]}
    else:
        values = {"status": "failed", "next_attempt_at": None}
    values.update(attempts=attempts, last_status=result.status, last_error=result.error)
    with write_transaction(engine) as conn:
        conn.execute(update(D).where(D.c.id == delivery_id, D.c.status == "pending").values(**values))
    return str(values["status"])


def deliver_one(engine: Engine, delivery_id: int, *, clock: Clock = _clock, send: Sender = post) -> str | None:
    """Claim and send one delivery if it is due; returns its new status, or None when not claimed."""
    now = clock()
    query = (
        select(D.c.id, D.c.event, D.c.payload, D.c.attempts, D.c.next_attempt_at, D.c.created_at, W.c.url, W.c.secret)
        .select_from(D.join(W, W.c.id == D.c.webhook_id))
        .where(D.c.id == delivery_id, D.c.status == "pending", D.c.next_attempt_at <= now)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None or not _claim(engine, delivery_id, row.next_attempt_at, now):
        return None
    body = envelope(int(row.id), row.event, row.created_at, dict(row.payload or {}))
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: row.event,
        EVENT_ID_HEADER: event_id(int(row.id)),
        SIGNATURE_HEADER: signature_header(row.secret, timestamp, body),
    }
    result = send(row.url, body, headers)
    status = _record(engine, delivery_id, int(row.attempts) + 1, result, clock())
    if not result.ok:
        log.warning("webhook delivery %s failed (attempt %s): %s", delivery_id, int(row.attempts) + 1, result.error)
    return status


def due(engine: Engine, now: dt.datetime, limit: int = 100) -> list[int]:
    query = (
        select(D.c.id)
        .select_from(D.join(W, W.c.id == D.c.webhook_id))
        .where(D.c.status == "pending", D.c.next_attempt_at <= now, W.c.is_active.is_(True))
        .order_by(D.c.next_attempt_at, D.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(query).scalars()]


def deliver_pending(engine: Engine, *, clock: Clock = _clock, send: Sender = post, limit: int = 100) -> PassResult:
    """One pass: every due delivery (up to ``limit``) of an active webhook, oldest due first."""
    result = PassResult()
    for delivery_id in due(engine, clock(), limit):
        status = deliver_one(engine, delivery_id, clock=clock, send=send)
        if status == "delivered":
            result.delivered += 1
        elif status == "pending":
            result.retrying += 1
        elif status == "failed":
            result.failed += 1
    return result


def run_loop(engine: Engine, stop: threading.Event, *, interval: float = 5.0, clock: Clock = _clock) -> None:
    """Deliver until ``stop`` is set; errors are logged and the loop goes on."""
    while not stop.is_set():
        try:
            deliver_pending(engine, clock=clock)
        except Exception:  # a worker must survive a database hiccup
            log.exception("webhook delivery pass failed")
        stop.wait(interval)


def start_worker(engine: Engine, *, interval: float = 5.0) -> tuple[threading.Thread, threading.Event]:
    """A daemon thread running :func:`run_loop`; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop, args=(engine, stop), kwargs={"interval": interval}, name="tenbin-webhooks", daemon=True
    )
    thread.start()
    return thread, stop
