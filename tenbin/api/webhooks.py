"""``/api/v1/webhooks``: outgoing webhooks per team and their deliveries (permission routing.run)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.webhooks import service
from tenbin.webhooks.outbox import ALL_EVENTS, EVENTS

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
RUN = Permission.ROUTING_RUN
MAX_ID = 2**62
WEBHOOK_ID = Path(ge=1, le=MAX_ID)
DELIVERY_ID = Path(ge=1, le=MAX_ID)


class WebhookIn(BaseModel):
    name: str = Field(max_length=200)
    url: str = Field(max_length=1000, description="http:// or https:// URL that receives the signed POSTs")
    team: str | None = Field(None, max_length=200, description="team name or id; none: every team")
    events: list[str] = Field(
        default_factory=lambda: ["routing.assigned"],
        max_length=10,
        description=f"of {', '.join((*EVENTS, ALL_EVENTS))}",
    )


class WebhookOut(BaseModel):
    id: int
    name: str
    url: str
    team_id: int | None
    team: str | None
    events: list[str]
    is_active: bool
    created_at: dt.datetime
    pending: int
    failed: int
    delivered: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the signing secret; shown only in this answer")


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    webhook_id: int
    webhook: str
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


def _out(w: service.Webhook) -> WebhookOut:
    return WebhookOut(
        id=w.id, name=w.name, url=w.url, team_id=w.team_id, team=w.team_name, events=list(w.events),
        is_active=w.is_active, created_at=w.created_at, pending=w.pending, failed=w.failed, delivered=w.delivered,
    )  # fmt: skip


def _delivery(d: service.Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id, event_id=d.event_id, webhook_id=d.webhook_id, webhook=d.webhook_name, event=d.event,
        status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at, last_status=d.last_status,
        last_error=d.last_error, created_at=d.created_at, delivered_at=d.delivered_at,
    )  # fmt: skip


@router.get("", summary="Webhooks with their delivery counts (no secrets)")
def get_webhooks(ctx: ApiCtx = api_requires(RUN)) -> list[WebhookOut]:
    return [_out(w) for w in service.list_webhooks(ctx.engine)]


@router.post("", status_code=201, summary="Add a webhook; the answer holds its signing secret, once")
def post_webhook(body: WebhookIn, ctx: ApiCtx = api_requires(RUN)) -> WebhookCreated:
    hook, secret = service.add_webhook(
        ctx.engine, name=body.name, url=body.url, team=body.team, events=body.events, actor=ctx.user.username
    )
    return WebhookCreated(**_out(hook).model_dump(), secret=secret)


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook and its deliveries")
def delete_webhook(webhook_id: int = WEBHOOK_ID, ctx: ApiCtx = api_requires(RUN)) -> None:
    service.remove_webhook(ctx.engine, webhook_id, actor=ctx.user.username)


@router.get("/deliveries", summary="Deliveries, newest first: status, attempts, last HTTP status or error, next try")
def get_deliveries(
    webhook_id: int | None = Query(None, ge=1, le=MAX_ID),
    status: Literal["pending", "delivered", "failed"] | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    ctx: ApiCtx = api_requires(RUN),
) -> list[DeliveryOut]:
    found = service.list_deliveries(ctx.engine, webhook_id=webhook_id, status=status, limit=limit)
    return [_delivery(d) for d in found]


@router.post("/deliveries/{delivery_id}/replay", summary="Send a delivered or failed delivery again (same event id)")
def post_replay(delivery_id: int = DELIVERY_ID, ctx: ApiCtx = api_requires(RUN)) -> DeliveryOut:
    return _delivery(service.replay(ctx.engine, delivery_id, actor=ctx.user.username))
