"""Routing over the REST API on SQLite and PostgreSQL: the endpoints return the service's results,
overrides are idempotent with an Idempotency-Key, errors are coded problems."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import count
from routing_world import World, add_lead, add_member, add_team, adopt_icp
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.db.engine import write_transaction
from tenbin.routing.service import local_now


@pytest.fixture
def token_client(app: FastAPI, engine: Engine) -> Callable[[str], TestClient]:
    def make(role: str) -> TestClient:
        user = auth.add_user(engine, username=f"api-{role}", role=role, password="x" * 20, actor="t").user
        token = auth.create_token(engine, user_id=user.id, name="test").secret
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    return make


def _world(engine: Engine, icp: bool = True) -> World:
    world = World(engine)
    now = local_now()
    with write_transaction(engine) as conn:
        if icp:
            adopt_icp(conn)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "佐藤", day=1)
        add_team(conn, world, "IS", "inside_sales")
        add_member(conn, world, "IS", "井上", day=5)
        add_team(conn, world, "デジタル", "digital")
        add_lead(conn, world, "hot", icp=True, high=True, at=now)
        add_lead(conn, world, "warm", icp=True, high=False, at=now)
        add_lead(conn, world, "cold", icp=False, high=False, at=now)
    return world


def test_run_read_override_handled(token_client: Callable[[str], TestClient], engine: Engine) -> None:
    world = _world(engine)
    inside = token_client("inside_sales")
    dry = inside.post("/api/v1/routing/run?lang=en", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    assert dry.json()["created"] == 3 and count(engine, "routing_decisions") == 0
    run = inside.post("/api/v1/routing/run?lang=en", json={})
    body = run.json()
    assert (body["considered"], body["created"], body["unassigned"]) == (3, 3, 0)
    assert [(r["quadrant"], r["team"], r["count"]) for r in body["summary"]] == [
        ("icp_high", "営業", 1), ("icp_low", "IS", 1), ("non_icp_low", "デジタル", 1),
    ]  # fmt: skip
    current = inside.get("/api/v1/routing/decisions?lang=en").json()
    assert {d["contact_id"]: d["action"] for d in current} == {
        world.leads["hot"]: "sales_now", world.leads["warm"]: "inside_sales_overflow",
        world.leads["cold"]: "digital_nurture",
    }  # fmt: skip
    only = inside.get(f"/api/v1/routing/decisions?quadrant=icp_low&team_id={world.teams['IS']}").json()
    assert [d["contact_id"] for d in only] == [world.leads["warm"]]
    assert only[0]["quadrant_label"] == "ICP × 受注確度低"  # Japanese by default
    # override: the reason is required; a retry with the same key creates nothing new
    bad = inside.post(f"/api/v1/routing/leads/{world.leads['warm']}/override", json={"team": "IS", "reason": " "})
    assert (bad.status_code, bad.json()["code"], bad.json()["attr"]) == (400, "ROUTING_REASON_REQUIRED", "reason")
    full = inside.post(f"/api/v1/routing/leads/{world.leads['warm']}/override",
                       json={"team": "営業", "member": "佐藤", "reason": "重要顧客"})  # fmt: skip
    assert (full.status_code, full.json()["code"]) == (409, "ROUTING_MEMBER_FULL")
    moved = [
        inside.post(f"/api/v1/routing/leads/{world.leads['cold']}/override?lang=en",
                    json={"team": "IS", "member": "井上", "reason": "展示会で話した"},
                    headers={"Idempotency-Key": "k-1"})
        for _ in range(2)
    ]  # fmt: skip
    assert [m.status_code for m in moved] == [201, 201] and moved[0].json() == moved[1].json()
    assert moved[0].json()["action_label"] == "Manager override" and count(engine, "routing_decisions") == 4
    history = inside.get(f"/api/v1/routing/leads/{world.leads['cold']}").json()
    assert [d["is_current"] for d in history["history"]] == [False, True]
    assert history["current"]["member_name"] == "井上" and history["current"]["decided_by"] == "api-inside_sales"
    handled = inside.post(f"/api/v1/routing/leads/{world.leads['cold']}/handled")
    assert handled.status_code == 200 and handled.json()["handled_at"] is not None
    queue = inside.get(f"/api/v1/routing/queue?member_id={world.members['井上']}&open=true").json()
    assert [i["contact_id"] for i in queue] == [world.leads["warm"]]
    loads = {t["name"]: t for t in inside.get("/api/v1/routing/loads").json()}
    assert (loads["IS"]["load_day"], loads["IS"]["members"][0]["left"]) == (2, 3)
    matrix = inside.get("/api/v1/routing/matrix").json()
    assert {q: c["count"] for q, c in matrix.items()} == {"icp_high": 1, "icp_low": 1, "non_icp_high": 0,
                                                          "non_icp_low": 1}  # fmt: skip
    missing = inside.post("/api/v1/routing/leads/99999/handled")
    assert (missing.status_code, missing.json()["code"]) == (404, "ROUTING_LEAD_NOT_FOUND")


def test_settings_and_refusals(token_client: Callable[[str], TestClient], engine: Engine) -> None:
    _world(engine, icp=False)
    marketing = token_client("marketing")
    assert marketing.get("/api/v1/routing/settings").json()["sla_hours"]["icp_high"] == 1.0
    saved = marketing.put("/api/v1/routing/settings", json={"sla_hours": {"icp_high": 2, "icp_low": 16}})
    assert saved.status_code == 200 and saved.json()["sla_hours"] == {
        "icp_high": 2.0, "icp_low": 16.0, "non_icp_high": 24.0, "non_icp_low": 72.0,
    }  # fmt: skip
    bad = marketing.put("/api/v1/routing/settings", json={"sla_hours": {"icp_high": 0}})
    assert (bad.status_code, bad.json()["code"], bad.json()["attr"]) == (400, "ROUTING_SLA_INVALID", "icp_high")
    no_icp = marketing.post("/api/v1/routing/run?lang=en", json={})
    assert (no_icp.status_code, no_icp.json()["code"]) == (409, "ROUTING_NO_ICP")
    assert "ICP workbench" in no_icp.json()["detail"]
    assert marketing.get("/api/v1/routing/decisions?quadrant=nope").status_code == 422
    viewer = token_client("viewer")
    refused = viewer.post("/api/v1/routing/run", json={})
    assert (refused.status_code, refused.json()["code"]) == (403, "AUTH_FORBIDDEN")
    assert count(engine, "routing_decisions") == 0
