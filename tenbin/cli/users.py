"""``tenbin user add|list|set-role|reset-password|activate|deactivate``."""

from __future__ import annotations

import typer
from rich.table import Table

from tenbin.auth import service as auth
from tenbin.auth.roles import Role
from tenbin.cli.common import out, print_json, state

app = typer.Typer(
    help="Users and roles (admin, marketing, inside_sales, sales, product, viewer).", no_args_is_help=True
)
ROLES = ", ".join(r.value for r in Role)
ACTOR = "cli"


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="sign-in name (letters, digits, . _ - @)"),
    role: str = typer.Option(..., "--role", help=ROLES),
    display_name: str | None = typer.Option(None, "--name", help="name shown in the app"),
    email: str | None = typer.Option(None, "--email"),
    locale: str = typer.Option("ja", "--locale", help="ja | en"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Add a user with a one-time password (printed once; changed at first sign-in)."""
    st = state(ctx)
    new = auth.add_user(
        st.engine(), username=username, role=role, display_name=display_name, email=email, locale=locale, actor=ACTOR
    )
    if json_out:
        print_json({"username": new.user.username, "role": new.user.role, "one_time_password": new.password})
        return
    out.print(
        st.t(
            f"ユーザー {username}({role})を追加しました。一時パスワード: {new.password}(この表示は一度だけです)",
            f"Added {username} ({role}). One-time password: {new.password} (shown only this once)",
        ),
        markup=False,
    )


@app.command("list")
def list_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List users with their roles."""
    st = state(ctx)
    users = auth.list_users(st.engine())
    if json_out:
        print_json(
            [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "role": u.role,
                    "active": u.is_active,
                    "locale": u.locale,
                    "last_login_at": u.last_login_at,
                }
                for u in users
            ]
        )
        return
    table = Table()
    for label in (
        st.t("ユーザー名", "username"),
        st.t("表示名", "name"),
        st.t("ロール", "role"),
        st.t("状態", "status"),
        st.t("最終ログイン", "last sign-in"),
    ):
        table.add_column(label)
    for u in users:
        status = st.t("有効", "active") if u.is_active else st.t("無効", "inactive")
        table.add_row(u.username, u.display_name or "", u.role, status, str(u.last_login_at or "—"))
    out.print(table)
    if not users:
        out.print(
            st.t(
                "ユーザーはまだいません。tenbin user add で追加してください。",
                "No users yet. Add one with tenbin user add.",
            )
        )


@app.command("set-role")
def set_role_cmd(ctx: typer.Context, username: str, role: str = typer.Argument(..., help=ROLES)) -> None:
    """Change a user's role (their API tokens follow it)."""
    st = state(ctx)
    auth.set_role(st.engine(), username=username, role=role, actor=ACTOR)
    out.print(st.t(f"{username} のロールを {role} にしました。", f"{username} is now {role}."))


@app.command("reset-password")
def reset_password_cmd(ctx: typer.Context, username: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """Give a user a new one-time password (their sessions end)."""
    st = state(ctx)
    secret = auth.reset_password(st.engine(), username=username, actor=ACTOR)
    if json_out:
        print_json({"username": username, "one_time_password": secret})
        return
    out.print(
        st.t(
            f"{username} の一時パスワード: {secret}(この表示は一度だけです)",
            f"One-time password for {username}: {secret} (shown only this once)",
        ),
        markup=False,
    )


@app.command("deactivate")
def deactivate_cmd(ctx: typer.Context, username: str) -> None:
    """Stop a user from signing in (their tokens stop working too)."""
    st = state(ctx)
    auth.set_active(st.engine(), username=username, active=False, actor=ACTOR)
    out.print(st.t(f"{username} を無効にしました。", f"{username} can no longer sign in."))


@app.command("activate")
def activate_cmd(ctx: typer.Context, username: str) -> None:
    """Let a deactivated user sign in again."""
    st = state(ctx)
    auth.set_active(st.engine(), username=username, active=True, actor=ACTOR)
    out.print(st.t(f"{username} を有効にしました。", f"{username} can sign in again."))
