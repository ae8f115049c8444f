"""``tenbin webhooks add|list|remove|deliveries|deliver|replay``: outgoing webhooks per team."""

from __future__ import annotations

import threading

import typer
from rich.table import Table

from tenbin.cli.common import out, print_json, state
from tenbin.webhooks import delivery, service
from tenbin.webhooks.outbox import ALL_EVENTS, EVENTS

app = typer.Typer(
    help="Outgoing webhooks per team (HMAC-signed, retried with backoff, replayable).", no_args_is_help=True
)
ACTOR = "cli"
EVENT_CHOICES = ", ".join((*EVENTS, ALL_EVENTS))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="webhooks")


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="a name for the receiver, e.g. 'Slack 営業1課'"),
    url: str = typer.Argument(..., help="http:// or https:// URL that receives the signed POSTs"),
    team: str | None = typer.Option(None, "--team", help="team name or id (default: every team)"),
    event: list[str] = typer.Option(["routing.assigned"], "--event", help=f"repeatable: {EVENT_CHOICES}"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Add a webhook and print its signing secret (shown only this once)."""
    st = state(ctx)
    hook, secret = service.add_webhook(st.engine(), name=name, url=url, team=team, events=event, actor=ACTOR)
    if json_out:
        print_json({"id": hook.id, "name": hook.name, "url": hook.url, "team": hook.team_name,
                    "events": list(hook.events), "secret": secret})  # fmt: skip
        return
    out.print(
        st.t(
            f"Webhook {hook.id}({hook.name})を追加しました。署名シークレット: {secret}(この表示は一度だけです)",
            f"Added webhook {hook.id} ({hook.name}). Signing secret: {secret} (shown only this once)",
        ),
        markup=False,
    )


@app.command("list")
def list_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Webhooks with their pending, failed and delivered counts."""
    st = state(ctx)
    hooks = service.list_webhooks(st.engine())
    if json_out:
        print_json([{"id": h.id, "name": h.name, "url": h.url, "team": h.team_name, "events": list(h.events),
                     "active": h.is_active, "pending": h.pending, "failed": h.failed, "delivered": h.delivered}
                    for h in hooks])  # fmt: skip
        return
    table = Table()
    for label in ("ID", st.t("名前", "name"), "URL", st.t("チーム", "team"), st.t("イベント", "events"),
                  st.t("送信待ち", "pending"), st.t("失敗", "failed"), st.t("送信済み", "delivered")):  # fmt: skip
        table.add_column(label)
    for h in hooks:
        team = h.team_name or st.t("全チーム", "all teams")
        table.add_row(str(h.id), h.name, h.url, team, ", ".join(h.events), str(h.pending), str(h.failed),
                      str(h.delivered))  # fmt: skip
    out.print(table)
    if not hooks:
        out.print(st.t("Webhook はまだありません。tenbin webhooks add で追加してください。",
                       "No webhooks yet. Add one with tenbin webhooks add."))  # fmt: skip


@app.command("remove")
def remove_cmd(ctx: typer.Context, webhook_id: int = typer.Argument(...)) -> None:
    """Remove a webhook and its deliveries."""
    st = state(ctx)
    service.remove_webhook(st.engine(), webhook_id, actor=ACTOR)
    out.print(st.t(f"Webhook {webhook_id} を削除しました。", f"Removed webhook {webhook_id}."))


@app.command("deliveries")
def deliveries_cmd(
    ctx: typer.Context,
    webhook_id: int | None = typer.Option(None, "--webhook", help="only this webhook's deliveries"),
    status: str | None = typer.Option(None, "--status", help="pending | delivered | failed"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Deliveries, newest first: status, attempts, last HTTP status or error, next attempt."""
    st = state(ctx)
    found = service.list_deliveries(st.engine(), webhook_id=webhook_id, status=status, limit=limit)
    if json_out:
        print_json([{"id": d.id, "event_id": d.event_id, "webhook": d.webhook_name, "event": d.event,
                     "status": d.status, "attempts": d.attempts, "last_status": d.last_status,
                     "last_error": d.last_error, "next_attempt_at": d.next_attempt_at, "created_at": d.created_at,
                     "delivered_at": d.delivered_at} for d in found])  # fmt: skip
        return
    table = Table()
    for label in ("ID", "webhook", st.t("イベント", "event"), st.t("状態", "status"), st.t("試行", "attempts"),
                  st.t("最終結果", "last result"), st.t("次回", "next attempt")):  # fmt: skip
        table.add_column(label)
    for d in found:
        last = d.last_error or (str(d.last_status) if d.last_status is not None else "—")
        table.add_row(str(d.id), d.webhook_name, d.event, d.status, str(d.attempts), last,
                      str(d.next_attempt_at or "—"))  # fmt: skip
    out.print(table)


@app.command("deliver")
def deliver_cmd(
    ctx: typer.Context,
    loop: bool = typer.Option(False, "--loop", help="keep delivering until interrupted"),
    interval: float = typer.Option(5.0, "--interval", min=0.5, max=3600, help="seconds between passes with --loop"),
) -> None:
    """Send the due deliveries once (or keep doing so with --loop). Safe beside other workers."""
    st = state(ctx)
    engine = st.engine()
    if loop:
        out.print(st.t("Webhook を送信しています(Ctrl+C で終了)。", "Delivering webhooks (Ctrl+C to stop)."))
        stop = threading.Event()
        try:
            delivery.run_loop(engine, stop, interval=interval)
        except KeyboardInterrupt:
            stop.set()
        return
    result = delivery.deliver_pending(engine)
    out.print(
        st.t(
            f"送信 {result.sent} 件: 成功 {result.delivered}、再試行待ち {result.retrying}、失敗 {result.failed}",
            f"Sent {result.sent}: delivered {result.delivered}, retrying {result.retrying}, failed {result.failed}",
        )
    )


@app.command("replay")
def replay_cmd(ctx: typer.Context, delivery_id: int = typer.Argument(...)) -> None:
    """Queue a delivered or failed delivery again (same event id); the next pass sends it."""
    st = state(ctx)
    d = service.replay(st.engine(), delivery_id, actor=ACTOR)
    out.print(st.t(f"送信 {d.id} を再送待ちにしました。", f"Delivery {d.id} is queued again."))
