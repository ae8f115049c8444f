"""``tenbin demo``: build the demo workspace (and, once the web UI lands, serve it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
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
) -> None:
    """Build a realistic Japanese B2B demo workspace with known ground truth."""
    from tenbin.demo.service import build_demo, reset_workspace
    from tenbin.demo.truth import ground_truth as truth_of

    st = state(ctx)
    engine = st.engine(migrated=False)
    upgrade(engine)
    if reset:
        reset_workspace(engine)
    summary = build_demo(engine, seed=seed, scale=scale, progress=lambda label, n: None)
    truth = truth_of(summary)
    if ground_truth is not None:
        ground_truth.write_text(json.dumps(truth, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if json_out:
        print_json({"counts": summary.counts, "seconds": summary.seconds, "database": st.settings.database_url})
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
    out.print(
        st.t(
            "次に: tenbin export contacts -o leads.csv / tenbin import-runs / tenbin entities",
            "Next: tenbin export contacts -o leads.csv / tenbin import-runs / tenbin entities",
        )
    )
