"""The metrics REST API on SQLite and PostgreSQL, on the declared metrics workspace of
``tests/integration/test_metrics.py`` (400 leads, 150 ICP): a viewer reads the same numbers as the
service returns; bad dimensions, stages and dates are 400 problems with their code and ``attr``."""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.metrics.service import (
    CampaignCostQuery,
    ConversionQuery,
    IcpRateQuery,
    LeadFilter,
    ValueShareQuery,
    compute_campaign_costs,
    compute_conversion,
    compute_icp_rate,
    compute_value_share,
)


def _declare() -> Callable[[Engine], None]:
    """``declare`` of the metrics integration tests (that directory is not on the path here)."""
    path = Path(__file__).resolve().parents[1] / "integration" / "test_metrics.py"
    spec = importlib.util.spec_from_file_location("metrics_workspace", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    declare: Callable[[Engine], None] = module.declare
    return declare


@pytest.fixture
def viewer(app: FastAPI, engine: Engine) -> TestClient:
    _declare()(engine)
    user = auth.add_user(engine, username="api-viewer", role="viewer", password="x" * 20, actor="t").user
    token = auth.create_token(engine, user_id=user.id, name="test").secret
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _get(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_viewer_reads_the_service_numbers(viewer: TestClient, engine: Engine) -> None:
    body = _get(viewer, "/api/v1/metrics/icp-rate?by=stage,month")
    assert body == compute_icp_rate(engine, IcpRateQuery(by=("stage", "month"))).as_dict()
    lead = body["overall"][0]
    assert (lead["stage"], lead["total"], lead["icp"], lead["non_icp"], lead["rate"]) == ("lead", 400, 150, 250, 0.375)
    filtered = _get(
        viewer, "/api/v1/metrics/icp-rate?by=campaign&channel=広告&channel=展示会&from=2025-04-01&to=2026-03-31"
    )
    query = IcpRateQuery(by=("campaign",), period_from=dt.date(2025, 4, 1), period_to=dt.date(2026, 3, 31),
                         filters=LeadFilter(channels=("広告", "展示会")))  # fmt: skip
    assert filtered == compute_icp_rate(engine, query).as_dict()
    assert [(r["campaign"], r["total"], r["icp"]) for r in filtered["rows"]] == [("B", 200, 50), ("C", 40, 20)]
    v2 = _get(viewer, "/api/v1/metrics/icp-rate?icp_version=2&orientation=quantity&orientation=quality")
    both = LeadFilter(orientations=("quantity", "quality"))  # leaves out the 60 leads without a response
    assert v2 == compute_icp_rate(engine, IcpRateQuery(icp_version=2, filters=both)).as_dict()
    assert (v2["icp_version"], v2["overall"][0]["total"]) == (2, 340)

    conversion = _get(viewer, "/api/v1/metrics/conversion")
    steps = compute_conversion(engine, ConversionQuery()).steps
    assert [s["comparison"]["p_icp_higher"] for s in conversion["steps"]] == [s.comparison.p_icp_higher for s in steps]
    icp = conversion["steps"][0]["comparison"]["icp"]
    assert (icp["hits"], icp["total"], icp["rate"]) == (30, 150, 0.2)  # 商談化率 of ICP leads
    value = _get(viewer, "/api/v1/metrics/value?from=2025-04-01&to=2026-03-31")
    expected = compute_value_share(
        engine, ValueShareQuery(period_from=dt.date(2025, 4, 1), period_to=dt.date(2026, 3, 31))
    )
    assert value["pipeline"]["share"] == expected.pipeline.share and value["won"]["share"] == expected.won.share
    assert value["query"] == {"icp_version": None, "period_from": "2025-04-01", "period_to": "2026-03-31"}
    costs = _get(viewer, "/api/v1/metrics/costs")
    assert (costs["cost"], costs["leads"]["total"], costs["leads"]["hits"]) == (2_800_000, 340, 130)
    cost_rows = compute_campaign_costs(engine, CampaignCostQuery()).campaigns
    assert [(c["campaign"], c["cost_per_icp_lead"]) for c in costs["campaigns"]] == [
        (c.campaign, c.cost_per_icp_lead) for c in cost_rows
    ]


def test_bad_queries_are_problems_with_a_code_and_attr(viewer: TestClient) -> None:
    response = viewer.get("/api/v1/metrics/icp-rate?by=stage,week&lang=en")
    assert response.status_code == 400
    problem = response.json()
    assert (problem["code"], problem["attr"], problem["place"]["position"]) == ("METRICS_UNKNOWN_DIMENSION", "by", 2)
    assert problem["detail"].startswith("Cannot group by 'week'.")
    duplicate = viewer.get("/api/v1/metrics/icp-rate?by=month,month").json()
    assert (duplicate["code"], duplicate["attr"]) == ("METRICS_DUPLICATE_DIMENSION", "by")
    stage = viewer.get("/api/v1/metrics/icp-rate?stage=deal&lang=ja")
    assert stage.status_code == 400 and stage.json()["code"] == "METRICS_UNKNOWN_STAGE"
    assert "ファネルステージ 'deal' はありません" in stage.json()["detail"]
    steps = viewer.get("/api/v1/metrics/conversion?steps=won>sql").json()
    assert (steps["code"], steps["attr"]) == ("METRICS_STEP_ORDER", "steps[0]")
    period = viewer.get("/api/v1/metrics/costs?from=2026-01-01&to=2025-01-01").json()
    assert (period["code"], period["attr"]) == ("METRICS_PERIOD_ORDER", "period_from")
    for url in ("/api/v1/metrics/value?from=0001-01-01", "/api/v1/metrics/conversion?steps=lead"):
        response = viewer.get(url)
        assert response.status_code == 422 and response.json()["code"] == "REQUEST_INVALID", url  # the app's shape
    missing = viewer.get("/api/v1/metrics/icp-rate?icp_version=9")
    assert missing.status_code == 404 and missing.json()["code"] == "ICP_VERSION_NOT_FOUND"


def test_every_filter_total_is_its_group_in_the_breakdown(viewer: TestClient, engine: Engine) -> None:
    for dimension in ("campaign", "channel", "orientation", "offer", "team", "industry", "size_band"):
        groups = _get(viewer, f"/api/v1/metrics/icp-rate?by={dimension}")["rows"]
        assert len(groups) >= 2, dimension
        for group in groups:
            value = group[dimension].replace(",", "\\,")
            overall = _get(viewer, f"/api/v1/metrics/icp-rate?{dimension}={value}")["overall"][0]
            assert (overall["total"], overall["icp"]) == (group["total"], group["icp"]), (dimension, value)
    both = _get(viewer, "/api/v1/metrics/icp-rate?industry=E,G&team=インサイドセールス&team=フィールドセールス")
    # 佐藤's 60 ICP leads (E) + of 鈴木's 80 non-ICP leads j < 80 those at G (j % 25 < 15): 15 + 15 + 15 + 5
    assert (both["overall"][0]["total"], both["overall"][0]["icp"]) == (110, 60)
    query = IcpRateQuery(filters=LeadFilter(industries=("E", "G"), teams=("インサイドセールス", "フィールドセールス")))
    assert both == compute_icp_rate(engine, query).as_dict()
    conversion = _get(viewer, "/api/v1/metrics/conversion?size_band=300-499&orientation=量")
    icp = conversion["steps"][0]["comparison"]["icp"]
    filtered = ConversionQuery(filters=LeadFilter(size_bands=("300-499",), orientations=("quantity",)))
    assert icp["total"] == compute_conversion(engine, filtered).steps[0].comparison.icp.total == 70  # B 50 + C 20


def test_malformed_filters_are_400_problems(viewer: TestClient) -> None:
    for url, code, attr in (
        ("/api/v1/metrics/icp-rate?orientation=volume&lang=en", "METRICS_FILTER_ORIENTATION", "orientation"),
        ("/api/v1/metrics/conversion?offer=,&lang=en", "METRICS_FILTER_EMPTY", "offer"),
        (f"/api/v1/metrics/icp-rate?team={'x' * 301}", "METRICS_FILTER_TOO_LONG", "team"),
    ):
        response = viewer.get(url)
        assert response.status_code == 400, url
        assert (response.json()["code"], response.json()["attr"]) == (code, attr)
    assert viewer.get("/api/v1/metrics/icp-rate?size_band=" + "&size_band=".join(["a"] * 51)).status_code == 422
