"""The outbox: deliveries are written in the caller's transaction and sent later by a worker.

A decision and its webhook deliveries commit together or not at all; the worker
(:mod:`tenbin.webhooks.delivery`) sends what is pending after the commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, or_, select

from tenbin.db.schema import webhook_deliveries, webhooks

# Events a webhook can subscribe to; "*" subscribes to every event.
EVENTS: tuple[str, ...] = ("routing.assigned", "lead.received")
ALL_EVENTS = "*"


def subscribed(events: Any, event: str) -> bool:
    """Whether a webhook's stored event list covers ``event``."""
    if not isinstance(events, list):
        return False
    return event in events or ALL_EVENTS in events


def enqueue(conn: Connection, *, team_id: int | None, event: str, payload: dict[str, Any]) -> list[int]:
    """One pending delivery per active webhook subscribed to ``event`` for ``team_id`` (or for all teams).

    Runs inside the caller's transaction (nothing is sent here); returns the new delivery ids.
    """
    team_cond: ColumnElement[bool] = webhooks.c.team_id.is_(None)
    if team_id is not None:
        team_cond = or_(team_cond, webhooks.c.team_id == team_id)
    rows = conn.execute(
        select(webhooks.c.id, webhooks.c.events)
        .where(webhooks.c.is_active.is_(True), team_cond)
        .order_by(webhooks.c.id)
    ).all()
    targets = [r.id for r in rows if subscribed(r.events, event)]
    if not targets:
        return []
    now = dt.datetime.now().replace(microsecond=0)
    ids: list[int] = []
    for webhook_id in targets:
        new_id = conn.execute(
            insert(webhook_deliveries)
            .values(
                webhook_id=webhook_id,
                event=event,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(webhook_deliveries.c.id)
        ).scalar_one()
        ids.append(int(new_id))
    return ids
