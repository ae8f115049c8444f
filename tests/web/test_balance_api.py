"""``GET /api/v1/balance`` and ``/api/v1/balance/pressure`` on SQLite and PostgreSQL, on the declared
workspace of ``tests/integration/test_balance_signals.py`` (February: 90 of a capacity of 100 leads
to sales, saturated; win rate 2/10 against 18/30 before, fallen at p = 0.0324): a viewer reads what
``tenbin balance --json`` prints; bad parameters are 400 problems with their code and ``attr``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.balance.report import balance_dict, pressure_dict
from tenbin.balance.service import balance_state, resource_pressure
from tenbin.metrics.service import LeadFilter


def _signals_workspace() -> ModuleType:
    """The integration test module (that directory is not on the path here)."""
    path = Path(__file__).resolve().parents[1] / "integration" / "test_balance_signals.py"
    spec = importlib.util.spec_from_file_location("balance_signals_workspace", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORKSPACE = _signals_workspace()
TODAY = WORKSPACE.TODAY


@pytest.fixture
def viewer(app: FastAPI, engine: Engine) -> TestClient:
    WORKSPACE.declare(engine)
    user = auth.add_user(engine, username="api-viewer", role="viewer", password="x" * 20, actor="t").user
    token = auth.create_token(engine, user_id=user.id, name="test").secret
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _get(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_viewer_reads_the_balance_with_its_signals(viewer: TestClient, engine: Engine) -> None:
    body = _get(viewer, f"/api/v1/balance?periods=3&today={TODAY}&lang=en")
    expected = balance_state(engine, period="month", periods=3, today=TODAY)
    assert body == [balance_dict(row, "en") for row in expected]
    assert len(body) == 3 * 5  # 3 months × 5 funnel stages
    feb = next(r for r in body if (r["period"], r["stage"]) == ("2026-02", "lead"))
    capacity, win_rate = feb["signals"]["capacity"], feb["signals"]["win_rate"]
    assert (capacity["used"], capacity["capacity"], capacity["share"], capacity["status"], capacity["saturated"]) == (
        90, 100.0, 0.9, "saturated", True,
    )  # fmt: skip
    assert (capacity["source"], capacity["roster"]["per_week"], capacity["roster"]["per_day"]) == (
        "opportunities",
        15,
        2,
    )
    assert (win_rate["won"], win_rate["closed"], win_rate["baseline_won"], win_rate["baseline_closed"]) == (
        2,
        10,
        18,
        30,
    )
    assert win_rate["p_fallen"] == pytest.approx(27_478_256 / 847_660_528) and win_rate["fallen"] is True
    assert feb["explanation"].endswith(
        "The win rate has fallen and sales capacity is saturated: time to shift toward quality."
    )
    march = next(r for r in body if (r["period"], r["stage"]) == ("2026-03", "lead"))
    assert (march["icp"], march["total"], march["state"], march["complete"]) == (5, 5, "quality_leaning", False)
    assert (march["signals"]["capacity"]["source"], march["signals"]["capacity"]["used"]) == ("routing", 3)
    ja = _get(viewer, f"/api/v1/balance?periods=1&today={TODAY}&stage=lead&lang=ja")
    assert [(r["period"], r["stage"]) for r in ja] == [("2026-03", "lead")]
    assert ja[0]["explanation_state"].startswith("ICP率 100.0%(5/5)が目標帯 30〜50% を上回っているため質寄りです。")
    assert "営業への割り当て 3件" in ja[0]["explanation_signals"]


def test_filters_and_periods(viewer: TestClient, engine: Engine) -> None:
    kept = _get(viewer, f"/api/v1/balance?periods=1&today={TODAY}&stage=lead&industry=E,G&size_band=(none)")
    expected = balance_state(engine, periods=1, today=TODAY, stage="lead",
                             filters=LeadFilter(industries=("E", "G"), size_bands=("(none)",)))  # fmt: skip
    assert kept == [balance_dict(r, "ja") for r in expected] and kept[0]["total"] == 5
    none = _get(viewer, f"/api/v1/balance?periods=1&today={TODAY}&stage=lead&industry=G")
    assert (none[0]["total"], none[0]["state"]) == (0, "no_data")  # an unknown value keeps no leads: no error
    quarter = _get(viewer, f"/api/v1/balance?period=quarter&periods=2&today={TODAY}&stage=sql")
    assert [r["period"] for r in quarter] == ["2025-Q4", "2026-Q1"]


def test_pressure_for_the_last_complete_month(viewer: TestClient, engine: Engine) -> None:
    body = _get(viewer, f"/api/v1/balance/pressure?today={TODAY}&lang=en")
    assert body == pressure_dict(resource_pressure(engine, today=TODAY), "en")
    assert (body["period"], body["period_from"], body["period_to"]) == ("2026-02", "2026-02-01", "2026-02-28")
    assert (body["win_rate_fallen"], body["capacity_saturated"], body["shift_to_quality"]) == (True, True, True)
    assert body["reasons"] == ["win_rate_fallen", "capacity_saturated", "shift_to_quality"]
    assert body["explanation"].startswith("The win rate of 20.0% (2/10) has fallen from 60.0% (18/30)")


@pytest.mark.parametrize(
    ("query", "status", "code", "attr"),
    [
        ("period=week", 400, "BALANCE_PERIOD_INVALID", "period"),
        ("periods=0", 400, "BALANCE_PERIODS_INVALID", "periods"),
        ("periods=61", 400, "BALANCE_PERIODS_INVALID", "periods"),
        ("stage=deal", 400, "BALANCE_UNKNOWN_STAGE", "stage"),
        ("orientation=big", 400, "METRICS_FILTER_ORIENTATION", "orientation"),
        ("channel=", 400, "METRICS_FILTER_EMPTY", "channel"),
        ("periods=three", 422, "REQUEST_INVALID", "periods"),
        ("today=2026-02-30", 422, "REQUEST_INVALID", "today"),
        ("icp_version=9", 404, "ICP_VERSION_NOT_FOUND", "version"),
    ],
)
def test_bad_parameters_are_problems_with_code_and_attr(
    viewer: TestClient, query: str, status: int, code: str, attr: str | None
) -> None:
    response = viewer.get(f"/api/v1/balance?{query}&lang=en")
    assert response.status_code == status, response.text
    problem = response.json()
    assert (problem["code"], problem.get("attr")) == (code, attr)
    assert problem["detail"] and "{" not in problem["detail"]


def test_the_pressure_refuses_a_bad_period(viewer: TestClient) -> None:
    problem = viewer.get("/api/v1/balance/pressure?period=week&lang=ja").json()
    assert (problem["code"], problem["attr"]) == ("BALANCE_PERIOD_INVALID", "period")
    assert "'week' 単位ではバランスを表示できません" in problem["detail"]
