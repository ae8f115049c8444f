"""``tenbin demo``: build the demo workspace (and, once the web UI lands, serve it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.cli.serve import run_server
from tenbin.db.migrate import upgrade

TABLE_LABELS = {
    "accounts": ("企業", "accounts"),
    "contacts": ("担当者・リード", "contacts / leads"),
    "campaigns": ("施策", "campaigns"),
    "responses": ("反応", "responses"),
    "stage_events": ("ステージ遷移", "stage events"),
    "opportunities": ("商談", "opportunities"),
    "revenue_lines": ("売上", "revenue lines"),
    "buying_group_members": ("購買グループ", "buying-group members"),
    "challenges": ("課題", "challenges"),
    "challenge_links": ("課題のリンク", "challenge links"),
    "teams": ("チーム", "teams"),
    "team_members": ("チームメンバー", "team members"),
    "attribute_definitions": ("カスタム属性", "custom attributes"),
    "custom_values": ("カスタム属性の値", "custom attribute values"),
}


def _pct(part: dict[str, Any]) -> str:
    return f"{part['rate']:.0%} ({part['hits']}/{part['n']})"


def _print_truth(st: State, truth: dict[str, Any]) -> None:
    """What the demo planted, in numbers measured on the data just built."""
    seg, real = truth["segments"], truth["realised"]
    win, ltv, ret = real["win_rate"], real["ltv"], real["retention_12m"]
    rate = real["icp_rate_by_orientation"]["first_touch"]
    lines = [
        st.t(f"植え込んだ ICP: {seg['icp']['rule']}", f"Planted ICP: {seg['icp']['rule']}"),
        st.t(f"  受注率 ICP {_pct(win['icp'])} / その他 {_pct(win['other'])}、"
             f"平均LTV {ltv['icp_over_other']:.1f} 倍、12か月継続率 {_pct(ret['icp'])} / {_pct(ret['other'])}",
             f"  win rate ICP {_pct(win['icp'])} vs others {_pct(win['other'])}; "
             f"mean LTV {ltv['icp_over_other']:.1f}×; 12-month retention {_pct(ret['icp'])} vs {_pct(ret['other'])}"),
        st.t(f"将来のICP候補: {seg['future_icp']['rule']}"
             f"(量重視の施策から獲得、LTVは ICP の {ltv['future_over_icp']:.1f} 倍)",
             f"Future ICP: {seg['future_icp']['rule']} "
             f"(reached by quantity campaigns; LTV {ltv['future_over_icp']:.1f}× the ICP's)"),
        st.t(f"ICP率(初回接点): 質重視の施策 {_pct(rate['quality'])} / 量重視の施策 {_pct(rate['quantity'])}",
             f"ICP rate (first touch): quality {_pct(rate['quality'])} vs quantity {_pct(rate['quantity'])}"),
    ]  # fmt: skip
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)


def demo_cmd(
    ctx: typer.Context,
    seed: int = typer.Option(7, "--seed", help="random seed (same seed, same workspace)"),
    scale: float = typer.Option(1.0, "--scale", help="multiply the sizes (125 ≈ 1,000,000 leads)"),
    ground_truth: Path | None = typer.Option(None, "--ground-truth", help="write the planted ground truth as JSON"),
    reset: bool = typer.Option(False, "--reset", help="delete existing workspace data first"),
    json_out: bool = typer.Option(False, "--json"),
    no_serve: bool = typer.Option(False, "--no-serve", help="build only; do not start the web app"),
    host: str | None = typer.Option(None, "--host", help="address to serve on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, "--port", help="port to serve on (default 8000)"),
) -> None:
    """Build a realistic Japanese B2B demo workspace with known ground truth, then serve it."""
    from tenbin.demo.service import build_demo, reset_workspace
    from tenbin.demo.truth import ground_truth as truth_of
    from tenbin.demo.users import ensure_demo_users

    st = state(ctx)
    engine = st.engine(migrated=False)
    upgrade(engine)
    if reset:
        reset_workspace(engine)
    summary = build_demo(engine, seed=seed, scale=scale, progress=lambda label, n: None)
    truth = truth_of(summary)
    logins = ensure_demo_users(engine)
    if ground_truth is not None:
        ground_truth.write_text(json.dumps(truth, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if json_out:
        print_json(
            {
                "counts": summary.counts,
                "seconds": summary.seconds,
                "database": st.settings.database_url,
                "logins": [{"username": u, "role": r, "password": p} for u, r, p in logins],
            }
        )
        if not no_serve:
            run_server(st, host or st.settings.host, port or st.settings.port)
        return
    table = Table(title=st.t("デモワークスペースを作成しました", "Demo workspace built"))
    table.add_column(st.t("データ", "table"))
    table.add_column(st.t("件数", "rows"), justify="right")
    for name, count in summary.counts.items():
        ja, en = TABLE_LABELS.get(name, (name, name))
        table.add_row(st.t(ja, en), f"{count:,}")
    out.print(table)
    out.print(
        st.t(
            f"データベース: {st.settings.database_url}  ({summary.seconds:.1f} 秒)",
            f"Database: {st.settings.database_url}  ({summary.seconds:.1f} s)",
        )
    )
    _print_truth(st, truth)
    if ground_truth is not None:
        out.print(st.t(f"正解データ(ground truth): {ground_truth}", f"Ground truth: {ground_truth}"))
    _print_logins(st, logins)
    if no_serve:
        out.print(
            st.t(
                "次に: tenbin serve でウェブ画面を開く / tenbin export contacts -o leads.csv / tenbin entities",
                "Next: tenbin serve to open the web app / tenbin export contacts -o leads.csv / tenbin entities",
            )
        )
        return
    run_server(st, host or st.settings.host, port or st.settings.port)


def _print_logins(st: State, logins: list[tuple[str, str, str]]) -> None:
    table = Table(
        title=st.t("デモ用ログイン(パスワードは実行のたびに変わります)", "Demo logins (new passwords on every run)")
    )
    table.add_column(st.t("ユーザー名", "username"))
    table.add_column(st.t("ロール", "role"))
    table.add_column(st.t("パスワード", "password"))
    for username, role, password in logins:
        table.add_row(username, role, password)
    out.print(table)
