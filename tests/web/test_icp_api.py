"""The ICP REST API on SQLite and PostgreSQL: checks with positions in the one error shape, discovery,
versions saved once per Idempotency-Key, adoption by marketing only, explanations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import count
from icp_workspace import PLANTED, declare_workspace
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.db import schema


@pytest.fixture
def api(app: FastAPI, engine: Engine) -> Callable[[str], TestClient]:
    def client(role: str) -> TestClient:
        user = auth.add_user(engine, username=f"api-{role}", role=role, password="x" * 20, actor="t").user
        token = auth.create_token(engine, user_id=user.id, name="test").secret
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    return client


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    return declare_workspace(engine)[0]


def test_check_counts_and_bad_rules_point_at_the_position(api: Callable[[str], TestClient], workspace: Engine) -> None:
    viewer = api("viewer")
    r = viewer.post("/api/v1/icp/check", json={"rules": "業種 = 製造業 and 従業員数 between 300 and 999"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["rule"] == PLANTED and body["accounts"] > 0 and body["evidence"] is None
    r = viewer.post("/api/v1/icp/check?lang=ja", json={"rules": 'industry = "E" and 業界 = "x"'})
    assert r.status_code == 400
    problem = r.json()
    assert problem["code"] == "ICP_RULE_UNKNOWN_ATTRIBUTE" and problem["attr"] == "業界"
    assert problem["place"]["position"] == 20 and "20 文字目" in problem["detail"]


def test_discover_versions_adopt_and_explain(api: Callable[[str], TestClient], workspace: Engine) -> None:
    viewer, marketing = api("viewer"), api("marketing")
    found = viewer.post("/api/v1/icp/discover", json={"target": "ltv", "top_k": 5}).json()
    assert found["candidates"][found["best"] - 1]["rule"] == PLANTED
    assert found["tried"] >= found["evaluated"] > 0 and found["split"] == "time"

    body = {"name": "中堅製造業", "rules": PLANTED, "notes_ltv": "継続率が高い", "adopt": True}
    assert viewer.post("/api/v1/icp/versions", json=body).json()["code"] == "AUTH_FORBIDDEN"
    headers = {"Idempotency-Key": "save-icp-1"}
    first = marketing.post("/api/v1/icp/versions", json=body, headers=headers)
    again = marketing.post("/api/v1/icp/versions", json=body, headers=headers)
    assert first.status_code == 201 and again.json() == first.json()
    assert count(workspace, schema.icp_versions) == 1
    saved = first.json()
    assert saved["version"] == 1 and saved["current"] and saved["notes"]["ltv"] == "継続率が高い"
    assert saved["evidence"]["customers"]["hits"] > 0

    current = viewer.get("/api/v1/icp/versions/current").json()
    assert current["version"] == 1
    assert viewer.get("/api/v1/icp/versions/9").json()["code"] == "ICP_VERSION_NOT_FOUND"
    explained = viewer.get("/api/v1/icp/explain", params={"contact_id": 1}).json()
    assert explained["contact_id"] == 1 and [c["condition"] for c in explained["conditions"]] == [
        'industry = "E"',
        "employees between 300 and 999",
    ]
    assert viewer.get("/api/v1/icp/explain").json()["code"] == "ICP_OPTION_INVALID"
