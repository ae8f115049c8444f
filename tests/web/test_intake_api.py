"""POST /api/v1/leads on both databases: the answer (ICP fit and reasons, likelihood and factors, quadrant,
team/member, decision id), idempotency (same key twice, concurrently, the same lead with new keys),
coded field errors that write nothing, and the permission."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import count
from routing_world import World, add_member, add_team, adopt_icp
from sqlalchemy import Engine, func, insert, select

from tenbin.auth import service as auth
from tenbin.db import schema
from tenbin.db.engine import write_transaction


def _token(engine: Engine, role: str = "marketing") -> dict[str, str]:
    user = auth.add_user(engine, username=f"intake-{role}", role=role, password="correct horse battery", actor="t")
    return {"Authorization": "Bearer " + auth.create_token(engine, user_id=user.user.id, name="form").secret}


def _workspace(engine: Engine) -> World:
    world = World(engine)
    with write_transaction(engine) as conn:
        adopt_icp(conn)  # industry = "E" (製造業)
        add_team(conn, world, "営業", "sales")
        add_member(conn, world, "営業", "佐藤", day=5)
        add_team(conn, world, "デジタル", "digital")
        conn.execute(insert(schema.campaigns).values(name="展示会2026", channel="展示会", orientation="quantity"))
    return world


BODY: dict[str, Any] = {
    "lead": {"email": "ichiro.suzuki@seizo.co.jp", "last_name": "鈴木", "first_name": "一郎", "title": "部長",
             "department": "生産技術部"},
    "company": {"name": "製造株式会社", "corporate_number": "8700110005901", "industry": "製造業", "employees": 350,
                "prefecture": "愛知県"},
    "response": {"campaign": "展示会2026", "offer": "見積もり依頼"},
    "buying_group": {"role": "決裁者", "stance": "賛成"},
}  # fmt: skip


def _post(client: TestClient, headers: dict[str, str], key: str | None, body: dict[str, Any] = BODY) -> Any:
    extra = {} if key is None else {"Idempotency-Key": key}
    return client.post("/api/v1/leads", json=body, headers={**headers, **extra})


def _current_decisions(engine: Engine) -> int:
    d = schema.routing_decisions
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(d.c.superseded_at.is_(None))).scalar_one())


def test_intake_answers_fit_likelihood_and_routing(client: TestClient, engine: Engine) -> None:
    world = _workspace(engine)
    headers = _token(engine)
    r = _post(client, headers, "k-1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["lead"]["created"] and body["account"]["created"] and body["response"]["created"]
    icp = body["icp"]
    assert (icp["version"], icp["matches"]) == (1, True)
    assert [(x["condition"], x["holds"], x["actual"]) for x in icp["reasons"]] == [('industry = "E"', True, ["E"])]
    assert "該当" in icp["reasons"][0]["ja"] and "met" in icp["reasons"][0]["en"]
    like = body["likelihood"]
    # −3 + 0.5×rung 5 + 0.5 (decision maker supports) + 0.5×2^0 (responded now) = 0.5
    assert like["probability"] == pytest.approx(1 / (1 + math.exp(-0.5)), abs=1e-3) and like["band"] == "high"
    assert {f["key"] for f in like["factors"]} >= {"consensus", "offer_rung", "recency"}
    assert all(f["ja"] and f["en"] for f in like["factors"])
    routing = body["routing"]
    assert body["quadrant"] == routing["quadrant"] == "icp_high"
    assert (routing["action"], routing["team"], routing["member"]) == ("sales_now", "営業", "佐藤")
    assert routing["member_id"] == world.members["佐藤"] and routing["trigger"] == "intake"
    assert routing["reason"]["ja"] and routing["reason"]["en"]
    with engine.connect() as conn:
        decision = conn.execute(select(schema.routing_decisions)).mappings().one()
    assert decision["id"] == routing["decision_id"] and decision["decided_by"] == "api:intake-marketing"


def test_same_key_twice_replays_and_writes_nothing_new(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    headers = _token(engine)
    first = _post(client, headers, "same-key")
    again = _post(client, headers, "same-key")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert (count(engine, "contacts"), count(engine, "accounts"), count(engine, "responses")) == (1, 1, 1)
    assert count(engine, "routing_decisions") == 1
    changed = _post(client, headers, "same-key", {**BODY, "budget": 1000})
    assert changed.status_code == 422 and changed.json()["code"] == "API_IDEMPOTENCY_KEY_REUSED"


def test_same_lead_with_new_keys_updates(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    headers = _token(engine)
    first = _post(client, headers, "a").json()
    second_body = {**BODY, "lead": {**BODY["lead"], "title": "執行役員"}}
    second = _post(client, headers, "b", second_body).json()
    assert second["lead"] == {"id": first["lead"]["id"], "created": False}
    assert second["routing"]["decision_id"] == first["routing"]["decision_id"]  # the assignment stands
    assert (count(engine, "contacts"), count(engine, "accounts")) == (1, 1)
    assert _current_decisions(engine) == 1 and count(engine, "routing_decisions") == 1
    with engine.connect() as conn:
        assert conn.execute(select(schema.contacts.c.level)).scalar_one() == "executive"


def _concurrently(client: TestClient, headers: dict[str, str], keys: list[str]) -> list[Any]:
    barrier = threading.Barrier(len(keys))
    results: list[Any] = [None] * len(keys)

    def send(i: int) -> None:
        barrier.wait()
        results[i] = _post(client, headers, keys[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_requests_with_one_key_make_one_lead(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    headers = _token(engine)
    results = _concurrently(client, headers, ["one"] * 4)
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    assert len({r.json()["routing"]["decision_id"] for r in results}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in results) == 3
    assert (count(engine, "contacts"), count(engine, "accounts"), count(engine, "responses")) == (1, 1, 1)
    assert count(engine, "routing_decisions") == 1


def test_concurrent_same_lead_with_different_keys(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    headers = _token(engine)
    results = _concurrently(client, headers, ["k1", "k2", "k3", "k4"])
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    assert sum(r.json()["lead"]["created"] for r in results) == 1
    assert len({r.json()["lead"]["id"] for r in results}) == 1
    assert len({r.json()["routing"]["decision_id"] for r in results}) == 1
    assert (count(engine, "contacts"), count(engine, "accounts")) == (1, 1)
    assert _current_decisions(engine) == 1 and count(engine, "routing_decisions") == 1


def test_errors_are_coded_with_the_field_and_write_nothing(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    headers = _token(engine)
    missing = _post(client, headers, None)
    assert (missing.status_code, missing.json()["code"], missing.json()["attr"]) == (
        400, "INTAKE_IDEMPOTENCY_KEY_REQUIRED", "Idempotency-Key",
    )  # fmt: skip
    bad = {**BODY, "company": {**BODY["company"], "corporate_number": "1234567890123"}}
    ja = _post(client, headers, "bad-1", bad)
    en = client.post("/api/v1/leads?lang=en", json=bad, headers={**headers, "Idempotency-Key": "bad-2"})
    assert (ja.status_code, ja.json()["code"], ja.json()["attr"]) == (
        422, "INTAKE_FIELD_INVALID", "company.corporate_number",
    )  # fmt: skip
    assert "チェックディジット" in ja.json()["detail"] or "法人番号" in ja.json()["detail"]
    assert en.json()["detail"].startswith("company.corporate_number is invalid:")
    assert en.json()["detail"] != ja.json()["detail"]
    unknown = _post(client, headers, "bad-3", {**BODY, "response": {"campaign": "ない"}})
    assert (unknown.json()["code"], unknown.json()["attr"]) == ("INTAKE_CAMPAIGN_UNKNOWN", "response.campaign")
    extra = _post(client, headers, "bad-4", {**BODY, "surprise": 1})
    assert extra.status_code == 422 and extra.json()["code"] == "REQUEST_INVALID"
    assert (count(engine, "contacts"), count(engine, "accounts"), count(engine, "routing_decisions")) == (0, 0, 0)
    assert count(engine, "idempotency_keys") == 0  # failed requests forget their key: a fix can reuse it
    fixed = _post(client, headers, "bad-1")
    assert fixed.status_code == 201


def test_permission_import_required(client: TestClient, engine: Engine) -> None:
    _workspace(engine)
    r = _post(client, _token(engine, "sales"), "x")
    assert (r.status_code, r.json()["code"]) == (403, "AUTH_FORBIDDEN")
    assert client.post("/api/v1/leads", json=BODY, headers={"Idempotency-Key": "y"}).status_code == 401
    assert count(engine, "contacts") == 0
