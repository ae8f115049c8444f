"""``tenbin db``: migrations."""

from __future__ import annotations

import typer

from tenbin.cli.common import out, print_json, state
from tenbin.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(ctx: typer.Context) -> None:
    """Create or upgrade the workspace schema to the latest version."""
    st = state(ctx)
    engine = st.engine(migrated=False)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    out.print(
        st.t(
            f"データベース {url}: {before or '(空)'} → {after}",
            f"Database {url}: {before or '(empty)'} → {after}",
        )
    )


@app.command("current")
def current_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Show the schema revision of the database and the latest one."""
    st = state(ctx)
    engine = st.engine(migrated=False)
    data = {"current": current_revision(engine), "head": head_revision()}
    if json_out:
        print_json(data)
    else:
        out.print(
            st.t(
                f"現在 {data['current']} / 最新 {data['head']}",
                f"current {data['current']} / head {data['head']}",
            )
        )
