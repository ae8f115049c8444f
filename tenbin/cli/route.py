"""``tenbin route``: routing on the ICP × win-likelihood 2×2 in batch, a lead's history, overrides."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.routing import service as routing
from tenbin.routing.text import ACTION_LABELS, QUADRANT_LABELS, TRIGGER_LABELS, label

ACTOR = "cli"
app = typer.Typer(
    help="Routing (振り分け) on the ICP × win-likelihood 2×2 with team capacities.", invoke_without_command=True
)


def _now(st: State, now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else routing.local_now(st.settings.timezone)


def _summary_table(st: State, result: routing.RunResult) -> Table:
    title = st.t("新しい振り分け(象限 × チーム)", "New decisions (quadrant × team)")
    table = Table(st.t("象限", "quadrant"), st.t("チーム", "team"), st.t("対応", "action"), st.t("件数", "leads"),
                  title=title)  # fmt: skip
    for r in result.summary():
        table.add_row(label(QUADRANT_LABELS, r["quadrant"], st.lang), r["team"] or st.t("(未割当)", "(unassigned)"),
                      label(ACTION_LABELS, r["action"], st.lang), f"{r['count']:,}")  # fmt: skip
    return table


@app.callback()
def route_cmd(
    ctx: typer.Context,
    lead: list[int] = typer.Option([], "--lead", help="only these lead IDs (repeatable)"),
    revisit: bool = typer.Option(False, "--revisit", help="only revisit current decisions; route no new leads"),
    dry_run: bool = typer.Option(False, "--dry-run", help="decide and report, write nothing"),
    since: dt.datetime | None = typer.Option(None, "--since", formats=["%Y-%m-%d"],
                                             help="new leads: only those acquired on or after this day"),
    json_out: bool = typer.Option(False, "--json"),
    now: dt.datetime | None = typer.Option(None, "--now", formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                           help="decide as of this local time (default: now)"),
) -> None:  # fmt: skip
    """Route every open lead without a current decision (ICP × high first) and revisit the current
    decisions whose quadrant changed, that are unassigned or whose member left."""
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    result = routing.run_routing(st.engine(), actor=ACTOR, contact_ids=lead or None, revisit_only=revisit,
                                 dry_run=dry_run, now=_now(st, now),
                                 since=None if since is None else since.date())  # fmt: skip
    data = result.as_dict(st.lang)
    if json_out:
        print_json(data)
        return
    out.print(_summary_table(st, result))
    line = st.t(
        f"対象 {data['considered']:,} 件: 新しい振り分け {data['created']:,} 件(うち見直し {data['revisited']:,} 件、"
        f"未割当 {data['unassigned']:,} 件)、変更なし {data['kept']:,} 件。",
        f"{data['considered']:,} leads: {data['created']:,} new decisions ({data['revisited']:,} revisited, "
        f"{data['unassigned']:,} unassigned), {data['kept']:,} unchanged.",
    )
    if dry_run:
        line += st.t(" (ドライラン: 何も書き込んでいません)", " (dry run: nothing written)")
    out.print(line, markup=False)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    lead_id: int = typer.Argument(..., help="the lead's ID"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """A lead's routing history, oldest first (the current decision last)."""
    st = state(ctx)
    with st.engine().connect() as conn:
        decisions = routing.history(conn, lead_id)
    if json_out:
        print_json([d.as_dict(st.lang) for d in decisions])
        return
    if not decisions:
        out.print(st.t(f"リード {lead_id} の振り分け履歴はありません。", f"Lead {lead_id} has no routing history."))
        return
    table = Table(st.t("日時", "decided"), st.t("きっかけ", "trigger"), st.t("象限", "quadrant"),
                  st.t("対応", "action"), st.t("担当", "assignee"), st.t("現在", "current"),
                  st.t("理由", "reason"))  # fmt: skip
    for d in decisions:
        who = " / ".join(x for x in (d.team_name, d.member_name) if x) or st.t("(未割当)", "(unassigned)")
        table.add_row(f"{d.decided_at:%Y-%m-%d %H:%M}", label(TRIGGER_LABELS, d.trigger, st.lang),
                      label(QUADRANT_LABELS, d.quadrant, st.lang), label(ACTION_LABELS, d.action, st.lang), who,
                      "○" if d.is_current else "", str(d.reason.get(st.lang, "")))  # fmt: skip
    out.print(table)


@app.command("override")
def override_cmd(
    ctx: typer.Context,
    lead_id: int = typer.Argument(..., help="the lead's ID"),
    team: str = typer.Option(..., "--team", help="team ID or name"),
    member: str | None = typer.Option(None, "--member", help="member ID or name (default: the team's queue)"),
    reason: str = typer.Option(..., "--reason", help="why (kept with the decision)"),
    actor: str = typer.Option(ACTOR, "--as", help="who overrides (recorded in the audit log)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Move a lead to another team / member (a manager's override; audited; capacity respected)."""
    st = state(ctx)
    decision = routing.override_decision(st.engine(), contact_id=lead_id, team=team, member=member, reason=reason,
                                         actor=actor, now=_now(st, None))  # fmt: skip
    if json_out:
        print_json(decision.as_dict(st.lang))
        return
    out.print(str(decision.reason.get(st.lang, "")), markup=False)


@app.command("handled")
def handled_cmd(
    ctx: typer.Context,
    lead_id: int = typer.Argument(..., help="the lead's ID"),
    actor: str = typer.Option(ACTOR, "--as", help="who handled it (recorded in the audit log)"),
) -> None:
    """Mark a lead handled by its assignee (stops the SLA clock)."""
    st = state(ctx)
    decision = routing.mark_handled(st.engine(), contact_id=lead_id, actor=actor, now=_now(st, None))
    at = decision.handled_at
    out.print(st.t(f"リード {lead_id} を対応済みにしました({at:%Y-%m-%d %H:%M})。",
                   f"Lead {lead_id} marked handled ({at:%Y-%m-%d %H:%M})."), markup=False)  # fmt: skip


@app.command("queue")
def queue_cmd(
    ctx: typer.Context,
    team: int | None = typer.Option(None, "--team", help="team ID"),
    member: int | None = typer.Option(None, "--member", help="member ID"),
    unassigned: bool = typer.Option(False, "--unassigned", help="only leads no team took"),
    open_only: bool = typer.Option(False, "--open", help="only leads not handled yet"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The routing queue: current decisions of open leads, unhandled first, earliest SLA due first."""
    st = state(ctx)
    now = _now(st, None)
    with st.engine().connect() as conn:
        items = routing.queue(conn, team_id=team, member_id=member, unassigned=unassigned,
                              include_handled=not open_only, now=now)  # fmt: skip
    if json_out:
        print_json([i.as_dict() for i in items])
        return
    table = Table("ID", st.t("リード", "lead"), st.t("企業", "account"), st.t("象限", "quadrant"),
                  st.t("担当", "assignee"), st.t("期限", "due"), st.t("状態", "state"))  # fmt: skip
    for i in items:
        who = " / ".join(x for x in (i.team_name, i.member_name) if x) or st.t("(未割当)", "(unassigned)")
        status = (st.t("対応済み", "handled") if i.handled_at else "") + (
            st.t(" 期限超過", " overdue") if i.overdue else ""
        )
        table.add_row(str(i.contact_id), i.lead_name, i.account_name or "—",
                      label(QUADRANT_LABELS, i.quadrant, st.lang), who, f"{i.sla_due:%m-%d %H:%M}",
                      status.strip())  # fmt: skip
    out.print(table)
