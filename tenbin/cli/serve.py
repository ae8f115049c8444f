"""``tenbin serve``: the web application and the REST API."""

from __future__ import annotations

import os

import typer

from tenbin.auth import service as auth
from tenbin.cli.common import State, out, state


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def announce_first_admin(st: State) -> None:
    """On a workspace without users, create ``admin`` and print its one-time password, once."""
    created = auth.ensure_first_admin(st.engine())
    if created is not None:
        out.print(
            st.t(
                f"最初の管理者を作成しました: ユーザー名 admin / 一時パスワード {created.password}\n"
                "  (この表示は一度だけです。初回ログイン時に新しいパスワードを設定してください)",
                f"Created the first admin: username admin / one-time password {created.password}\n"
                "  (shown only this once; you will choose a new password at first sign-in)",
            ),
            markup=False,
        )


def run_server(st: State, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from tenbin.web.app import create_app

    out.print(st.t(f"tenbin を起動します: http://{host}:{port}/", f"Serving tenbin at http://{host}:{port}/"))
    if workers > 1:
        os.environ["TENBIN_DATABASE_URL"] = st.settings.database_url  # every worker builds the same app
        uvicorn.run(
            "tenbin.web.asgi:app_factory", factory=True, host=host, port=port, workers=workers, log_level="info"
        )
        return
    uvicorn.run(create_app(st.settings, st.engine()), host=host, port=port, log_level="info")


def serve_cmd(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="address to listen on (default TENBIN_HOST or 127.0.0.1)"),
    port: int | None = typer.Option(None, "--port", help="port (default TENBIN_PORT or 8000)"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="worker processes"),
    webhooks: bool = typer.Option(True, "--webhooks/--no-webhooks", help="deliver webhooks from each worker"),
) -> None:
    """Serve the web application and the REST API (/api/v1, docs at /api/docs)."""
    st = state(ctx)
    from tenbin.web.app import check_startup

    check_startup(st.settings, st.engine())
    announce_first_admin(st)
    if webhooks:  # each worker process starts a delivery thread (claims never collide: tenbin.webhooks.delivery)
        os.environ["TENBIN_WEBHOOK_WORKER"] = "1"
    run_server(st, host or st.settings.host, port or st.settings.port, workers)
