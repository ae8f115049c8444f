"""Settings pages, user administration, the audit log and the settings API — on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Client
from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import snapshot
from sqlalchemy import Engine, select

from tenbin.api import settings as settings_api
from tenbin.auth import service as auth
from tenbin.db import schema
from tenbin.workspace import service as ws

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def audit_entries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.id))]


def test_every_settings_page_renders_for_a_viewer_without_edit_forms(
    login: Callable[..., Client], engine: Engine
) -> None:
    c = login("viewer", locale="en")
    team = ws.add_team(engine, name="Field sales", kind="sales", capacity_per_day=9, actor="t")
    member = ws.add_member(engine, team_id=team.id, name="Sato", actor="t")
    for url in (f"/settings/teams/{team.id}", f"/settings/teams/{team.id}/members/{member.id}"):
        response: Any = c.page(url)
        assert response.status_code == 200 and "Sato" in response.text, url
        assert "Delete" not in response.text
    ws.delete_team(engine, team_id=team.id, actor="t")
    c = login("viewer", "viewer-ja")
    for url in ("/settings", "/settings/stages", "/settings/offers", "/settings/channels", "/settings/targets"):
        response = c.page(url)
        assert response.status_code == 200, url
        assert 'action="/settings/stages"' not in response.text
    response = c.page("/settings/teams")
    assert response.status_code == 200 and "チームはまだありません" in response.text


def test_a_viewer_cannot_change_settings(login: Callable[..., Client], engine: Engine) -> None:
    c = login("viewer")
    c.page("/settings/stages")
    before = snapshot(engine)
    for url, data in (
        ("/settings/stages", {"code": "x", "name_ja": "x", "name_en": "x"}),
        ("/settings/targets", {"low": "10", "high": "20"}),
        ("/settings/teams", {"name": "t", "kind": "sales"}),
        ("/settings/channels", {"code": "x", "orientation": "quality"}),
    ):
        response: Any = c.submit(url, data)
        assert response.status_code == 403, url
        assert "AUTH_FORBIDDEN" in response.text
    assert snapshot(engine) == before


def test_stage_added_shown_moved_and_audited(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing", "hanako")
    c.page("/settings/stages")
    response: Any = c.submit("/settings/stages", {"code": "sal", "name_ja": "営業受入", "name_en": "Sales accepted"})
    assert response.status_code == 200 and "営業受入" in response.text
    c.submit("/settings/stages/sal/move", {"direction": "up"})
    assert [s.code for s in ws.list_stages(engine)][-2:] == ["sal", "retained"]
    entry = audit_entries(engine)[-2]
    assert (entry["actor"], entry["action"]) == ("hanako", "settings.stage.add")
    assert entry["detail"]["after"]["name_en"] == "Sales accepted"


def test_duplicate_stage_code_is_refused_with_its_code(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    c.page("/settings/stages")
    before = snapshot(engine)
    response: Any = c.submit("/settings/stages", {"code": "mql", "name_ja": "重複", "name_en": "Dup"})
    assert response.status_code == 409
    assert "SETTINGS_STAGE_CODE_EXISTS" in response.text
    assert 'value="重複"' in response.text  # what was typed is kept
    assert snapshot(engine) == before


def test_targets_saved_shown_and_bad_band_refused(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    c.page("/settings/targets")
    response: Any = c.submit(
        "/settings/targets",
        {"low": "25", "high": "45", "low_sql": "40", "high_sql": "60", "leads_per_month": "300"},
    )
    assert response.status_code == 200
    assert 'name="leads_per_month" type="number" min="0" step="1" value="300"' in response.text
    targets = ws.get_targets(engine)
    assert targets.icp_rate == ws.Band(25.0, 45.0) and targets.stage_bands == {"sql": ws.Band(40.0, 60.0)}
    before = snapshot(engine)
    response = c.submit("/settings/targets", {"low": "50", "high": "40"})
    assert response.status_code == 422 and "SETTINGS_BAND_INVALID" in response.text
    assert snapshot(engine) == before
    assert ws.get_targets(engine).icp_rate == ws.Band(25.0, 45.0)


def test_channel_added_and_orientation_changed(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    c.page("/settings/channels")
    response: Any = c.submit(
        "/settings/channels", {"code": "テレアポ", "name_en": "Cold calls", "orientation": "quality"}
    )
    assert "テレアポ" in response.text
    c.submit(
        "/settings/channels/update",
        {"code": "展示会", "name_ja": "展示会", "name_en": "Expos", "orientation": "quality"},
    )
    channel = next(ch for ch in ws.list_channels(engine) if ch.code == "展示会")
    assert (channel.name_en, channel.orientation) == ("Expos", "quality")
    response = c.submit("/settings/channels", {"code": "x", "orientation": "sideways"})
    assert response.status_code == 422 and "SETTINGS_ORIENTATION_INVALID" in response.text


def test_offer_added_and_moved(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    c.page("/settings/offers")
    response: Any = c.submit("/settings/offers", {"name": "無料診断"})
    assert "無料診断" in response.text
    offer = ws.list_offers(engine)[-1]
    c.submit(f"/settings/offers/{offer.id}/move", {"direction": "up"})
    assert ws.list_offers(engine)[-2].name == "無料診断"


def test_teams_and_members_with_xss_names_are_escaped(login: Callable[..., Client], engine: Engine) -> None:
    c = login("admin")
    c.page("/settings/teams")
    response: Any = c.submit("/settings/teams", {"name": XSS, "kind": "inside_sales", "capacity_per_day": "30"})
    assert response.status_code == 200
    team = ws.list_teams(engine)[0]
    assert response.url.path == f"/settings/teams/{team.id}"
    response = c.submit(f"/settings/teams/{team.id}/members", {"name": XSS, "email": "a@example.jp"})
    assert ESCAPED in response.text and XSS not in response.text
    response = c.page("/settings/teams")
    assert ESCAPED in response.text and XSS not in response.text
    response = c.page("/audit")
    assert response.status_code == 200
    assert "team.member.add" in response.text
    assert XSS not in response.text and "&lt;script&gt;" in response.text
    stage = c.submit("/settings/stages/lead", {"name_ja": XSS, "name_en": "Lead"})
    assert ESCAPED in stage.text and XSS not in stage.text  # type: ignore[attr-defined]


def test_negative_capacity_is_refused(login: Callable[..., Client], engine: Engine) -> None:
    c = login("inside_sales")
    c.page("/settings/teams")
    before = snapshot(engine)
    response: Any = c.submit("/settings/teams", {"name": "IS", "kind": "inside_sales", "capacity_per_day": "-3"})
    assert response.status_code == 422 and "SETTINGS_CAPACITY_INVALID" in response.text
    assert snapshot(engine) == before


def test_member_edit_and_deactivate(login: Callable[..., Client], engine: Engine) -> None:
    team = ws.add_team(engine, name="営業1課", kind="sales", actor="t")
    member = ws.add_member(engine, team_id=team.id, name="佐藤", actor="t")
    c = login("marketing")
    response: Any = c.page(f"/settings/teams/{team.id}/members/{member.id}")
    assert response.status_code == 200 and "佐藤" in response.text
    c.submit(f"/settings/teams/{team.id}/members/{member.id}", {"name": "佐藤 花子", "capacity_per_week": "12"})
    saved = ws.get_member(engine, team_id=team.id, member_id=member.id)
    assert (saved.name, saved.capacity_per_week, saved.is_active) == ("佐藤 花子", 12, False)


def test_a_marketing_user_cannot_manage_users(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing")
    response: Any = c.page("/settings/users")
    assert response.status_code == 403 and "AUTH_FORBIDDEN" in response.text
    before = snapshot(engine)
    response = c.submit("/settings/users", {"username": "mallory", "role": "admin"})
    assert response.status_code == 403 and "AUTH_FORBIDDEN" in response.text
    assert snapshot(engine) == before
    assert "/settings/users" not in c.page("/settings").text  # type: ignore[attr-defined]


def test_admin_adds_a_user_changes_role_resets_and_deactivates(login: Callable[..., Client], engine: Engine) -> None:
    c = login("admin", "boss")
    c.page("/settings/users")
    response: Any = c.submit("/settings/users", {"username": "suzuki", "display_name": "鈴木", "role": "sales"})
    assert response.status_code == 201
    secret = response.text.split('<code class="secret">')[1].split("</code>")[0]
    assert len(secret) >= 12
    assert secret not in c.page("/settings/users").text  # type: ignore[attr-defined]  # shown once
    response = c.submit("/settings/users/suzuki/role", {"role": "inside_sales"})
    assert "インサイドセールス" in response.text
    response = c.submit("/settings/users/suzuki/reset")
    new_secret = response.text.split('<code class="secret">')[1].split("</code>")[0]
    assert new_secret != secret
    c.submit("/settings/users/suzuki/active", {"active": "0"})
    suzuki = next(u for u in auth.list_users(engine) if u.username == "suzuki")
    assert (suzuki.role, suzuki.is_active) == ("inside_sales", False)
    actions = [e["action"] for e in audit_entries(engine) if e["entity_id"] == "suzuki"]
    assert actions == ["user.add", "user.set_role", "user.reset_password", "user.deactivate"]
    assert {e["actor"] for e in audit_entries(engine) if e["entity_id"] == "suzuki"} == {"boss"}
    listing = c.page("/settings/users?f_status=無効")
    assert "suzuki" in listing.text and "boss" not in listing.text.split("<table")[1]  # type: ignore[attr-defined]


def test_the_last_admin_cannot_be_demoted(login: Callable[..., Client]) -> None:
    c = login("admin", "boss")
    c.page("/settings/users/boss")
    response: Any = c.submit("/settings/users/boss/role", {"role": "viewer"})
    assert response.status_code == 409 and "USER_LAST_ADMIN" in response.text


def test_audit_log_filters_and_csv_export_with_bom(login: Callable[..., Client], engine: Engine) -> None:
    ws.add_team(engine, name="デジタル", kind="digital", actor="hanako")
    ws.add_stage(engine, code="sal", name_ja="SAL", name_en="SAL", actor="taro")
    c = login("admin")
    response: Any = c.page("/audit?f_actor=hanako")
    assert "team.add" in response.text and "settings.stage.add" not in response.text
    assert "デジタル" in response.text  # detail is readable Japanese, not \\u escapes
    csv = c.get("/audit?format=csv")
    assert csv.status_code == 200
    assert csv.content.startswith("\ufeff".encode())
    text = csv.content.decode("utf-8-sig")
    assert "settings.stage.add" in text and "デジタル" in text


def test_audit_log_needs_audit_view(login: Callable[..., Client]) -> None:
    response: Any = login("marketing").page("/audit")
    assert response.status_code == 403 and "AUTH_FORBIDDEN" in response.text


# -- API --------------------------------------------------------------------------------------------
@pytest.fixture
def api(app: FastAPI, engine: Engine) -> Callable[[str], TestClient]:
    """``api("marketing")`` → a client sending a token of a new user with that role."""
    if not any(getattr(r, "path", "") == "/api/v1/teams" for r in app.routes):
        app.include_router(settings_api.router)  # until the app includes it itself

    def client(role: str) -> TestClient:
        user = auth.add_user(engine, username=f"api-{role}", role=role, password="x" * 20, actor="t").user
        token = auth.create_token(engine, user_id=user.id, name="test").secret
        return TestClient(app, headers={"Authorization": f"Bearer {token}"})

    return client


def test_api_reads_and_replaces_settings(api: Callable[[str], TestClient], engine: Engine) -> None:
    c = api("marketing")
    stages = c.get("/api/v1/settings/stages").json()
    assert [s["code"] for s in stages][:2] == ["lead", "mql"]
    reordered = [{k: s[k] for k in ("code", "name_ja", "name_en")} for s in reversed(stages)]
    response = c.put("/api/v1/settings/stages", json=reordered)
    assert response.status_code == 200 and response.json()[0]["code"] == "retained"
    channels = c.get("/api/v1/settings/channels").json()
    assert {"code": "紹介", "name_ja": "紹介", "name_en": "Referrals", "orientation": "quality"} in channels
    targets = {"icp_rate": {"low": 20, "high": 40}, "leads_per_month": 500}
    response = c.put("/api/v1/settings/targets", json=targets)
    assert response.json()["icp_rate"] == {"low": 20.0, "high": 40.0} and response.json()["leads_per_month"] == 500
    before = snapshot(engine)
    response = c.put("/api/v1/settings/targets", json={"icp_rate": {"low": 60, "high": 40}})
    assert response.status_code == 422 and response.json()["code"] == "SETTINGS_BAND_INVALID"
    assert snapshot(engine) == before
    offers = c.get("/api/v1/settings/offers").json()
    response = c.put("/api/v1/settings/offers", json=[{"id": o["id"], "name": o["name"]} for o in reversed(offers)])
    assert response.json()[0]["name"] == offers[-1]["name"]


def test_api_teams_members_and_idempotency(api: Callable[[str], TestClient], engine: Engine) -> None:
    c = api("inside_sales")
    body = {"name": "IS チーム", "kind": "inside_sales", "capacity_per_day": 40}
    first = c.post("/api/v1/teams", json=body, headers={"Idempotency-Key": "k-1"})
    again = c.post("/api/v1/teams", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert ws.count_teams(engine) == 1
    other = c.post("/api/v1/teams", json={**body, "name": "別"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["code"] == "API_IDEMPOTENCY_KEY_REUSED"
    assert ws.count_teams(engine) == 1
    team_id = first.json()["id"]
    response = c.patch(f"/api/v1/teams/{team_id}", json={"capacity_per_week": 150})
    assert response.json()["capacity_per_week"] == 150 and response.json()["capacity_per_day"] == 40
    member = c.post(f"/api/v1/teams/{team_id}/members", json={"name": "田中", "capacity_per_day": 8})
    assert member.status_code == 201
    response = c.patch(f"/api/v1/teams/{team_id}/members/{member.json()['id']}", json={"is_active": False})
    assert response.json()["is_active"] is False and response.json()["capacity_per_day"] == 8
    page = c.get(f"/api/v1/teams/{team_id}/members?page=1&size=10").json()
    assert (page["total"], page["page"], page["size"], page["items"][0]["name"]) == (1, 1, 10, "田中")
    bad = c.post("/api/v1/teams", json={"name": "x", "kind": "sales", "capacity_per_day": -1})
    assert bad.status_code == 422 and bad.json()["code"] == "SETTINGS_CAPACITY_INVALID"
    assert c.get("/api/v1/teams").json()["total"] == 1


def test_api_permissions(api: Callable[[str], TestClient]) -> None:
    viewer = api("viewer")
    assert viewer.get("/api/v1/settings/targets").status_code == 200
    response = viewer.put("/api/v1/settings/targets", json={"icp_rate": {"low": 1, "high": 2}})
    assert response.status_code == 403 and response.json()["code"] == "AUTH_FORBIDDEN"
    response = api("marketing").get("/api/v1/users")
    assert response.status_code == 403 and response.json()["code"] == "AUTH_FORBIDDEN"
    users = api("admin").get("/api/v1/users?size=2").json()
    assert users["total"] == 3 and len(users["items"]) == 2 and "password_hash" not in users["items"][0]
