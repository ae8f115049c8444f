"""The app refuses to start, each time with its own code, when it could not serve safely."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tenbin.db.engine import make_engine
from tenbin.db.migrate import upgrade
from tenbin.errors import TenbinError
from tenbin.settings import load_settings
from tenbin.web.app import create_app

GOOD_SECRET = "s" * 48


def test_placeholder_secret_is_refused_outside_development(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with pytest.raises(TenbinError) as exc:
        create_app(load_settings(database_url=url, environment="production"), engine)
    assert exc.value.code == "WEB_SECRET_PLACEHOLDER"
    with pytest.raises(TenbinError) as exc:
        create_app(load_settings(database_url=url, environment="production", secret_key="short"), engine)
    assert exc.value.code == "WEB_SECRET_PLACEHOLDER"
    app = create_app(load_settings(database_url=url, environment="production", secret_key=GOOD_SECRET), engine)
    assert app.state.settings.secure_cookies  # production: Secure cookies by default


def test_pending_migrations_are_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with pytest.raises(TenbinError) as exc:
        create_app(load_settings(database_url=str(engine.url)), engine)
    assert exc.value.code == "DB_NOT_MIGRATED"
    assert "0001" in exc.value.message("en") and "tenbin db upgrade" in exc.value.message("en")


@pytest.fixture
def c_locale_database(pg_url: str) -> Iterator[str]:
    """A PostgreSQL database created with LC_CTYPE 'C' (where Japanese trigram search fails)."""
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"tenbin_c_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_CTYPE 'C' LC_COLLATE 'C'"))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_without_utf8_ctype_is_refused(c_locale_database: str) -> None:
    engine = make_engine(c_locale_database)
    try:
        with pytest.raises(TenbinError) as exc:
            create_app(load_settings(database_url=c_locale_database), engine)
        assert exc.value.code == "DB_LOCALE"
    finally:
        engine.dispose()
