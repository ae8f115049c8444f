"""The plan over the API and on the page, on SQLite and PostgreSQL, on the declared workspace of
``tests/integration/test_plan_service.py`` (whose docstring works every number out by hand): the API
returns the service's result; the page shows the plan, changes when the user edits the volume
target or the budget, speaks Japanese and English, and shows refused values inline with their code."""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import Client
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.plan.service import plan_campaign_mix


def _workspace() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "integration" / "test_plan_service.py"
    spec = importlib.util.spec_from_file_location("plan_workspace", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WS = _workspace()
SINCE = "since=2025-01-01&today=2026-03-15"


@pytest.fixture
def viewer(app: FastAPI, engine: Engine) -> TestClient:
    WS.declare(engine)
    user = auth.add_user(engine, username="api-viewer", role="viewer", password="x" * 20, actor="t").user
    token = auth.create_token(engine, user_id=user.id, name="test").secret
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_the_api_returns_the_service_result(viewer: TestClient, engine: Engine) -> None:
    response = viewer.get(f"/api/v1/plan?{SINCE}&resource_rule=off&lang=en")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    expected = plan_campaign_mix(engine, today=dt.date(2026, 3, 15), history_from=dt.date(2025, 1, 1),
                                 resource_rule="off").as_dict("en")  # fmt: skip
    assert body == expected
    assert body["plan"]["cost"] == 1_400_000 and body["plan"]["feasible"] is True
    assert {(line["channel"], line["count"]) for line in body["plan"]["lines"] if line["count"]} == {
        ("展示会", 2), ("個別セミナー", 1),
    }  # fmt: skip
    assert body["explanation"][0].startswith("Recommended for 2026-04: 3 campaigns, 20 expected leads")


@pytest.mark.parametrize(("query", "status", "code", "attr"), [
    ("band=60-20", 400, "PLAN_BAND_INVALID", "band"),
    ("period=year", 400, "PLAN_PERIOD_INVALID", "period"),
    ("resource_rule=maybe", 400, "PLAN_RULE_INVALID", "resource_rule"),
    ("leads=0", 422, "REQUEST_INVALID", "leads"),  # the app's validation problem for a bad query value
])  # fmt: skip
def test_the_api_refuses_bad_arguments(viewer: TestClient, query: str, status: int, code: str, attr: str) -> None:
    response = viewer.get(f"/api/v1/plan?{SINCE}&{query}")
    assert response.status_code == status
    assert (response.json()["code"], response.json()["attr"]) == (code, attr)


def test_the_page_shows_the_plan_and_changes_when_the_user_edits_it(
    login: Callable[..., Client], engine: Engine
) -> None:
    WS.declare(engine)
    page = login("viewer")
    html = page.page("/plan?resource_rule=off").text  # type: ignore[attr-defined]
    assert "次の施策ミックス" in html and 'href="/plan"' in html
    # today's date is not fixed on the page: the history is every campaign (OLD included), so the
    # trade-show type is 3 campaigns, 26 leads, 4 ICP, ¥600,000 each; just check it is shown
    assert "展示会" in html and "個別セミナー" in html and 'data-feasible="yes"' in html
    small = page.page("/plan?resource_rule=off&leads=20&budget=100000").text  # type: ignore[attr-defined]
    assert 'data-feasible="no"' in small and "件数目標 20 件に" in small
    bigger = page.page("/plan?resource_rule=off&leads=200").text  # type: ignore[attr-defined]
    assert "見込みリード 2" in bigger  # 200 or more expected leads


def test_the_page_in_english_and_an_inline_error(login: Callable[..., Client], engine: Engine) -> None:
    WS.declare(engine)
    page = login("marketing", locale="en")
    html = page.page("/plan?band=70-10").text  # type: ignore[attr-defined]
    assert "Next campaign mix" in html and 'data-error-code="PLAN_BAND_INVALID"' in html
    assert "plan-result" not in html
    html = page.page("/plan?leads=abc").text  # type: ignore[attr-defined]
    assert 'data-error-code="PLAN_NUMBER_INVALID"' in html
    html = page.page("/plan?resource_rule=on").text  # type: ignore[attr-defined]
    assert "The resource rule is applied as asked" in html


def test_every_plan_table_downloads_as_csv_and_xlsx(login: Callable[..., Client], engine: Engine) -> None:
    import csv
    import io

    import openpyxl

    WS.declare(engine)
    page = login("viewer")
    expected = plan_campaign_mix(engine, leads=20, resource_rule="off")  # what the page computes today
    planned = [line for line in expected.plan.lines if line.count]
    query = "leads=20&resource_rule=off"
    got = page.get(f"/plan/tables/plan.csv?{query}")  # type: ignore[attr-defined]
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["施策タイプ", "量/質", "件数"]
    assert [(r[0], int(r[2])) for r in rows[1:]] == [(line.channel, line.count) for line in planned]
    assert sum(float(r[5]) for r in rows[1:]) == expected.plan.cost
    checks = page.get(f"/plan/tables/checks.csv?{query}&encoding=cp932")  # type: ignore[attr-defined]
    assert checks.status_code == 200 and len(checks.content.decode("cp932").splitlines()) == 1 + len(
        expected.plan.checks
    )
    book = page.get(f"/plan/tables/history.xlsx?{query}")  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    assert sheet.max_row == 1 + sum(1 for h in expected.history if h.excluded is None)
    assert page.get(f"/plan/tables/nothing.csv?{query}").status_code == 404  # type: ignore[attr-defined]
    refused = page.get("/plan/tables/plan.csv?band=70-10")  # type: ignore[attr-defined]
    assert refused.status_code == 400 and "PLAN_BAND_INVALID" in refused.text
