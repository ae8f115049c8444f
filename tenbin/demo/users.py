"""Demo logins: one user per role, with fresh random passwords printed by ``tenbin demo``."""

from __future__ import annotations

from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.auth.roles import Role

DEMO_USERS: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.ADMIN, "管理者 デモ"),
    ("marketing", Role.MARKETING, "マーケ 花子"),
    ("inside-sales", Role.INSIDE_SALES, "IS 太郎"),
    ("sales", Role.SALES, "営業 一郎"),
    ("product", Role.PRODUCT, "開発 次郎"),
    ("viewer", Role.VIEWER, "経営 三郎"),
)


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str]]:
    """(username, role, password) for every demo login; existing ones get a new password.

    Passwords are random on every run (never a fixed demo password that would also open a
    workspace someone later exposes); the demo prints them, and they need no change at sign-in.
    """
    existing = {u.username: u for u in auth.list_users(engine)}
    logins = []
    for username, role, display in DEMO_USERS:
        password = auth.generate_one_time_password()
        if username in existing:
            auth.set_password(engine, username=username, password=password, actor="demo")
        else:
            auth.add_user(
                engine, username=username, role=role.value, password=password, display_name=display, actor="demo"
            )
        logins.append((username, role.value, password))
    return logins
