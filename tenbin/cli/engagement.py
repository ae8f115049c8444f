"""``tenbin ladder``, ``tenbin seminars add|list|attendee-add|import``, ``tenbin whitespace``: thin
wrappers over :mod:`tenbin.engagement.service`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.engagement import service as svc
from tenbin.i18n import fmt_yen, use_lang
from tenbin.metrics.rates import Proportion

seminars_app = typer.Typer(
    help="Individual seminars (個別セミナー) per account and their attendees.", no_args_is_help=True
)
CLI_ACTOR = "cli"


def _pct(p: Proportion) -> str:
    if p.rate is None:
        return f"— (0/{p.total:,})"
    interval = f" [{(p.low or 0) * 100:.1f}–{(p.high or 0) * 100:.1f}]" if p.low is not None else ""
    return f"{p.rate * 100:.1f}%{interval} ({p.hits:,}/{p.total:,})"


def ladder_cmd(
    ctx: typer.Context,
    by: str = typer.Option("lead", "--by", help="lead | account"),
    since: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="responses on or after"),
    until: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="responses on or before"),
    icp_version: int | None = typer.Option(None, "--icp-version", help="default: the current ICP"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Step-up conversion per rung of the offer ladder, ICP vs non-ICP, with 95% Wilson intervals."""
    st = state(ctx)
    result = svc.compute_ladder(
        st.engine(),
        by=by,
        period_from=since.date() if since else None,
        period_to=until.date() if until else None,
        icp_version=icp_version,
    )
    if json_out:
        print_json(svc.as_plain(result))
        return
    title = st.t("オファー設計: ステップアップ率", "Offer ladder: step-up conversion")
    table = Table(
        st.t("段", "rung"),
        st.t("オファー", "offer"),
        st.t("ICP 上位へ", "ICP any higher"),
        st.t("非ICP 上位へ", "non-ICP any higher"),
        st.t("ICP 次の段へ", "ICP next rung"),
        st.t("非ICP 次の段へ", "non-ICP next rung"),
        st.t("p(片側)", "p (one-sided)"),
        title=title,
    )
    for step in result.steps:
        top = step.next_rank is None
        table.add_row(
            str(step.rank),
            "・".join(step.offers),
            *(
                ["—"] * 4
                if top
                else [_pct(step.higher.icp), _pct(step.higher.non_icp), _pct(step.next.icp), _pct(step.next.non_icp)]
            ),
            "—" if top else f"{step.higher.p_icp_higher:.3f}",
        )
    out.print(table)
    if result.icp_version is None:
        out.print(
            st.t(
                "ICP バージョンが採用されていないため、全員を非ICPとして数えています。",
                "No ICP version is adopted, so everyone is counted as non-ICP.",
            )
        )


def _session_table(st: State, sessions: list[svc.Session]) -> Table:
    table = Table(
        "id",
        st.t("開催日", "held on"),
        st.t("タイトル", "title"),
        st.t("施策", "campaign"),
        st.t("参加者", "attendees"),
        title=st.t("個別セミナー", "Individual seminars"),
    )
    for x in sessions:
        people = ", ".join(
            f"{a.name or '—'}({a.department or '—'}/{svc.role_label(a.role, st.lang)})" for a in x.attendees
        )
        table.add_row(str(x.id), x.held_on.isoformat(), x.title, x.campaign_name or "", people)
    return table


@seminars_app.command("list")
def seminars_list(
    ctx: typer.Context,
    account: int = typer.Option(..., "--account", help="account id"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """An account's individual seminars with attendees and buying-group coverage before/after."""
    st = state(ctx)
    with st.engine().connect() as conn:
        found = svc.account_engagement(conn, account)
    if json_out:
        print_json(svc.as_plain(found))
        return
    out.print(_session_table(st, list(found.sessions)))
    table = Table(
        st.t("開催日", "held on"),
        st.t("役割 前→後", "key roles before→after"),
        st.t("新たに接点", "newly reached"),
        st.t("部署 前→後", "departments before→after"),
        st.t("新たな部署", "new departments"),
        title=st.t("購買グループのカバレッジ", "Buying-group coverage"),
    )
    for c in found.coverage:
        table.add_row(
            c.held_on.isoformat(),
            f"{len(c.roles_before)}→{len(c.roles_after)}/5",
            "、".join(svc.role_label(r, st.lang) for r in c.new_roles),
            f"{len(c.departments_before)}→{len(c.departments_after)}",
            "、".join(c.new_departments),
        )
    out.print(table)


@seminars_app.command("add")
def seminars_add(
    ctx: typer.Context,
    account: int = typer.Option(..., "--account", help="account id"),
    title: str = typer.Option(..., "--title"),
    held_on: str = typer.Option(..., "--date", help="e.g. 2026-04-15"),
    campaign: str | None = typer.Option(None, "--campaign", help="campaign id or name"),
    notes: str | None = typer.Option(None, "--notes"),
) -> None:
    """Record an individual seminar held for an account."""
    st = state(ctx)
    found = svc.add_session(
        st.engine(), account_id=account, title=title, held_on=held_on, campaign=campaign, notes=notes, actor=CLI_ACTOR
    )
    out.print(st.t(f"個別セミナー {found.id} を登録しました。", f"Recorded individual seminar {found.id}."))


@seminars_app.command("attendee-add")
def seminars_attendee_add(
    ctx: typer.Context,
    session: int = typer.Option(..., "--session", help="seminar id"),
    contact: str | None = typer.Option(None, "--contact", help="contact id or email (of the account)"),
    name: str | None = typer.Option(None, "--name", help="name of an attendee who is not a contact"),
    department: str | None = typer.Option(None, "--department"),
    role: str | None = typer.Option(None, "--role", help=", ".join(svc.ROLES)),
    level: str | None = typer.Option(None, "--level", help=", ".join(svc.LEVELS)),
) -> None:
    """Add an attendee to a seminar: one of the account's contacts, or a name."""
    st = state(ctx)
    found = svc.add_attendee(
        st.engine(),
        session_id=session,
        contact=contact,
        name=name,
        department=department,
        role=role,
        level=level,
        actor=CLI_ACTOR,
    )
    out.print(st.t(f"参加者 {found.id} を追加しました。", f"Added attendee {found.id}."))


@seminars_app.command("import")
def seminars_import(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="CSV or XLSX, one row per attendee"),
    encoding: str | None = typer.Option(None, "--encoding", help="default: detected (UTF-8, BOM, CP932)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and count, write nothing"),
) -> None:
    """Import seminars and attendees, one row per attendee (columns 会社名/企業ID/法人番号, タイトル,
    開催日, 氏名, メール, 部署, 役割, 役職レベル)."""
    st = state(ctx)
    found = svc.import_seminars(st.engine(), path, encoding=encoding, dry_run=dry_run, actor=CLI_ACTOR)
    out.print(
        st.t(
            f"{found.rows:,} 行: セミナー 追加 {found.sessions_added:,}・既存 {found.sessions_existing:,}、"
            f"参加者 追加 {found.attendees_added:,}・既存 {found.attendees_existing:,}(文字コード {found.encoding})",
            f"{found.rows:,} rows: seminars added {found.sessions_added:,}, existing {found.sessions_existing:,}; "
            f"attendees added {found.attendees_added:,}, existing {found.attendees_existing:,} "
            f"(encoding {found.encoding})",
        )
        + (st.t("(試行のみ: 書き込んでいません)", " (dry run: nothing written)") if dry_run else "")
    )


def whitespace_cmd(
    ctx: typer.Context,
    account: int | None = typer.Option(None, "--account", help="one customer account"),
    icp_first: bool = typer.Option(False, "--icp-first", help="ICP customers first"),
    limit: int = typer.Option(30, "--limit", help="rows to print (JSON: all)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Whitespace per customer account: departments and products not yet engaged, ranked by opportunity."""
    st = state(ctx)
    result = svc.compute_whitespace(st.engine(), account_id=account, icp_first=icp_first)
    if json_out:
        print_json(svc.as_plain(result))
        return
    table = Table(
        "id",
        st.t("企業", "account"),
        "ICP",
        "LTV",
        st.t("未開拓の部署", "departments not engaged"),
        st.t("未購入の製品", "products not bought"),
        st.t("余地", "share"),
        st.t("機会", "opportunity"),
        title=st.t("ホワイトスペース", "Whitespace"),
    )
    with use_lang(st.lang):
        for w in result.rows[:limit]:
            icp = "—" if w.is_icp is None else ("○" if w.is_icp else "")
            table.add_row(
                str(w.account_id),
                w.name,
                icp,
                fmt_yen(w.ltv),
                "、".join(m.label for m in w.departments_missing[:5]) or "—",
                "、".join(p for p, _ in w.products_missing[:3]) or "—",
                f"{w.share * 100:.0f}%",
                fmt_yen(round(w.score)),
            )
    out.print(table)
    if result.sites_attribute is None:
        out.print(
            st.t(
                "拠点は記録されていません(企業の「拠点」属性がありません)。",
                "Sites are not recorded (no site attribute on accounts).",
            )
        )


def register(app: typer.Typer) -> None:
    app.command("ladder")(ladder_cmd)
    app.add_typer(seminars_app, name="seminars")
    app.command("whitespace")(whitespace_cmd)
