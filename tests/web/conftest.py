"""Web fixtures: the app on the parametrised engine (SQLite and PostgreSQL), signed-in clients per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.settings import load_settings
from tenbin.web.app import create_app

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client(TestClient):
    """A browser-like client: remembers the CSRF token of the last page it loaded."""

    csrf: str = ""

    def page(self, url: str, **kw: object) -> object:
        response = self.get(url, **kw)  # type: ignore[arg-type]
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def submit(self, url: str, data: dict[str, object] | None = None, **kw: object) -> object:
        if not self.csrf:
            self.page("/login")
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)  # type: ignore[arg-type]


@pytest.fixture
def app(engine: Engine) -> object:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False), secret_key="test-" + "x" * 40
    )
    return create_app(settings, engine)


@pytest.fixture
def client(app: object) -> Iterator[Client]:
    with Client(app, follow_redirects=True) as c:  # type: ignore[arg-type]
        yield c


@pytest.fixture
def login(app: object, engine: Engine) -> Iterator[Callable[..., Client]]:
    """``login("marketing")`` → a client signed in as a new user with that role."""
    clients: list[Client] = []

    def sign_in(role: str, username: str | None = None, locale: str = "ja") -> Client:
        name = username or f"user-{role}"
        if name not in {u.username for u in auth.list_users(engine)}:
            auth.add_user(engine, username=name, role=role, password=PASSWORD, actor="test", locale=locale)
        c = Client(app, follow_redirects=True)  # type: ignore[arg-type]
        c.__enter__()
        clients.append(c)
        c.page("/login")
        response = c.submit("/login", {"username": name, "password": PASSWORD, "next": "/"})
        assert response.status_code == 200, response.text  # type: ignore[attr-defined]
        c.page("/")
        return c

    yield sign_in
    for c in clients:
        c.__exit__(None, None, None)
