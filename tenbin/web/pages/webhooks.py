"""Settings → Webhooks: outgoing webhooks per team, their deliveries, failures and replay.

Everything here needs ROUTING_RUN (webhooks carry routing decisions out of tenbin). A new
webhook's signing secret is shown once, on the page that answers the form, and never again.
"""

from __future__ import annotations

from fastapi import Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from tenbin.auth.roles import Permission
from tenbin.errors import TenbinError
from tenbin.i18n import gettext as _
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.render import render
from tenbin.webhooks import service
from tenbin.webhooks.outbox import ALL_EVENTS, EVENTS
from tenbin.workspace import service as ws

router = page_router()
RUN = Permission.ROUTING_RUN
STATUSES = ("pending", "failed", "delivered")
MAX_ID = 2**62


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _page(
    ctx: Ctx, request: Request, *, error: TenbinError | None = None, form: dict[str, object] | None = None,
    created: tuple[service.Webhook, str] | None = None,
) -> Response:  # fmt: skip
    status = request.query_params.get("status")
    status = status if status in STATUSES else None
    return render(
        ctx, "webhooks/index.html", status=error.status if error else 200,
        hooks=service.list_webhooks(ctx.engine),
        deliveries=service.list_deliveries(ctx.engine, status=status, limit=100),
        chosen_status=status, statuses=STATUSES, teams=ws.list_teams(ctx.engine), events=(*EVENTS, ALL_EVENTS),
        error=error, form=form or {}, created=created,
    )  # fmt: skip


@router.get("/settings/webhooks")
def webhooks_page(request: Request, ctx: Ctx = requires(RUN)) -> Response:
    return _page(ctx, request)


@router.post("/settings/webhooks")
def add_webhook(
    request: Request,
    name: str = Form(""),
    url: str = Form(""),
    team: str = Form(""),
    events: list[str] = Form([]),
    ctx: Ctx = requires(RUN),
) -> Response:
    form: dict[str, object] = {"name": name, "url": url, "team": team, "events": events}
    try:
        hook, secret = service.add_webhook(ctx.engine, name=name, url=url, team=team, events=events,
                                           actor=_actor(ctx))  # fmt: skip
    except TenbinError as exc:
        return _page(ctx, request, error=exc, form=form)
    return _page(ctx, request, created=(hook, secret))


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete_webhook(webhook_id: int = Path(ge=1, le=MAX_ID), ctx: Ctx = requires(RUN)) -> Response:
    service.remove_webhook(ctx.engine, webhook_id, actor=_actor(ctx))
    ctx.flash(_("The webhook and its deliveries were removed."))
    return RedirectResponse("/settings/webhooks", status_code=303)


@router.post("/settings/webhooks/deliveries/{delivery_id}/replay")
def replay_delivery(delivery_id: int = Path(ge=1, le=MAX_ID), ctx: Ctx = requires(RUN)) -> Response:
    service.replay(ctx.engine, delivery_id, actor=_actor(ctx))
    ctx.flash(_("The delivery is queued again; it is sent within a few seconds."))
    return RedirectResponse("/settings/webhooks#deliveries", status_code=303)
