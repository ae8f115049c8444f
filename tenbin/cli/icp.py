"""``tenbin icp discover|check|save|adopt|versions|show|explain|attributes``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.icp import report
from tenbin.icp import service as icp

app = typer.Typer(help="ICP: rules, discovery with evidence, versions, explanations.", no_args_is_help=True)
ACTOR = "cli"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return _num(value, 2)


def _interval(low: float | None, high: float | None, fmt: Any = _num) -> str:
    return "" if low is None or high is None else f" [{fmt(low)}–{fmt(high)}]"


@app.command("attributes")
def attributes_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List the attributes a rule may use (standard, custom, challenge categories and tags)."""
    st = state(ctx)
    attributes = icp.list_attributes(st.engine())
    if json_out:
        print_json([{"key": a.key, "label_ja": a.label_ja, "label_en": a.label_en, "kind": a.kind,
                     "aliases": list(a.aliases)} for a in attributes])  # fmt: skip
        return
    table = Table(st.t("属性", "attribute"), st.t("名前", "name"), st.t("型", "type"), st.t("別名", "aliases"))
    for a in attributes:
        table.add_row(a.key, a.label(st.lang), a.kind, ", ".join(a.aliases))
    out.print(table)


@app.command("check")
def check_cmd(ctx: typer.Context, rule: str = typer.Argument(..., help='e.g. industry = "E" and employees >= 300'),
              evidence: bool = typer.Option(False, "--evidence", help="also compute the evidence"),
              json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """Check a rule and count the accounts and customers it matches (optionally with evidence)."""
    st = state(ctx)
    result = icp.check_rule(st.engine(), rules=rule)
    ev = icp.rule_evidence(st.engine(), rules=rule).as_dict() if evidence else None
    if json_out:
        counts = {"accounts": result.accounts, "accounts_total": result.accounts_total}
        counts |= {"customers": result.customers, "customers_total": result.customers_total}
        print_json({"rule": result.rule, **counts, "evidence": ev})
        return
    out.print(result.rule, markup=False)
    out.print(st.t(f"該当企業 {result.accounts:,} / {result.accounts_total:,}、うち顧客 {result.customers:,} / "
                   f"{result.customers_total:,}",
                   f"Matches {result.accounts:,} of {result.accounts_total:,} accounts, {result.customers:,} of "
                   f"{result.customers_total:,} customers"))  # fmt: skip
    if ev:
        _print_evidence(st, ev)


def _print_evidence(st: State, ev: dict[str, Any]) -> None:
    lin, lout = ev["ltv_inside"], ev["ltv_outside"]
    win_in, win_out = ev["win_inside"], ev["win_outside"]
    ret_in, ret_out = ev["retention_inside"], ev["retention_outside"]
    lines = [
        (st.t("LTV 平均(該当)", "mean LTV (inside)"),
         f"¥{_num(lin['mean'])}{_interval(lin['mean_low'], lin['mean_high'])}  n={lin['n']}"),
        (st.t("LTV 平均(その他)", "mean LTV (rest)"), f"¥{_num(lout['mean'])}  n={lout['n']}"),
        (st.t("LTV 倍率", "LTV lift"),
         f"{_num(ev['ltv_lift'], 2)}×{_interval(ev['ltv_lift_low'], ev['ltv_lift_high'], _ratio)}"),
        (st.t("受注率", "win rate"), f"{_pct(win_in['rate'])} ({win_in['hits']}/{win_in['n']}) vs "
         f"{_pct(win_out['rate'])} ({win_out['hits']}/{win_out['n']})"),
        (st.t("12か月継続率", "12-month retention"), f"{_pct(ret_in['rate'])} ({ret_in['hits']}/{ret_in['n']}) vs "
         f"{_pct(ret_out['rate'])} ({ret_out['hits']}/{ret_out['n']})"),
        (st.t("市場", "market"), st.t(f"未取引企業 {ev['market_accounts']:,} / {ev['market_accounts_total']:,}、"
                                      f"リード {ev['market_open_leads']:,}",
                                      f"{ev['market_accounts']:,} of {ev['market_accounts_total']:,} non-customer "
                                      f"accounts, {ev['market_open_leads']:,} leads")),
    ]  # fmt: skip
    for label, value in lines:
        out.print(f"  {label}: {value}", markup=False)
    for c in ev["categories"]:
        ratio = "∞" if c["ratio"] is None else f"{c['ratio']:.1f}×"
        out.print(f"  {st.t('課題', 'challenge')}: {c['name']} {c['inside']} ({_pct(c['inside_share'])}) "
                  f"vs {_pct(c['outside_share'])} → {ratio}", markup=False)  # fmt: skip


@app.command("discover")
def discover_cmd(
    ctx: typer.Context,
    target: str = typer.Option("ltv", "--target", help="ltv | won | retained | a numeric account attribute"),
    depth: int = typer.Option(3, "--depth", help="conditions per subgroup, 1–3"),
    min_support: int | None = typer.Option(None, "--min-support", help="smallest subgroup (default max(10, 2%))"),
    top: int = typer.Option(10, "--top", help="candidates to show"),
    seed: int = typer.Option(0, "--seed"),
    annualised: bool = typer.Option(False, "--annualised", help="LTV per year as a customer"),
    outside_current: bool = typer.Option(
        False, "--outside-current", help="new-ICP candidates: customers the current ICP misses"
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Find subgroups of customers whose target is high, each with its evidence and gate result."""
    st = state(ctx)
    result = icp.discover_icp(st.engine(), target=target, depth=depth, min_support=min_support, top_k=top, seed=seed,
                              ltv_basis="annualised" if annualised else "cumulative",
                              outside_current=outside_current)  # fmt: skip
    data = report.discovery_dict(result)
    if json_out:
        print_json(data)
        return
    _print_discovery(st, data)


def _print_discovery(st: State, d: dict[str, Any]) -> None:
    split = st.t("時系列(前半で探索・後半で検証)", "time (discover on the earlier half, confirm on the later)") \
        if d["split"] == "time" else st.t("ランダム半分", "random halves")  # fmt: skip
    out.print(st.t(
        f"目的変数 {d['target_label']}、対象 {d['rows']:,} 行({d['accounts']:,} 社)、分割: {split}、"
        f"試した部分集団 {d['tried']:,}、最小サイズ {d['min_support']}、{d['seconds']:.1f} 秒",
        f"Target {d['target_label']}, {d['rows']:,} rows ({d['accounts']:,} accounts), split: {split}, "
        f"{d['tried']:,} subgroups tried, min size {d['min_support']}, {d['seconds']:.1f} s",
    ), markup=False)  # fmt: skip
    table = Table("#", st.t("ルール", "rule"), st.t("探索側 n", "n (earlier)"), st.t("q値", "q"),
                  st.t("検証側 倍率", "lift (later)"), st.t("検証 p", "p (later)"), st.t("判定", "gate"))  # fmt: skip
    lang = 0 if st.lang == "en" else 1
    for c in d["candidates"]:
        gate = st.t("合格", "passed") if c["passed"] else "; ".join(report.REASONS[r][lang] for r in c["reasons"])
        h = c["holdout"]
        table.add_row(str(c["rank"]), c["rule"], f"{c['discovery']['size']:,}", f"{c['discovery']['q']:.2g}",
                      _num(h["lift"], 2), f"{h['p']:.2g}", gate)  # fmt: skip
    out.print(table)
    best = next((c for c in d["candidates"] if c["passed"]), None)
    if best is None:
        out.print(st.t("証拠の基準を満たす候補はありません。ICP として提示できるものはありません。",
                       "No candidate passes the evidence gate: none is offered as the ICP."))  # fmt: skip
        return
    out.print(st.t(f"最有力候補 #{best['rank']}: {best['rule']}", f"Best candidate #{best['rank']}: {best['rule']}"),
              markup=False)  # fmt: skip
    _print_evidence(st, best["evidence"])


@app.command("save")
def save_cmd(ctx: typer.Context, rule: str = typer.Argument(...), name: str = typer.Option("", "--name"),
             notes_ltv: str | None = typer.Option(None, "--ltv-evidence", help="why LTV is high (LTV の根拠)"),
             notes_fit: str | None = typer.Option(None, "--fit-evidence", help="why they suit us (相性の根拠)"),
             notes_market: str | None = typer.Option(None, "--market-evidence", help="market existence (市場の根拠)"),
             adopt: bool = typer.Option(False, "--adopt", help="make it the current ICP"),
             json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """Save a rule as a new ICP version with evidence notes and a frozen evidence snapshot."""
    st = state(ctx)
    version = icp.save_icp_version(st.engine(), name=name, rules=rule, actor=ACTOR, notes_ltv=notes_ltv,
                                   notes_fit=notes_fit, notes_market=notes_market, adopt=adopt)  # fmt: skip
    if json_out:
        print_json(report.version_dict(version))
        return
    out.print(st.t(f"ICP バージョン {version.version} を保存しました{'(現在の ICP)' if version.is_current else ''}",
                   f"Saved ICP version {version.version}{' (current)' if version.is_current else ''}"))  # fmt: skip


@app.command("adopt")
def adopt_cmd(ctx: typer.Context, version: int = typer.Argument(...)) -> None:
    """Make a saved version the current ICP."""
    st = state(ctx)
    icp.adopt_icp_version(st.engine(), version=version, actor=ACTOR)
    out.print(st.t(f"ICP バージョン {version} を現在の ICP にしました", f"ICP version {version} is now current"))


@app.command("versions")
def versions_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List ICP versions, newest first."""
    st = state(ctx)
    versions = icp.list_icp_versions(st.engine())
    if json_out:
        print_json([report.version_dict(v) for v in versions])
        return
    table = Table(
        "v", st.t("名前", "name"), st.t("ルール", "rule"), st.t("作成者", "author"), st.t("作成日時", "created"), ""
    )
    for v in versions:
        table.add_row(str(v.version), v.name, v.rules, v.author or "", f"{v.created_at:%Y-%m-%d %H:%M}",
                      st.t("現在", "current") if v.is_current else "")  # fmt: skip
    out.print(table)


@app.command("show")
def show_cmd(ctx: typer.Context, version: int | None = typer.Argument(None, help="default: the current version"),
             json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """Show a version (current by default): rule, notes and its frozen evidence."""
    st = state(ctx)
    v = icp.get_icp_version(st.engine(), version=version)
    data = report.version_dict(v)
    if json_out:
        print_json(data)
        return
    out.print(f"v{v.version} {v.name}{' (' + st.t('現在', 'current') + ')' if v.is_current else ''}", markup=False)
    out.print(v.rules, markup=False)
    for key, label in (("ltv", st.t("LTV の根拠", "LTV evidence")), ("fit", st.t("相性の根拠", "fit evidence")),
                       ("market", st.t("市場の根拠", "market evidence"))):  # fmt: skip
        if data["notes"][key]:
            out.print(f"  {label}: {data['notes'][key]}", markup=False)
    if v.evidence:
        _print_evidence(st, v.evidence)


@app.command("explain")
def explain_cmd(ctx: typer.Context, account: int | None = typer.Option(None, "--account", help="account ID"),
                lead: int | None = typer.Option(None, "--lead", help="lead (contact) ID"),
                version: int | None = typer.Option(None, "--version", help="default: current"),
                rule: str | None = typer.Option(None, "--rule", help="explain against this rule instead"),
                json_out: bool = typer.Option(False, "--json")) -> None:  # fmt: skip
    """Which conditions an account or lead meets and which it does not."""
    st = state(ctx)
    if (account is None) == (lead is None):
        raise typer.BadParameter(
            st.t("--account か --lead のどちらか一方を指定してください", "give --account or --lead")
        )
    e = icp.explain_icp(st.engine(), version=version, rules=rule, account_id=account, contact_id=lead)
    if json_out:
        print_json(report.explanation_dict(e))
        return
    verdict = (
        st.t("ICP に該当します", "matches the ICP")
        if e.matches
        else st.t("ICP に該当しません", "does not match the ICP")
    )
    out.print(f"{e.account_name} (#{e.account_id}): {verdict}", markup=False)
    for c in (*e.rule_checks, *e.criteria_checks):
        mark = "✓" if c.holds else "✗"
        shown = [c.attribute.choice_label(str(x), st.lang) if c.attribute.choices else str(x) for x in c.actual]
        actual = ", ".join(shown) or st.t("(値なし)", "(no value)")
        weight = f"  [{st.t('重み', 'weight')} {c.weight:g}]" if c.weight is not None else ""
        out.print(f"  {mark} {c.condition}  ← {actual}{weight}", markup=False)
    if e.score is not None:
        out.print(
            st.t(
                f"  適合スコア {e.score:.0f} / しきい値 {e.threshold:g}",
                f"  fit score {e.score:.0f} / threshold {e.threshold:g}",
            )
        )


@app.command("candidates")
def candidates_cmd(
    ctx: typer.Context,
    version: int | None = typer.Option(None, "--version", help="default: current"),
    top: int = typer.Option(10, "--top"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """New-ICP candidates: high-value customers outside the ICP, grouped, with their sources and trend."""
    st = state(ctx)
    data = report.new_candidates_dict(icp.new_icp_candidates(st.engine(), version=version, top_k=top))
    if json_out:
        print_json(data)
        return
    out.print(st.t(
        f"ICP v{data['version']} の外にいる顧客 {data['outside']:,} / {data['customers']:,} 社、"
        f"うち ICP 顧客の LTV 中央値以上 {data['high_value_outside']:,} 社",
        f"{data['outside']:,} of {data['customers']:,} customers are outside ICP v{data['version']}; "
        f"{data['high_value_outside']:,} of them have an LTV at or above the ICP customers' median",
    ), markup=False)  # fmt: skip
    _print_discovery(st, {**data["discovery"], "candidates": data["candidates"]})
    for c in data["candidates"]:
        o = c["orientation"]
        sources = ", ".join(f"{s['campaign']} ({s['customers']})" for s in c["sources"][:3]) or "—"
        out.print(f"#{c['rank']} {st.t('量', 'quantity')} {o.get('quantity', 0)} / {st.t('質', 'quality')} "
                  f"{o.get('quality', 0)}  {st.t('主な流入施策', 'top sources')}: {sources}", markup=False)  # fmt: skip
