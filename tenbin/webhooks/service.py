"""Webhook subscriptions and their deliveries: add, list, remove, replay (audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update

from tenbin.auth import audit
from tenbin.db.engine import write_transaction
from tenbin.db.schema import teams, webhook_deliveries, webhooks
from tenbin.errors import Place, TenbinError
from tenbin.webhooks import errors as e
from tenbin.webhooks.outbox import ALL_EVENTS, EVENTS
from tenbin.webhooks.signing import new_secret

D = webhook_deliveries
W = webhooks
DELIVERY_STATUSES = ("pending", "delivered", "failed")


@dataclass(frozen=True)
class Webhook:
    id: int
    name: str
    url: str
    team_id: int | None
    team_name: str | None
    events: tuple[str, ...]
    is_active: bool
    created_at: dt.datetime
    pending: int = 0
    failed: int = 0
    delivered: int = 0


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook_id: int
    webhook_name: str
    event: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @property
    def event_id(self) -> str:
        return event_id(self.id)


def event_id(delivery_id: int) -> str:
    """The id receivers de-duplicate on: one per delivery, the same on every retry and replay."""
    return f"whd_{delivery_id}"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1000 or any(c.isspace() for c in url):
        raise TenbinError(e.WEBHOOK_URL_INVALID, {"url": url}, Place(field="url"))
    return url


def check_events(events: Sequence[str]) -> list[str]:
    chosen = [ev.strip() for ev in events if ev.strip()]
    allowed = (*EVENTS, ALL_EVENTS)
    choices = ", ".join(allowed)
    for ev in chosen:
        if ev not in allowed:
            raise TenbinError(e.WEBHOOK_EVENT_UNKNOWN, {"event": ev, "choices": choices}, Place(field="events"))
    if not chosen:
        raise TenbinError(e.WEBHOOK_EVENT_UNKNOWN, {"event": "", "choices": choices}, Place(field="events"))
    return list(dict.fromkeys(chosen))


def resolve_team(conn: Connection, team: str | int | None) -> int | None:
    """A team id from its id or name; None (all teams) for an empty value."""
    if team is None or (isinstance(team, str) and not team.strip()):
        return None
    text = str(team).strip()
    query = select(teams.c.id).where(teams.c.name == text)
    if text.isdigit() and len(text) <= 18:
        query = select(teams.c.id).where((teams.c.id == int(text)) | (teams.c.name == text))
    found = conn.execute(query.order_by(teams.c.id)).scalars().first()
    if found is None:
        raise TenbinError(e.WEBHOOK_TEAM_UNKNOWN, {"team": text}, Place(field="team"))
    return int(found)


def add_webhook(
    engine: Engine, *, name: str, url: str, team: str | int | None, events: Sequence[str], actor: str
) -> tuple[Webhook, str]:
    """Create a webhook; returns it and its secret (shown once: it is never listed or logged)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise TenbinError(e.WEBHOOK_NAME_INVALID, {}, Place(field="name"))
    url = check_url(url)
    chosen = check_events(events)
    secret = new_secret()
    with write_transaction(engine) as conn:
        team_id = resolve_team(conn, team)
        now = _now()
        new_id = conn.execute(
            insert(W)
            .values(team_id=team_id, name=name, url=url, secret=secret, events=chosen, is_active=True,
                    created_at=now, updated_at=now)
            .returning(W.c.id)
        ).scalar_one()  # fmt: skip
        audit.record(
            conn, actor=actor, action="webhook.add", entity="webhooks", entity_id=new_id,
            detail={"name": name, "url": url, "team_id": team_id, "events": chosen},
        )  # fmt: skip
        hook = _webhooks(conn, int(new_id))[0]
    return hook, secret


def _webhooks(conn: Connection, webhook_id: int | None = None) -> list[Webhook]:
    counts = (
        select(
            D.c.webhook_id,
            func.sum(case((D.c.status == "pending", 1), else_=0)).label("pending"),
            func.sum(case((D.c.status == "failed", 1), else_=0)).label("failed"),
            func.sum(case((D.c.status == "delivered", 1), else_=0)).label("delivered"),
        )
        .group_by(D.c.webhook_id)
        .subquery()
    )
    query = (
        select(W.c.id, W.c.name, W.c.url, W.c.team_id, teams.c.name.label("team_name"), W.c.events, W.c.is_active,
               W.c.created_at, counts.c.pending, counts.c.failed, counts.c.delivered)
        .select_from(W.outerjoin(teams, teams.c.id == W.c.team_id).outerjoin(counts, counts.c.webhook_id == W.c.id))
        .order_by(W.c.id)
    )  # fmt: skip
    if webhook_id is not None:
        query = query.where(W.c.id == webhook_id)
    return [
        Webhook(
            int(r.id),
            r.name,
            r.url,
            r.team_id,
            r.team_name,
            tuple(r.events or ()),
            bool(r.is_active),
            r.created_at,
            int(r.pending or 0),
            int(r.failed or 0),
            int(r.delivered or 0),
        )
        for r in conn.execute(query)
    ]


def list_webhooks(engine: Engine) -> list[Webhook]:
    with engine.connect() as conn:
        return _webhooks(conn)


def get_webhook(engine: Engine, webhook_id: int) -> Webhook:
    with engine.connect() as conn:
        found = _webhooks(conn, webhook_id)
    if not found:
        raise TenbinError(e.WEBHOOK_NOT_FOUND, {"webhook_id": webhook_id}, Place(field="webhook_id"))
    return found[0]


def remove_webhook(engine: Engine, webhook_id: int, *, actor: str) -> None:
    """Delete a webhook and its deliveries."""
    with write_transaction(engine) as conn:
        name = conn.execute(select(W.c.name).where(W.c.id == webhook_id)).scalar()
        if name is None:
            raise TenbinError(e.WEBHOOK_NOT_FOUND, {"webhook_id": webhook_id}, Place(field="webhook_id"))
        conn.execute(delete(D).where(D.c.webhook_id == webhook_id))
        conn.execute(delete(W).where(W.c.id == webhook_id))
        audit.record(conn, actor=actor, action="webhook.remove", entity="webhooks", entity_id=webhook_id,
                     detail={"name": name})  # fmt: skip


def set_active(engine: Engine, webhook_id: int, active: bool, *, actor: str) -> None:
    with write_transaction(engine) as conn:
        done = conn.execute(update(W).where(W.c.id == webhook_id).values(is_active=active, updated_at=_now()))
        if done.rowcount == 0:
            raise TenbinError(e.WEBHOOK_NOT_FOUND, {"webhook_id": webhook_id}, Place(field="webhook_id"))
        audit.record(conn, actor=actor, action="webhook.activate" if active else "webhook.deactivate",
                     entity="webhooks", entity_id=webhook_id)  # fmt: skip


def _delivery(r: Any) -> Delivery:
    return Delivery(
        int(r.id), int(r.webhook_id), r.webhook_name, r.event, dict(r.payload or {}), r.status, int(r.attempts),
        r.next_attempt_at, r.last_status, r.last_error, r.created_at, r.delivered_at,
    )  # fmt: skip


def list_deliveries(
    engine: Engine, *, webhook_id: int | None = None, status: str | None = None, limit: int = 100
) -> list[Delivery]:
    """Newest first."""
    query = (
        select(*D.c, W.c.name.label("webhook_name"))
        .select_from(D.join(W, W.c.id == D.c.webhook_id))
        .order_by(D.c.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if webhook_id is not None:
        query = query.where(D.c.webhook_id == webhook_id)
    if status is not None:
        query = query.where(D.c.status == status)
    with engine.connect() as conn:
        return [_delivery(r) for r in conn.execute(query)]


def get_delivery(engine: Engine, delivery_id: int) -> Delivery:
    query = select(*D.c, W.c.name.label("webhook_name")).select_from(D.join(W, W.c.id == D.c.webhook_id))
    with engine.connect() as conn:
        row = conn.execute(query.where(D.c.id == delivery_id)).first()
    if row is None:
        raise TenbinError(e.WEBHOOK_DELIVERY_NOT_FOUND, {"delivery_id": delivery_id}, Place(field="delivery_id"))
    return _delivery(row)


def replay(engine: Engine, delivery_id: int, *, actor: str, now: dt.datetime | None = None) -> Delivery:
    """Send a delivered or failed delivery again: back to pending, due now, attempts from zero.

    The event id stays the same, so a receiver that de-duplicates sees it as the same event.
    """
    now = now or _now()
    with write_transaction(engine) as conn:
        status = conn.execute(select(D.c.status).where(D.c.id == delivery_id)).scalar()
        if status is None:
            raise TenbinError(e.WEBHOOK_DELIVERY_NOT_FOUND, {"delivery_id": delivery_id}, Place(field="delivery_id"))
        if status == "pending":
            raise TenbinError(e.WEBHOOK_DELIVERY_PENDING, {"delivery_id": delivery_id}, Place(field="delivery_id"))
        conn.execute(
            update(D)
            .where(D.c.id == delivery_id, D.c.status == status)
            .values(status="pending", attempts=0, next_attempt_at=now, delivered_at=None)
        )
        audit.record(conn, actor=actor, action="webhook.replay", entity="webhook_deliveries", entity_id=delivery_id,
                     detail={"previous_status": status}, now=now)  # fmt: skip
    return get_delivery(engine, delivery_id)
