"""``tenbin metrics icp-rate|conversion|value|costs``: thin wrappers over :mod:`tenbin.metrics.service`.

Every command prints a table in the user's language (counts always beside the rates) or, with
``--json``, the runner's result as JSON (:func:`result_dict`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from tenbin.cli.common import State, out, print_json, state
from tenbin.metrics import service as metrics
from tenbin.metrics.filters import lead_filter
from tenbin.workspace import service as ws

app = typer.Typer(help="Metrics: ICP rate, ICP vs non-ICP conversion, value shares, campaign costs.",
                  no_args_is_help=True)  # fmt: skip

DIMENSION_LABELS = {
    "stage": ("ステージ", "stage"),
    "month": ("月", "month"),
    "quarter": ("四半期", "quarter"),
    "fiscal_year": ("年度", "fiscal year"),
    "campaign": ("施策", "campaign"),
    "channel": ("チャネル", "channel"),
    "orientation": ("量/質", "orientation"),
    "offer": ("オファー", "offer"),
    "team": ("チーム", "team"),
    "industry": ("業種", "industry"),
    "size_band": ("規模帯", "size band"),
}


result_dict = metrics.result_dict

_EACH = "; repeatable or comma-separated"
Campaign = Annotated[list[str] | None, typer.Option("--campaign", help="first-touch campaign" + _EACH)]
Channel = Annotated[list[str] | None, typer.Option("--channel", help="first-touch channel" + _EACH)]
Orientation = Annotated[list[str] | None, typer.Option("--orientation", help="quantity (量) | quality (質)" + _EACH)]
Offer = Annotated[list[str] | None, typer.Option("--offer", help="first-touch offer" + _EACH)]
TeamOpt = Annotated[list[str] | None, typer.Option("--team", help="the owner's team" + _EACH)]
Industry = Annotated[list[str] | None, typer.Option("--industry", help="JSIC letter (E, G, …)" + _EACH)]
SizeBand = Annotated[list[str] | None, typer.Option("--size-band", help="employee band (300-499, …)" + _EACH)]


def filter_of(
    campaign: list[str] | None,
    channel: list[str] | None,
    orientation: list[str] | None,
    offer: list[str] | None,
    team: list[str] | None,
    industry: list[str] | None,
    size_band: list[str] | None,
) -> metrics.LeadFilter:
    """The lead filter of the ``--campaign … --size-band`` options (coded errors for malformed values)."""
    given = {"campaign": campaign, "channel": channel, "orientation": orientation, "offer": offer, "team": team,
             "industry": industry, "size_band": size_band}  # fmt: skip
    return lead_filter({name: values for name, values in given.items() if values})


def _day(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else value.date()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _rate(hits: int, total: int, rate: float | None, low: float | None, high: float | None) -> str:
    interval = "" if low is None or high is None else f" [{_pct(low)}–{_pct(high)}]"
    return f"{_pct(rate)}{interval} ({hits:,}/{total:,})"


def _yen(value: float | None) -> str:
    return "—" if value is None else f"¥{value:,.0f}"


def _stage_names(st: State) -> dict[str, str]:
    return {s.code: (s.name_ja if st.lang == "ja" else s.name_en) for s in ws.list_stages(st.engine())}


@app.command("icp-rate")
def icp_rate_cmd(
    ctx: typer.Context,
    by: str = typer.Option("", "--by", help="comma-separated: " + ", ".join(metrics.DIMENSIONS)),
    icp_version: int | None = typer.Option(None, "--icp-version", help="ICP version (default: the current one)"),
    stage: str | None = typer.Option(None, "--stage", help="only leads that reached this funnel stage"),
    period_from: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="YYYY-MM-DD"),
    period_to: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="YYYY-MM-DD (inclusive)"),
    campaign: Campaign = None, channel: Channel = None, orientation: Orientation = None, offer: Offer = None,
    team: TeamOpt = None, industry: Industry = None, size_band: SizeBand = None,
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """ICP rate (ICP leads / leads) with its 95 % Wilson interval, by any dimensions."""
    st = state(ctx)
    query = metrics.IcpRateQuery(
        by=tuple(part.strip() for part in by.split(",") if part.strip()), icp_version=icp_version, stage=stage,
        period_from=_day(period_from), period_to=_day(period_to),
        filters=filter_of(campaign, channel, orientation, offer, team, industry, size_band),
    )  # fmt: skip
    result = metrics.compute_icp_rate(st.engine(), query)
    if json_out:
        print_json(result.as_dict())
        return
    _print_icp_rate(st, result)


def _print_icp_rate(st: State, result: metrics.IcpRateResult) -> None:
    by = result.query.by
    names = _stage_names(st) if "stage" in by else {}
    heads = [st.t(*DIMENSION_LABELS[name]) for name in by]
    title = st.t(f"ICP率(ICP バージョン {result.icp_version})", f"ICP rate (ICP version {result.icp_version})")
    table = Table(*heads, st.t("件数", "leads"), "ICP", st.t("非ICP", "non-ICP"),
                  st.t("ICP率 [95%区間]", "ICP rate [95%]"), title=title)  # fmt: skip
    overall_label = st.t("合計", "overall")
    for row in result.rows:
        keys = [names.get(k, k) if name == "stage" else k for name, k in zip(by, row.keys, strict=True)]
        table.add_row(*keys, *_counts(row))
    if result.overall == result.rows:  # no groups, or grouped by stage alone: the rows are the overall rows
        out.print(table)
        _print_stage_summary(st, result, names)
        return
    table.add_section()
    for row in result.overall:
        label = overall_label + (f" {names.get(row.keys[0], row.keys[0])}" if row.keys else "")
        table.add_row(*([label, *[""] * (len(by) - 1)] if by else []), *_counts(row), style="bold")
    out.print(table)
    _print_stage_summary(st, result, names)


def _print_stage_summary(st: State, result: metrics.IcpRateResult, names: dict[str, str]) -> None:
    """One line per stage: 「リード獲得 400件、うちICP該当 150件(37.5%)、非ICP 250件」."""
    if "stage" in result.query.by:
        for row in result.overall:
            name = names.get(row.keys[0], row.keys[0])
            out.print(st.t(f"{name} {row.total:,}件、うちICP該当 {row.icp:,}件({_pct(row.rate)})、"
                           f"非ICP {row.non_icp:,}件",
                           f"{name}: {row.total:,} leads, {row.icp:,} of them ICP ({_pct(row.rate)}), "
                           f"{row.non_icp:,} non-ICP"), markup=False)  # fmt: skip


def _counts(row: metrics.IcpRateRow) -> list[str]:
    rate = _rate(row.icp, row.total, row.rate, row.low, row.high)
    return [f"{row.total:,}", f"{row.icp:,}", f"{row.non_icp:,}", rate]


@app.command("conversion")
def conversion_cmd(
    ctx: typer.Context,
    steps: str = typer.Option("lead>sql,sql>won", "--steps", help="comma-separated FROM>TO stage pairs"),
    icp_version: int | None = typer.Option(None, "--icp-version"),
    period_from: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="YYYY-MM-DD"),
    period_to: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="YYYY-MM-DD (inclusive)"),
    campaign: Campaign = None, channel: Channel = None, orientation: Orientation = None, offer: Offer = None,
    team: TeamOpt = None, industry: Industry = None, size_band: SizeBand = None,
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Stage-to-stage conversion of ICP vs non-ICP leads, with intervals and a one-sided Fisher test."""
    st = state(ctx)
    pairs = tuple(_step(part) for part in steps.split(",") if part.strip())
    query = metrics.ConversionQuery(steps=pairs, icp_version=icp_version, period_from=_day(period_from),
                                    period_to=_day(period_to),
                                    filters=filter_of(campaign, channel, orientation, offer, team, industry,
                                                      size_band))  # fmt: skip
    result = metrics.compute_conversion(st.engine(), query)
    if json_out:
        print_json(result_dict(result))
        return
    names = _stage_names(st)
    title = st.t(f"転換率(ICP バージョン {result.icp_version})", f"Conversion (ICP version {result.icp_version})")
    table = Table(st.t("ステップ", "step"), "ICP", st.t("非ICP", "non-ICP"), st.t("差", "difference"),
                  st.t("p値(ICPが高い)", "p (ICP higher)"), title=title)  # fmt: skip
    for step in result.steps:
        c = step.comparison
        diff = "—" if c.difference is None else f"{c.difference * 100:+.1f}pt"
        table.add_row(f"{names.get(step.from_stage, step.from_stage)} → {names.get(step.to_stage, step.to_stage)}",
                      _rate(c.icp.hits, c.icp.total, c.icp.rate, c.icp.low, c.icp.high),
                      _rate(c.non_icp.hits, c.non_icp.total, c.non_icp.rate, c.non_icp.low, c.non_icp.high),
                      diff, f"{c.p_icp_higher:.3g}")  # fmt: skip
    out.print(table)


def _step(text: str) -> tuple[str, str]:
    start, _, end = text.strip().partition(">")
    if not end:
        raise typer.BadParameter(f"{text!r}: write FROM>TO, e.g. lead>sql", param_hint="--steps")
    return start.strip(), end.strip()


@app.command("value")
def value_cmd(
    ctx: typer.Context,
    icp_version: int | None = typer.Option(None, "--icp-version"),
    period_from: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="YYYY-MM-DD"),
    period_to: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="YYYY-MM-DD (inclusive)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Value-weighted ICP rate: shares of pipeline, won amount and LTV from ICP accounts."""
    st = state(ctx)
    query = metrics.ValueShareQuery(icp_version=icp_version, period_from=_day(period_from), period_to=_day(period_to))
    result = metrics.compute_value_share(st.engine(), query)
    if json_out:
        print_json(result_dict(result))
        return
    basis = st.t("粗利", "gross profit") if result.ltv_basis == "gross_profit" else st.t("売上", "revenue")
    table = Table("", st.t("ICP 由来", "from ICP"), st.t("全体", "total"), st.t("割合", "share"),
                  st.t("件数(ICP/全体)", "records (ICP/all)"),
                  title=st.t(f"金額で見た ICP 率(ICP バージョン {result.icp_version})",
                             f"Value-weighted ICP rate (ICP version {result.icp_version})"))  # fmt: skip
    for label, part in ((st.t("パイプライン", "pipeline"), result.pipeline), (st.t("受注金額", "won"), result.won),
                        (st.t(f"LTV({basis})", f"LTV ({basis})"), result.ltv)):  # fmt: skip
        table.add_row(label, _yen(part.icp), _yen(part.total), _pct(part.share), f"{part.icp_count:,}/{part.count:,}")
    out.print(table)


@app.command("costs")
def costs_cmd(
    ctx: typer.Context,
    icp_version: int | None = typer.Option(None, "--icp-version"),
    period_from: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="YYYY-MM-DD"),
    period_to: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="YYYY-MM-DD (inclusive)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:  # fmt: skip
    """Cost per lead and per ICP lead of each campaign (first touch)."""
    st = state(ctx)
    query = metrics.CampaignCostQuery(icp_version=icp_version, period_from=_day(period_from),
                                      period_to=_day(period_to))  # fmt: skip
    result = metrics.compute_campaign_costs(st.engine(), query)
    if json_out:
        print_json(result_dict(result))
        return
    table = Table(st.t("施策", "campaign"), st.t("チャネル", "channel"), st.t("量/質", "orientation"),
                  st.t("費用", "cost"), st.t("ICP率(ICP/件数)", "ICP rate (ICP/leads)"), st.t("リード単価", "per lead"),
                  st.t("ICPリード単価", "per ICP lead"),
                  title=st.t(f"施策別コスト(ICP バージョン {result.icp_version})",
                             f"Campaign costs (ICP version {result.icp_version})"))  # fmt: skip
    for c in result.campaigns:
        table.add_row(c.campaign, c.channel, c.orientation, _yen(c.cost),
                      _rate(c.leads.hits, c.leads.total, c.leads.rate, c.leads.low, c.leads.high),
                      _yen(c.cost_per_lead), _yen(c.cost_per_icp_lead))  # fmt: skip
    table.add_section()
    leads = result.leads
    table.add_row(st.t("合計(費用が分かる施策)", "overall (costed campaigns)"), "", "", _yen(result.cost),
                  _rate(leads.hits, leads.total, leads.rate, leads.low, leads.high),
                  _yen(result.cost_per_lead), _yen(result.cost_per_icp_lead), style="bold")  # fmt: skip
    out.print(table)
