"""Settings → Webhooks: add (secret shown once), failures visible with their error, replay, remove."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine, insert, select, update

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.webhooks import delivery
from tenbin.webhooks.outbox import enqueue


def test_add_see_failure_replay_remove(engine: Engine, login: Callable[..., object]) -> None:
    with write_transaction(engine) as conn:
        conn.execute(insert(schema.teams).values(name="営業1課", kind="sales"))
    c = login("marketing")
    page = c.page("/settings/webhooks")  # type: ignore[attr-defined]
    assert page.status_code == 200 and "Webhook はまだありません" in page.text
    added = c.submit(  # type: ignore[attr-defined]
        "/settings/webhooks",
        {"name": "受信テスト", "url": "http://127.0.0.1:9/hook", "team": "1", "events": ["routing.assigned"]},
    )
    with engine.connect() as conn:
        secret = conn.execute(select(schema.webhooks.c.secret)).scalar_one()
    assert added.status_code == 200 and secret in added.text and "今回だけ表示" in added.text
    again = c.page("/settings/webhooks")  # type: ignore[attr-defined]
    assert secret not in again.text and "受信テスト" in again.text and "営業1課" in again.text

    # a delivery to a closed port fails; after the last attempt it is failed and visible with its error
    with write_transaction(engine) as conn:
        [delivery_id] = enqueue(conn, team_id=1, event="routing.assigned", payload={"contact_id": 1})
        conn.execute(update(schema.webhook_deliveries).values(attempts=5))
    now = dt.datetime.now() + dt.timedelta(seconds=1)
    assert delivery.deliver_pending(engine, clock=lambda: now).failed == 1
    failed = c.page("/settings/webhooks?status=failed")  # type: ignore[attr-defined]
    assert f"whd_{delivery_id}" in failed.text and "URLError" in failed.text and "失敗" in failed.text
    replayed = c.submit(f"/settings/webhooks/deliveries/{delivery_id}/replay")  # type: ignore[attr-defined]
    assert replayed.status_code == 200 and "再度キューに入れました" in replayed.text
    with engine.connect() as conn:
        row = conn.execute(select(schema.webhook_deliveries)).mappings().one()
        actions = conn.execute(select(schema.audit_log.c.action).order_by(schema.audit_log.c.id)).scalars().all()
    assert (row["status"], row["attempts"]) == ("pending", 0)
    removed = c.submit("/settings/webhooks/1/delete")  # type: ignore[attr-defined]
    assert removed.status_code == 200 and "Webhook はまだありません" in removed.text
    assert actions[-2:] == ["webhook.add", "webhook.replay"]


def test_english_page_and_refusals(engine: Engine, login: Callable[..., object]) -> None:
    c = login("admin", locale="en")
    page = c.page("/settings/webhooks")  # type: ignore[attr-defined]
    assert "No webhooks yet" in page.text and 'href="/settings/webhooks"' in page.text
    bad = c.submit("/settings/webhooks", {"name": "x", "url": "ftp://x", "events": ["routing.assigned"]})  # type: ignore[attr-defined]
    assert bad.status_code == 400 and "WEBHOOK_URL_INVALID" in bad.text
    sales = login("sales")
    assert sales.page("/settings/webhooks").status_code == 403  # type: ignore[attr-defined]


def test_webhooks_api(engine: Engine, client: object) -> None:
    from tenbin.auth import service as auth

    user = auth.add_user(engine, username="is-lead", role="inside_sales", password="correct horse battery", actor="t")
    headers = {"Authorization": "Bearer " + auth.create_token(engine, user_id=user.user.id, name="x").secret}
    c = client
    created = c.post(  # type: ignore[attr-defined]
        "/api/v1/webhooks", json={"name": "CRM", "url": "http://127.0.0.1:9/x", "events": ["*"]}, headers=headers
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    hook_id = created.json()["id"]
    listed = c.get("/api/v1/webhooks", headers=headers)  # type: ignore[attr-defined]
    assert listed.status_code == 200 and "secret" not in listed.json()[0] and listed.json()[0]["team"] is None
    with write_transaction(engine) as conn:
        [delivery_id] = enqueue(conn, team_id=None, event="lead.received", payload={"x": 1})
    rows = c.get("/api/v1/webhooks/deliveries?status=pending", headers=headers).json()  # type: ignore[attr-defined]
    assert [(r["id"], r["event_id"], r["status"]) for r in rows] == [(delivery_id, f"whd_{delivery_id}", "pending")]
    pending = c.post(f"/api/v1/webhooks/deliveries/{delivery_id}/replay", headers=headers)  # type: ignore[attr-defined]
    assert (pending.status_code, pending.json()["code"]) == (409, "WEBHOOK_DELIVERY_PENDING")
    with write_transaction(engine) as conn:
        conn.execute(update(schema.webhook_deliveries).values(status="failed", attempts=6, next_attempt_at=None))
    replayed = c.post(f"/api/v1/webhooks/deliveries/{delivery_id}/replay", headers=headers)  # type: ignore[attr-defined]
    assert replayed.status_code == 200 and (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    assert c.delete(f"/api/v1/webhooks/{hook_id}", headers=headers).status_code == 204  # type: ignore[attr-defined]
    missing = c.delete(f"/api/v1/webhooks/{hook_id}", headers=headers)  # type: ignore[attr-defined]
    assert (missing.status_code, missing.json()["code"]) == (404, "WEBHOOK_NOT_FOUND")
