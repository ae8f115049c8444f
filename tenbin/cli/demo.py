"""``tenbin demo``: build the demo workspace (and, once the web UI lands, serve it)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from tenbin.cli.common import out, print_json, state
from tenbin.db.migrate import upgrade


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
        table.add_row(name, f"{count:,}")
    out.print(table)
    out.print(
        st.t(
            f"データベース: {st.settings.database_url}  ({summary.seconds:.1f} 秒)",
            f"Database: {st.settings.database_url}  ({summary.seconds:.1f} s)",
        )
    )
    if ground_truth is not None:
        out.print(st.t(f"正解データ(ground truth): {ground_truth}", f"Ground truth: {ground_truth}"))
    out.print(
        st.t(
            "次に: tenbin export contacts -o leads.csv / tenbin import-runs / tenbin entities",
            "Next: tenbin export contacts -o leads.csv / tenbin import-runs / tenbin entities",
        )
    )
