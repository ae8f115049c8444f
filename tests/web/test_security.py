"""Security: headers, escaping of user data, token revocation, secrets kept out of logs, one error shape."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from conftest import PASSWORD, Client
from records_data import XSS, XSS_ESCAPED, seed
from sqlalchemy import Engine

from tenbin.auth import service as auth


def _token(engine: Engine, role: str = "viewer") -> str:
    user = auth.add_user(engine, username=f"sec-{role}", role=role, password=PASSWORD, actor="t")
    return auth.create_token(engine, user_id=user.user.id, name="sec").secret


@pytest.mark.parametrize("path", ["/login", "/about", "/records/accounts", "/api/v1/me", "/api/v1/accounts"])
def test_security_headers_on_pages_and_api(login: Callable[..., Client], engine: Engine, path: str) -> None:
    c = login("viewer")
    headers = {"Authorization": "Bearer " + _token(engine)} if path.startswith("/api/") else {}
    response = c.get(path, headers=headers)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(login: Callable[..., Client], engine: Engine) -> None:
    ids = seed(engine)
    c = login("admin")
    for url in ("/records/accounts", f"/records/accounts/{ids['accounts']}", "/records/challenges"):
        text = c.page(url).text  # type: ignore[attr-defined]
        assert "<script>" not in text and " style=" not in text and " onclick=" not in text, url


def test_user_text_is_escaped_on_lists_and_detail_pages(login: Callable[..., Client], engine: Engine) -> None:
    ids = seed(engine, name="100%株式会社" + XSS, contact=XSS, text="見積もり" + XSS, custom=XSS)
    c = login("viewer")
    pages = [
        "/records/accounts",
        f"/records/accounts/{ids['accounts']}",  # name, custom attribute, related lead and challenge
        "/records/contacts",
        f"/records/contacts/{ids['contacts']}",
        "/records/challenges",
        f"/records/challenges/{ids['challenges']}",
        "/records/opportunities",  # company name via the join
        "/records/buying-group",  # lead name
        f"/records/contacts?f_company_id={ids['accounts']}",  # company name in the filter
    ]
    for url in pages:
        text = c.page(url).text  # type: ignore[attr-defined]
        assert XSS not in text, url
        assert XSS_ESCAPED in text, url
    search = c.page("/records/accounts?q=" + XSS).text  # type: ignore[attr-defined]
    assert XSS not in search and XSS_ESCAPED in search  # the search box echoes it escaped


def test_api_returns_text_as_data_never_markup(client: Client, engine: Engine) -> None:
    ids = seed(engine, name=XSS)
    response = client.get(f"/api/v1/accounts/{ids['accounts']}", headers={"Authorization": "Bearer " + _token(engine)})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["name"] == XSS


def test_a_revoked_token_is_refused(client: Client, engine: Engine) -> None:
    user = auth.add_user(engine, username="revoker", role="sales", password=PASSWORD, actor="t")
    new = auth.create_token(engine, user_id=user.user.id, name="x")
    headers = {"Authorization": "Bearer " + new.secret}
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    auth.revoke_token(engine, user_id=user.user.id, token_id=new.token.id)
    response = client.get("/api/v1/accounts", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "AUTH_TOKEN_INVALID"
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_no_password_or_token_in_the_logs(
    client: Client, engine: Engine, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_password = "s3cret-Passw0rd-for-the-log-test"
    auth.add_user(engine, username="logger", role="admin", password=secret_password, actor="t")
    with caplog.at_level(logging.DEBUG):
        client.page("/login")
        client.submit("/login", {"username": "logger", "password": "wrong-" + secret_password})
        response = client.submit("/login", {"username": "logger", "password": secret_password})
        assert response.status_code == 200  # type: ignore[attr-defined]
        page = client.page("/account/tokens")
        assert page.status_code == 200  # type: ignore[attr-defined]
        response = client.submit("/account/tokens", {"name": "log test", "scope": "viewer"})
        token = response.text.split('id="new-token">')[1].split("<")[0]  # type: ignore[attr-defined]
        assert token.startswith("tbn_")
        for url in ("/api/v1/me", "/api/v1/accounts", "/api/v1/accounts/999999", "/api/v1/accounts?size=0"):
            client.get(url, headers={"Authorization": f"Bearer {token}"})
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"})  # an invalid token too
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    out = capsys.readouterr()
    for secret in (secret_password, token, token[len("tbn_") :]):
        assert secret not in logged
        assert secret not in out.out and secret not in out.err


@pytest.mark.parametrize(
    ("method", "url", "auth_header", "status", "code"),
    [
        ("GET", "/api/v1/accounts", None, 401, "AUTH_REQUIRED"),
        ("GET", "/api/v1/accounts", "Bearer nonsense", 401, "AUTH_TOKEN_INVALID"),
        ("GET", "/api/v1/accounts/0", "token", 422, "REQUEST_INVALID"),
        ("GET", "/api/v1/accounts/424242", "token", 404, "RECORD_NOT_FOUND"),
        ("GET", "/api/v1/contacts?page=abc", "token", 422, "REQUEST_INVALID"),
        ("GET", "/api/v1/nothing-here", "token", 404, "NOT_FOUND"),
        ("DELETE", "/api/v1/accounts", "token", 405, "METHOD_NOT_ALLOWED"),
    ],
)
def test_api_errors_use_the_one_shape(
    client: Client, engine: Engine, method: str, url: str, auth_header: str | None, status: int, code: str
) -> None:
    headers = {}
    if auth_header == "token":
        headers["Authorization"] = "Bearer " + _token(engine)
    elif auth_header:
        headers["Authorization"] = auth_header
    response = client.request(method, url, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert {"type", "code", "detail", "attr"} <= set(body), body
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["type"], str)


def test_api_errors_speak_the_requested_language(client: Client, engine: Engine) -> None:
    headers = {"Authorization": "Bearer " + _token(engine)}
    ja = client.get("/api/v1/accounts/424242", headers={**headers, "Accept-Language": "ja"}).json()
    en = client.get("/api/v1/accounts/424242?lang=en", headers=headers).json()
    assert "レコードはありません" in ja["detail"] and "There is no accounts record" in en["detail"]
