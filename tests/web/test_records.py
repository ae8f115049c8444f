"""Records pages and the records API: lists, filters, detail with custom attributes and related records."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Client
from records_data import seed
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.crm.records import RECORD_TYPES

ENTITIES = list(RECORD_TYPES)


def token(engine: Engine, role: str) -> dict[str, str]:
    name = f"api-{role}"
    if name not in {u.username for u in auth.list_users(engine)}:
        auth.add_user(engine, username=name, role=role, password="correct horse battery staple", actor="test")
    user = next(u for u in auth.list_users(engine) if u.username == name)
    return {"Authorization": "Bearer " + auth.create_token(engine, user_id=user.id, name="t").secret}


def test_every_list_and_detail_page_shows_the_records(login: Callable[..., Client], engine: Engine) -> None:
    ids = seed(engine)
    c = login("viewer")
    for entity in ENTITIES:
        response = c.page(f"/records/{entity}")
        assert response.status_code == 200, (entity, response.text)  # type: ignore[attr-defined]
        assert f'href="/records/{entity}/{ids[entity]}"' in response.text, entity  # type: ignore[attr-defined]
        detail = c.page(f"/records/{entity}/{ids[entity]}")
        assert detail.status_code == 200, (entity, detail.text)  # type: ignore[attr-defined]
    page = c.page(f"/records/accounts/{ids['accounts']}").text  # type: ignore[attr-defined]
    assert "株式会社テンビン" in page and "ゴールド" in page and "ランク" in page  # custom attribute
    assert "東京都" in page and "情報通信業" in page and "東証グロース" in page
    assert "山田 花子" in page and "導入案件" in page and "見積もりに時間がかかる" in page  # related records
    assert f"/records/contacts?f_company_id={ids['accounts']}" in page
    assert "別会社" not in page
    listing = c.page("/records/accounts").text  # type: ignore[attr-defined]
    cells = listing.split("<tbody>")[1]
    assert "東京都" in cells and "東証グロース" in cells and "tse_growth" not in cells  # codes shown by name


def test_related_link_filters_the_list_by_company(login: Callable[..., Client], engine: Engine) -> None:
    ids = seed(engine)
    c = login("viewer")
    text = c.page(f"/records/contacts?f_company_id={ids['accounts']}").text  # type: ignore[attr-defined]
    assert "山田 花子" in text and "hanako@example.co.jp" in text
    assert "b@example.com" not in text
    assert "1–1" in text or "1 件中" in text


def test_filters_search_sort_and_csv(login: Callable[..., Client], engine: Engine) -> None:
    seed(engine)
    c = login("sales")
    text = c.page("/records/opportunities?f_status=won").text  # type: ignore[attr-defined]
    assert "導入案件" in text and "別案件" not in text
    text = c.page("/records/contacts?q=HANAKO").text  # type: ignore[attr-defined]
    assert "山田 花子" in text and "b@example.com" not in text
    text = c.page("/records/accounts?sort=employees&dir=desc").text  # type: ignore[attr-defined]
    assert text.index("株式会社テンビン") < text.index("別会社")  # NULL employees sort last
    response = c.get("/records/campaigns?format=csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf") and "展示会 2025" in response.text
    response = c.page("/records/accounts?sort=nope")
    assert response.status_code == 422 and "LIST_SORT_INVALID" in response.text  # type: ignore[attr-defined]


def test_csv_needs_export_permission(login: Callable[..., Client], engine: Engine) -> None:
    seed(engine)
    c = login("viewer")
    response = c.get("/records/accounts?format=csv")
    assert response.status_code == 403 and "AUTH_FORBIDDEN" in response.text
    assert "Download CSV" not in c.page("/records/accounts").text  # type: ignore[attr-defined]


def test_empty_lists_say_how_to_fill_them(login: Callable[..., Client]) -> None:
    text = login("marketing").page("/records/contacts").text  # type: ignore[attr-defined]
    assert "リードはまだありません" in text and 'href="/imports"' in text
    text = login("viewer").page("/records/contacts").text  # type: ignore[attr-defined]
    assert 'href="/imports"' not in text and "依頼してください" in text


def test_unknown_entity_and_record_are_404(login: Callable[..., Client]) -> None:
    c = login("viewer")
    response = c.page("/records/nothing")
    assert response.status_code == 404 and "RECORDS_UNKNOWN_ENTITY" in response.text  # type: ignore[attr-defined]
    response = c.page("/records/accounts/999999")
    assert response.status_code == 404 and "RECORD_NOT_FOUND" in response.text  # type: ignore[attr-defined]


def test_api_lists_pages_filters_and_details(client: Client, engine: Engine) -> None:
    ids = seed(engine)
    headers = token(engine, "viewer")
    body = client.get("/api/v1/accounts", headers=headers).json()
    assert body["total"] == 2 and body["page"] == 1 and body["size"] == 50
    assert body["items"][0]["id"] == ids["other_account"]  # newest first
    body = client.get("/api/v1/accounts?sort=name&dir=asc&size=1&page=2", headers=headers).json()
    assert body["total"] == 2 and len(body["items"]) == 1
    body = client.get(f"/api/v1/contacts?account_id={ids['accounts']}", headers=headers).json()
    assert [i["email"] for i in body["items"]] == ["hanako@example.co.jp"]
    assert body["items"][0]["company"] == "株式会社テンビン" and body["items"][0]["account_id"] == ids["accounts"]
    body = client.get("/api/v1/opportunities?status=open", headers=headers).json()
    assert [i["name"] for i in body["items"]] == ["別案件"]
    body = client.get(f"/api/v1/accounts/{ids['accounts']}", headers=headers).json()
    assert body["corporate_number"] == "1234567890123" and body["is_named_account"] is True
    assert body["custom"] == [{"key": "rank", "label": "ランク", "type": "text", "value": "ゴールド", "number": None}]
    body = client.get(f"/api/v1/challenges/{ids['challenges']}", headers=headers).json()
    assert body["tags"] == ["見積"] and body["account_name"] == "株式会社テンビン"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/accounts/999999", 404, "RECORD_NOT_FOUND"),
        ("/api/v1/accounts?size=500", 422, "REQUEST_INVALID"),
        ("/api/v1/accounts?sort=nope", 422, "REQUEST_INVALID"),
        ("/api/v1/opportunities?status=maybe", 422, "REQUEST_INVALID"),
    ],
)
def test_api_errors_have_the_one_shape(client: Client, engine: Engine, url: str, status: int, code: str) -> None:
    response = client.get(url, headers=token(engine, "viewer"))
    assert response.status_code == status
    body = response.json()
    assert set(body) >= {"type", "code", "detail", "attr"} and body["code"] == code
