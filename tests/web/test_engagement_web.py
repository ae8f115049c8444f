"""The engagement pages and API on SQLite and PostgreSQL, on the tiny declared workspace of
tests/engagement_workspace.py (its docstring and tests/integration/test_engagement_service.py work the
numbers out): the API returns the service's result; pages show the numbers in Japanese and English;
seminars are recorded, edited and deleted through CSRF-checked forms by roles with seminars.edit only."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from conftest import Client
from engagement_workspace import build
from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import count, snapshot
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.engagement import service as svc


def _token(app: FastAPI, engine: Engine, role: str) -> TestClient:
    user = auth.add_user(engine, username=f"api-{role}", role=role, password="x" * 20, actor="t").user
    return TestClient(
        app, headers={"Authorization": f"Bearer {auth.create_token(engine, user_id=user.id, name='t').secret}"}
    )


def test_api_ladder_and_whitespace_are_the_service_results(app: FastAPI, engine: Engine) -> None:
    build(engine)
    viewer = _token(app, engine, "viewer")
    body = viewer.get("/api/v1/ladder?by=account").json()
    assert body == svc.as_plain(svc.compute_ladder(engine, by="account"))
    first = body["steps"][0]
    assert (first["higher"]["icp"]["hits"], first["higher"]["icp"]["total"]) == (1, 1)
    bad = viewer.get("/api/v1/ladder?by=team")
    assert bad.status_code == 400 and bad.json()["code"] == "LADDER_BY_INVALID" and bad.json()["attr"] == "by"
    spaces = viewer.get("/api/v1/whitespace").json()
    assert [r["account_id"] for r in spaces["rows"]] == [4, 3, 5]
    assert viewer.get("/api/v1/whitespace?account_id=1").json()["code"] == "WHITESPACE_NOT_CUSTOMER"
    assert viewer.get("/api/v1/accounts/3/seminars").json()["roles_now"] == ["it_evaluator", "champion"]
    assert viewer.get("/api/v1/accounts/999/seminars").status_code == 404


def test_api_records_a_seminar_once_per_idempotency_key(app: FastAPI, engine: Engine) -> None:
    build(engine, icp=False)
    sales, viewer = _token(app, engine, "sales"), _token(app, engine, "viewer")
    payload = {
        "title": "DX勉強会",
        "held_on": "2026-02-01",
        "attendees": [
            {"contact": "c31@example.jp", "role": "決裁者"},
            {"name": "山田", "department": "経理課", "level": "manager"},
        ],
    }
    first = sales.post("/api/v1/accounts/3/seminars", json=payload, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    again = sales.post("/api/v1/accounts/3/seminars", json=payload, headers={"Idempotency-Key": "k-1"})
    assert again.json() == first.json() and count(engine, "seminar_sessions") == 1
    assert [a["role"] for a in first.json()["attendees"]] == ["decision_maker", None]
    before = snapshot(engine)
    bad = sales.post("/api/v1/accounts/3/seminars", json={**payload, "attendees": [{"role": "boss", "name": "x"}]})
    assert bad.status_code == 400 and bad.json()["code"] == "SEMINAR_ROLE_INVALID"
    assert viewer.post("/api/v1/accounts/3/seminars", json=payload).json()["code"] == "AUTH_FORBIDDEN"
    assert snapshot(engine) == before


def test_ladder_page_shows_counts_in_both_languages(engine: Engine, login: Callable[..., Client]) -> None:
    build(engine)
    ja = login("viewer")
    page = ja.page("/ladder").text  # type: ignore[attr-defined]
    assert "オファー設計: ステップアップ率" in page and "ICPバージョン 1。" in page
    row = re.search(r'<tr data-rank="1" data-icp-total="(\d+)" data-non-icp-total="(\d+)">', page)
    assert row is not None and row.groups() == ("2", "1")
    assert "2/2" in page and "0/1" in page and "p = 0.333" in page
    chart = ja.get("/ladder/chart.json?by=lead").json()
    assert {(v["rung"], v["group"], v["rate"]) for v in chart["data"]["values"] if v["rung"].startswith("1.")} == {
        ("1. 資料請求", "ICP", 1.0), ("1. 資料請求", "非ICP", 0.0)}  # fmt: skip
    en = login("marketing", locale="en")
    text = en.page("/ladder?by=account&from=2026-04-02").text  # type: ignore[attr-defined]
    assert (
        "Offer ladder: step-up conversion" in text and 'data-rank="2" data-icp-total="1" data-non-icp-total="0"' in text
    )
    wrong = en.page("/ladder?from=2026-05-01&to=2026-04-01").text  # type: ignore[attr-defined]
    assert 'data-error-code="LADDER_PERIOD_ORDER"' in wrong


def test_ladder_page_empty_state(engine: Engine, login: Callable[..., Client]) -> None:
    page = login("viewer").page("/ladder").text  # type: ignore[attr-defined]
    assert 'data-empty="no-icp"' in page and 'data-empty="no-responses"' in page


def test_seminars_recorded_edited_and_deleted_from_the_page(engine: Engine, login: Callable[..., Client]) -> None:
    build(engine)
    sales = login("sales")
    page = sales.page("/accounts/3/seminars").text  # type: ignore[attr-defined]
    assert 'data-empty="no-seminars"' in page and "個別セミナーを登録" in page
    done = sales.submit("/accounts/3/seminars", {"title": "DX勉強会", "held_on": "2026-02-01", "campaign": ""})
    assert done.status_code == 200 and "個別セミナーを登録しました" in done.text  # type: ignore[attr-defined]
    session_id = svc.list_seminars(engine, account_id=3)[0].id
    sales.page("/accounts/3/seminars")
    sales.submit(f"/seminars/{session_id}/attendees", {"contact": "32", "role": "champion"})
    sales.submit(f"/seminars/{session_id}/attendees", {"name": "山田", "department": "経理課", "role": "budget_holder"})
    refused = sales.submit(f"/seminars/{session_id}/attendees", {"name": "", "contact": ""})
    assert refused.status_code == 400 and 'data-error-code="SEMINAR_ATTENDEE_EMPTY"' in refused.text  # type: ignore[attr-defined]
    page = sales.page("/accounts/3/seminars").text  # type: ignore[attr-defined]
    # before: C31 (it_evaluator) → after: + champion, budget holder
    assert "1 → 3 / 5" in page and "推進者(チャンピオン)" in page and "経理課" in page
    chart = sales.get("/accounts/3/seminars/coverage.json").json()
    assert [(v["day"], v["count"]) for v in chart["data"]["values"]] == [("2026-02-01", 3), ("2026-02-01", 3)]
    saved = sales.submit(f"/seminars/{session_id}", {"title": "DX勉強会(改)", "held_on": "2026-02-03"})
    assert "DX勉強会(改)" in saved.text  # type: ignore[attr-defined]
    no_csrf = sales.post(f"/seminars/{session_id}/delete", data={})
    assert no_csrf.status_code == 403 and count(engine, "seminar_sessions") == 1
    sales.submit(f"/seminars/{session_id}/delete")
    assert count(engine, "seminar_sessions") == 0 and count(engine, "seminar_attendees") == 0
    viewer_page = login("viewer").page("/accounts/3/seminars").text  # type: ignore[attr-defined]
    assert "個別セミナーを登録" not in viewer_page


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_whitespace_page(engine: Engine, login: Callable[..., Client], lang: str) -> None:
    build(engine)
    page = login("viewer", locale=lang).page("/whitespace").text  # type: ignore[attr-defined]
    assert [int(a) for a in re.findall(r'<tr data-account="(\d+)">', page)] == [4, 3, 5]
    assert ("ホワイトスペース" if lang == "ja" else "Whitespace") in page
    assert "拠点数" in page and "情報システム課" in page
