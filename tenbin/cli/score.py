"""``tenbin score calibrate|show|list|threshold``: win likelihood (受注確度) of leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.icp.versions import version_condition
from tenbin.likelihood import service as likelihood
from tenbin.likelihood.text import FACTOR_LABELS

app = typer.Typer(help="Win likelihood (受注確度): scores, factors, calibration, threshold.", no_args_is_help=True)
ACTOR = "cli"
AS_OF = typer.Option(
    None, "--as-of", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"], help="score as of this time (default: now)"
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _band(st: State, band: str) -> str:
    return st.t("高", "high") if band == "high" else st.t("低", "low")


@app.command("show")
def show_cmd(ctx: typer.Context, lead_id: int = typer.Argument(..., help="the lead's (contact's) id"),
             as_of: dt.datetime | None = AS_OF, json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """One lead's win likelihood with every factor's contribution."""
    st = state(ctx)
    with st.engine().connect() as conn:
        score = likelihood.get_lead_score(conn, lead_id, as_of=as_of)
    if json_out:
        print_json(score.as_dict(st.lang))
        return
    model = st.t("既定の重み", "default weights") if score.model_id is None else st.t(
        f"較正モデル #{score.model_id}", f"calibrated model #{score.model_id}")  # fmt: skip
    out.print(st.t(f"リード {lead_id}: 受注確度 {_pct(score.probability)}({_band(st, score.band)}、しきい値 "
                   f"{_pct(score.threshold)}、{model})",
                   f"Lead {lead_id}: win likelihood {_pct(score.probability)} ({_band(st, score.band)}, threshold "
                   f"{_pct(score.threshold)}, {model})"), markup=False)  # fmt: skip
    table = Table(st.t("要因", "factor"), st.t("値", "value"), st.t("寄与(ロジット)", "contribution (logit)"),
                  st.t("説明", "what was seen"))  # fmt: skip
    table.add_row(st.t("基準値(切片)", "baseline (intercept)"), "", f"{score.intercept:+.3f}", "")
    for f in score.factors:
        label = FACTOR_LABELS[f.key][0 if st.lang == "ja" else 1]
        table.add_row(label, _num(f.value, 2), f"{f.contribution:+.3f}", f.text_ja if st.lang == "ja" else f.text_en)
    out.print(table)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    band: str | None = typer.Option(None, "--band", help="high | low"),
    limit: int = typer.Option(20, "--limit", min=1, max=100_000),
    as_of: dt.datetime | None = AS_OF,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Open leads by win likelihood, highest first."""
    st = state(ctx)
    if band not in (None, "high", "low"):
        raise typer.BadParameter("--band must be high or low")
    with st.engine().connect() as conn:
        scores = likelihood.score_contacts(conn, as_of=as_of)
    ranked = sorted((s for s in scores.values() if band is None or s.band == band),
                    key=lambda s: (-s.probability, s.contact_id))[:limit]  # fmt: skip
    if json_out:
        print_json([s.as_dict(st.lang) for s in ranked])
        return
    keys = [FACTOR_LABELS[k][0 if st.lang == "ja" else 1] for k in ("consensus", "opposition", "budget_fit",
                                                                    "offer_rung", "recency")]  # fmt: skip
    table = Table(st.t("リード", "lead"), st.t("受注確度", "likelihood"), st.t("区分", "band"), *keys)
    for s in ranked:
        table.add_row(str(s.contact_id), _pct(s.probability), _band(st, s.band),
                      *(f"{f.contribution:+.2f}" for f in s.factors))  # fmt: skip
    out.print(table)
    highs = sum(1 for s in scores.values() if s.band == "high")
    total = len(scores)
    out.print(st.t(f"未受注リード {total:,} 件中 高 {highs:,} 件", f"{highs:,} high of {total:,} open leads"))


def _evaluation_rows(st: State, data: dict[str, Any]) -> Table:
    table = Table(st.t("モデル", "model"), "ROC AUC", "Brier", title=st.t("検証期間の成績", "Held-out quality"))
    for key, label in (
        ("held_out", st.t("較正モデル", "calibrated")),
        ("baseline", st.t("既定の重み", "default weights")),
    ):
        table.add_row(label, _num(data[key]["auc"]), _num(data[key]["brier"], 4))
    return table


def _reliability(st: State, data: dict[str, Any]) -> Table:
    title = st.t("信頼性(較正モデル)", "Reliability (calibrated)")
    table = Table(st.t("予測の範囲", "predicted range"), st.t("件数", "count"), st.t("予測の平均", "mean predicted"),
                  st.t("実際の受注率", "observed rate"), title=title)  # fmt: skip
    for b in data["held_out"]["reliability"]:
        table.add_row(f"{b['low']:.1f}–{b['high']:.1f}", f"{b['count']:,}", _pct(b["predicted"]), _pct(b["observed"]))
    return table


@app.command("calibrate")
def calibrate_cmd(ctx: typer.Context, dry_run: bool = typer.Option(False, "--dry-run", help="measure, store nothing"),
                  json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """Fit the weights on won/lost opportunities (time split), compare with the defaults, adopt if better."""
    st = state(ctx)
    result = likelihood.calibrate(st.engine(), actor=ACTOR, dry_run=dry_run)
    data = result.as_dict()
    if json_out:
        print_json(data)
        return
    split = data["split"]
    out.print(st.t(f"学習 {split['train']:,} 件(受注 {split['train_won']:,}、{split['train_from']}〜)、"
                   f"検証 {split['test']:,} 件(受注 {split['test_won']:,}、{split['test_from']}〜{split['test_to']})",
                   f"Train {split['train']:,} opportunities ({split['train_won']:,} won, from {split['train_from']}); "
                   f"test {split['test']:,} ({split['test_won']:,} won, {split['test_from']} to {split['test_to']})"),
              markup=False)  # fmt: skip
    weights = Table(st.t("重み", "weight"), st.t("較正", "calibrated"), st.t("既定", "default"))
    for key, value in data["weights"].items():
        weights.add_row(key, f"{value:+.3f}", f"{data['baseline_weights'][key]:+.3f}")
    out.print(weights)
    out.print(_evaluation_rows(st, data))
    out.print(_reliability(st, data))
    if dry_run:
        verdict = st.t("(試行: 保存していません)", "(dry run: nothing stored)")
    elif result.adopted:
        number = result.model_id
        verdict = st.t(f"較正モデル #{number} を採用しました。", f"Adopted calibrated model #{number}.")
    else:
        verdict = st.t(f"較正モデル #{result.model_id} は検証期間で既定の重みより良くないため採用せず、"
                       "既定の重みを使い続けます。",
                       f"Calibrated model #{result.model_id} is not better than the defaults on the held-out "
                       "split, so the defaults stay in use.")  # fmt: skip
    better = st.t(
        "採用の基準: AUC が高く、Brier が悪化しないこと。", "Rule: adopt when AUC is higher, Brier not worse."
    )
    out.print(f"{better} {verdict}", markup=False)


@app.command("threshold")
def threshold_cmd(
    ctx: typer.Context,
    value: str | None = typer.Argument(None, help="a number between 0 and 1; omit to show the current one"),
    capacity: bool = typer.Option(False, "--capacity", help="choose it so ICP × high leads fit sales capacity"),
    weeks: int = typer.Option(13, "--weeks", min=1, max=104, help="capacity mode: weeks of recent leads"),
    as_of: dt.datetime | None = AS_OF,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Show or set the high/low threshold (a number, or --capacity)."""
    st = state(ctx)
    engine = st.engine()
    if capacity:
        choice = likelihood.choose_by_capacity(engine, icp_condition=version_condition, actor=ACTOR, as_of=as_of,
                                               weeks=weeks)  # fmt: skip
    elif value is not None:
        choice = likelihood.set_threshold(engine, value=value, actor=ACTOR)
    else:
        with engine.connect() as conn:
            current = likelihood.likelihood_threshold(conn)
        if json_out:
            print_json({"threshold": current})
        else:
            out.print(st.t(f"しきい値: {_pct(current)}", f"Threshold: {_pct(current)}"))
        return
    if json_out:
        print_json(choice.as_dict())
        return
    out.print(st.t(f"しきい値を {_pct(choice.threshold)} にしました。", f"Threshold set to {_pct(choice.threshold)}."))
    if choice.mode == "capacity":
        out.print(st.t(
            f"営業の対応能力 週 {choice.capacity_per_week:,.0f} 件、直近 {choice.weeks} 週の ICP リード "
            f"{choice.icp_leads:,} 件"
            f" → ICP×高 は週 {choice.flow_per_week:,.1f} 件(基準のしきい値 {_pct(choice.base)} 以上)。",
            f"Sales capacity {choice.capacity_per_week:,.0f} per week; {choice.icp_leads:,} ICP leads in the last "
            f"{choice.weeks} weeks → {choice.flow_per_week:,.1f} ICP × high per week (never below the base "
            f"threshold {_pct(choice.base)})."), markup=False)  # fmt: skip
