"""The win-likelihood API on SQLite and PostgreSQL: a lead's factors in the caller's language, the
model, calibration (routing.run) and the threshold (settings.edit), with the refusals."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tenbin.auth import service as auth
from tenbin.db import schema


def _world() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "integration" / "test_likelihood_service.py"
    spec = importlib.util.spec_from_file_location("likelihood_world", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORLD = _world()


@pytest.fixture
def token_client(app: FastAPI, engine: Engine) -> Callable[[str], TestClient]:
    def make(role: str) -> TestClient:
        user = auth.add_user(engine, username=f"api-{role}", role=role, password="x" * 20, actor="t").user
        token = auth.create_token(engine, user_id=user.id, name="test").secret
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    return make


def test_lead_factors_in_both_languages(engine: Engine, token_client: Callable[[str], TestClient]) -> None:
    world = WORLD.build_world(engine)
    viewer = token_client("viewer")
    url = f"/api/v1/likelihood/leads/{world['lead']}?as_of=2026-03-11T10:00:00"
    ja = viewer.get(url + "&lang=ja").json()
    en = viewer.get(url + "&lang=en").json()
    assert ja["probability"] == pytest.approx(0.437, abs=1e-3) and ja["band"] == "low" and ja["model_id"] is None
    assert [f["key"] for f in ja["factors"]] == ["consensus", "opposition", "budget_fit", "offer_rung", "recency"]
    assert [f["contribution"] for f in ja["factors"]] == pytest.approx([1.5, -1.0, -0.15, 2.0, 0.3969], abs=1e-4)
    assert (
        ja["factors"][3]["text"] == "最も購買に近いオファー: デモ申込(段階 4)"
        and ja["factors"][3]["label"] == "購買への近さ(オファー)"
    )
    assert en["factors"][3]["text"] == "Closest offer to purchase: デモ申込 (rung 4)"
    missing = viewer.get("/api/v1/likelihood/leads/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "LIKELIHOOD_LEAD_NOT_FOUND"


def test_calibrate_and_model_round_trip(engine: Engine, token_client: Callable[[str], TestClient]) -> None:
    WORLD._opportunities(engine, [(0.6, True) if k % 2 else (1.4, False) for k in range(80)])
    viewer, manager = token_client("sales"), token_client("marketing")
    refused = viewer.post("/api/v1/likelihood/calibrate")
    assert refused.status_code == 403 and refused.json()["code"] == "AUTH_FORBIDDEN"
    dry = manager.post("/api/v1/likelihood/calibrate?dry_run=true").json()
    assert dry["model_id"] is None and dry["adopted"] is True
    done = manager.post("/api/v1/likelihood/calibrate").json()
    assert done["adopted"] is True and done["held_out"]["auc"] == 1.0 and done["baseline"]["auc"] == 0.0
    model = viewer.get("/api/v1/likelihood/model").json()
    assert model["id"] == done["model_id"] and model["kind"] == "calibrated" and model["threshold"] == 0.5
    assert model["metrics"]["split"]["test"] == 20 and model["weights"]["budget_fit"] < 0
    assert model["latest_calibration"]["id"] == done["model_id"] and model["latest_calibration"]["is_current"]


def test_threshold_needs_settings_edit_and_a_valid_number(
    engine: Engine, token_client: Callable[[str], TestClient]
) -> None:
    inside_sales, admin = token_client("inside_sales"), token_client("admin")
    refused = inside_sales.put("/api/v1/likelihood/threshold", json={"value": 0.4})
    assert refused.status_code == 403 and refused.json()["code"] == "AUTH_FORBIDDEN"
    bad = admin.put("/api/v1/likelihood/threshold", json={"value": 1.5})
    assert bad.status_code == 400 and bad.json()["code"] == "LIKELIHOOD_THRESHOLD_INVALID"
    assert admin.put("/api/v1/likelihood/threshold", json={"value": 0.4}).json()["threshold"] == 0.4
    assert admin.get("/api/v1/likelihood/model").json()["threshold"] == 0.4
    no_icp = admin.put("/api/v1/likelihood/threshold", json={"mode": "capacity"})
    assert no_icp.status_code >= 400 and no_icp.json()["code"] in ("LIKELIHOOD_NO_CAPACITY", "ICP_NO_CURRENT")
    with engine.connect() as conn:
        actions = conn.execute(select(schema.audit_log.c.action)).scalars().all()
    assert actions.count("settings.likelihood_threshold") == 1


def test_as_of_with_an_offset_is_read_in_workspace_time(
    engine: Engine, token_client: Callable[[str], TestClient]
) -> None:
    world = WORLD.build_world(engine)
    viewer = token_client("viewer")
    # 01:00 UTC = 10:00 in Tokyo: the same moment as the naive local time of the other test
    body = viewer.get(f"/api/v1/likelihood/leads/{world['lead']}", params={"as_of": "2026-03-11T01:00:00Z"}).json()
    assert body["factors"][4]["value"] == pytest.approx(10.0)
