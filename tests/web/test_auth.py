"""Sign-in, sessions, CSRF, language, one-time passwords, tokens, throttling — on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conftest import PASSWORD, Client
from sqlalchemy import Engine, select

from tenbin.auth import service as auth
from tenbin.db import schema


def test_pages_need_sign_in_and_return_to_the_page_after(client: Client, engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    response = client.page("/account/tokens")
    assert response.url.path == "/login"  # type: ignore[attr-defined]
    assert "next=%2Faccount%2Ftokens" in str(response.url)  # type: ignore[attr-defined]
    response = client.submit("/login", {"username": "alice", "password": PASSWORD, "next": "/about"})
    assert response.url.path == "/about"  # type: ignore[attr-defined]


def test_wrong_password_is_refused_with_its_code(client: Client, engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    client.page("/login")
    response = client.submit("/login", {"username": "alice", "password": "not the password"})
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "AUTH_INVALID" in response.text  # type: ignore[attr-defined]
    assert "ユーザー名またはパスワードが違います" in response.text  # type: ignore[attr-defined]


def test_open_redirects_are_refused(client: Client, engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    client.page("/login")
    response = client.submit("/login", {"username": "alice", "password": PASSWORD, "next": "//evil.example/x"})
    assert response.url.host == "testserver"  # type: ignore[attr-defined]
    assert response.url.path == "/"  # type: ignore[attr-defined]


def test_csrf_token_is_required_on_every_form(login: Callable[..., Client]) -> None:
    c = login("admin")
    for url in ("/logout", "/lang", "/account/tokens", "/account/password"):
        response = c.post(url, data={"csrf_token": "forged", "lang": "en", "name": "x"})
        assert response.status_code == 403, url
        assert "CSRF_FAILED" in response.text, url
        response = c.post(url, data={"lang": "en", "name": "x"})
        assert response.status_code == 403, url


def test_session_cookie_is_http_only_and_same_site(client: Client, engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    client.page("/login")
    response = client.submit("/login", {"username": "alice", "password": PASSWORD}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_logout_ends_the_session(login: Callable[..., Client]) -> None:
    c = login("viewer")
    c.submit("/logout")
    assert c.page("/").url.path == "/login"  # type: ignore[attr-defined]


def test_language_switch_is_remembered_per_user(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing", "hanako")
    assert "ワークスペース" in c.page("/").text  # type: ignore[attr-defined]
    response = c.submit("/lang", {"lang": "en", "next": "/"})
    assert "Workspace" in response.text  # type: ignore[attr-defined]
    assert next(u for u in auth.list_users(engine) if u.username == "hanako").locale == "en"


def test_one_time_password_must_be_changed_first(client: Client, engine: Engine) -> None:
    new = auth.add_user(engine, username="bob", role="sales", actor="t")
    assert new.password is not None
    client.page("/login")
    response = client.submit("/login", {"username": "bob", "password": new.password})
    assert response.url.path == "/account/password"  # type: ignore[attr-defined]
    assert client.page("/").url.path == "/account/password"  # type: ignore[attr-defined]
    response = client.submit(
        "/account/password",
        {
            "current_password": new.password,
            "new_password": "a much better one",
            "confirm_password": "a much better one",
        },
    )
    assert response.url.path == "/"  # type: ignore[attr-defined]
    assert "パスワードを変更しました" in response.text  # type: ignore[attr-defined]


def test_password_reset_ends_existing_sessions(login: Callable[..., Client], engine: Engine) -> None:
    c = login("sales", "carol")
    auth.reset_password(engine, username="carol", actor="admin")
    assert c.page("/").url.path == "/login"  # type: ignore[attr-defined]


def test_sign_in_is_throttled_after_five_failures(client: Client, engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    client.page("/login")
    for _ in range(5):
        assert client.submit("/login", {"username": "alice", "password": "wrong wrong"}).status_code == 401  # type: ignore[attr-defined]
    response = client.submit("/login", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "AUTH_RATE_LIMITED" in response.text  # type: ignore[attr-defined]
    later = dt.datetime.now() + dt.timedelta(minutes=16)
    assert auth.authenticate(engine, username="alice", password=PASSWORD, address=None, now=later).username == "alice"


def test_passwords_are_argon2id_hashes(engine: Engine) -> None:
    auth.add_user(engine, username="alice", role="marketing", password=PASSWORD, actor="t")
    with engine.connect() as conn:
        stored = conn.execute(select(schema.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_api_tokens_scoped_hashed_revocable(login: Callable[..., Client], engine: Engine) -> None:
    c = login("marketing", "dana")
    response = c.submit("/account/tokens", {"name": "sync", "scope": "viewer"})
    assert response.status_code == 201  # type: ignore[attr-defined]
    secret = response.text.split('id="new-token">')[1].split("<")[0]  # type: ignore[attr-defined]
    with engine.connect() as conn:
        stored = conn.execute(select(schema.api_tokens.c.token_hash)).scalar_one()
    assert secret.startswith("tbn_") and secret not in stored
    api = Client(c.app)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["token_scope"] == "viewer" and "import" not in me["permissions"]
    # a token cannot exceed its user's role
    response = c.submit("/account/tokens", {"name": "too much", "scope": "admin"})
    assert "TOKEN_SCOPE_EXCEEDS_ROLE" not in response.text or response.status_code == 422  # type: ignore[attr-defined]
    token_id = auth.list_tokens(engine, user_id=me and auth.list_users(engine)[0].id)[-1].id
    c.page("/account/tokens")
    c.submit(f"/account/tokens/{token_id}/revoke")
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and response.json()["code"] == "AUTH_TOKEN_INVALID"


def test_first_admin_is_created_once(engine: Engine) -> None:
    first = auth.ensure_first_admin(engine)
    assert first is not None and first.user.role == "admin" and first.user.must_change_password
    assert auth.ensure_first_admin(engine) is None
