"""``tenbin user …``: add with a one-time password, list, set-role, reset-password; coded errors."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from test_cli import tenbin

from tenbin.auth import service as auth
from tenbin.db import schema


def test_user_lifecycle(db_url: str, engine: Engine) -> None:
    added = json.loads(
        tenbin(db_url, "user", "add", "hanako", "--role", "marketing", "--name", "花子", "--json").stdout
    )
    assert added["role"] == "marketing" and len(added["one_time_password"]) >= 10
    user = auth.authenticate(engine, username="hanako", password=added["one_time_password"], address=None)
    assert user.must_change_password
    listed = json.loads(tenbin(db_url, "user", "list", "--json").stdout)
    assert [(u["username"], u["role"], u["display_name"]) for u in listed] == [("hanako", "marketing", "花子")]
    tenbin(db_url, "user", "set-role", "hanako", "inside_sales")
    reset = json.loads(tenbin(db_url, "user", "reset-password", "hanako", "--json").stdout)
    assert reset["one_time_password"] != added["one_time_password"]
    assert auth.authenticate(engine, username="hanako", password=reset["one_time_password"], address=None).role == (
        "inside_sales"
    )
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(schema.audit_log.c.action).order_by(schema.audit_log.c.id))]
    assert actions == ["user.add", "user.set_role", "user.reset_password"]


def test_user_errors_are_coded_one_liners(db_url: str) -> None:
    tenbin(db_url, "user", "add", "admin1", "--role", "admin")
    bad_role = tenbin(db_url, "--lang", "en", "user", "add", "x-user", "--role", "boss", check=False)
    assert bad_role.returncode == 2 and bad_role.stderr.startswith("USER_ROLE_INVALID: Unknown role boss")
    dup = tenbin(db_url, "--lang", "ja", "user", "add", "admin1", "--role", "viewer", check=False)
    assert dup.returncode == 2 and dup.stderr.startswith("USER_EXISTS: ユーザー admin1 はすでに存在します")
    last = tenbin(db_url, "user", "set-role", "admin1", "viewer", check=False)
    assert last.returncode == 2 and last.stderr.startswith("USER_LAST_ADMIN")
    missing = tenbin(db_url, "user", "reset-password", "nobody", check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("USER_NOT_FOUND")
    assert "Traceback" not in bad_role.stderr + dup.stderr + last.stderr + missing.stderr
