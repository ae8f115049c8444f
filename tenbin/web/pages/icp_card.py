"""The evidence card of an ICP version (printable, exportable as PNG and PDF) and the new-ICP
candidates page (新たなICP候補). Everyone signed in may read both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Path
from fastapi.responses import Response

from tenbin.auth.roles import Permission
from tenbin.errors import TenbinError
from tenbin.icp import report
from tenbin.icp import service as icp
from tenbin.icp.errors import ICP_NO_CURRENT, ICP_TOO_FEW_ROWS
from tenbin.web import card
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.pages.icp import discovery_view
from tenbin.web.render import render

if TYPE_CHECKING:  # the result type only; the page calls the slice's service
    from tenbin.icp.candidates import NewCandidates

router = page_router()

VersionNumber = Path(ge=1, le=1_000_000, description="the version number")
TREND_WIDTH, TREND_HEIGHT, TREND_GAP = 240, 48, 2


@router.get("/icp/versions/{version}")
def evidence_card(version: int = VersionNumber, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    v = icp.get_icp_version(ctx.engine, version=version)
    return render(ctx, "icp_card.html", v=v, ev=v.evidence, chart=card.evidence_chart(v.evidence),
                  notes=card.notes_of(v))  # fmt: skip


def _export(ctx: Ctx, version: int, kind: str) -> Response:
    v = icp.get_icp_version(ctx.engine, version=version)
    spec = card.card_spec(v)
    content, media = (card.to_png(spec), "image/png") if kind == "png" else (card.to_pdf(spec), "application/pdf")
    name = f"icp-v{v.version}-evidence-card-{ctx.lang}.{kind}"
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/icp/versions/{version}/card.png")
def card_png(version: int = VersionNumber, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _export(ctx, version, "png")


@router.get("/icp/versions/{version}/card.pdf")
def card_pdf(version: int = VersionNumber, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _export(ctx, version, "pdf")


def trend_bars(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars of a small SVG chart of customers per quarter (heights in pixels, the tallest full)."""
    if not trend:
        return []
    top = max(p["customers"] for p in trend) or 1
    step = TREND_WIDTH / len(trend)
    width = max(1.0, step - TREND_GAP)
    bars = []
    for i, p in enumerate(trend):
        height = max(1.0, TREND_HEIGHT * p["customers"] / top)
        bars.append({"x": round(i * step, 1), "y": round(TREND_HEIGHT - height, 1), "width": round(width, 1),
                     "height": round(height, 1), "quarter": p["quarter"], "customers": p["customers"]})  # fmt: skip
    return bars


def _candidates_view(ctx: Ctx, found: NewCandidates) -> dict[str, Any]:
    data = report.new_candidates_dict(found)
    view = discovery_view(ctx, found.discovery)
    by_rank = {c["rank"]: c for c in view["candidates"]}
    for c in data["candidates"]:
        c["reason_texts"] = by_rank[c["rank"]]["reason_texts"]
        c["note_texts"] = by_rank[c["rank"]]["note_texts"]
        c["bars"] = trend_bars(c["trend"])
        c["sourced"] = sum(c["orientation"].values())
    data["discovery"] = {**data["discovery"], "target_name": view["target_name"]}
    data["passing"] = sum(1 for c in data["candidates"] if c["passed"])
    return data


@router.get("/icp/candidates")
def candidates(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    """New-ICP candidates: high-value customers outside the current ICP, grouped, with their evidence,
    sources (量/質) and trend; an empty state when there is no current ICP or too little data."""
    try:
        found = icp.new_icp_candidates(ctx.engine)
    except TenbinError as exc:
        if exc.code not in (ICP_NO_CURRENT.code, ICP_TOO_FEW_ROWS.code):
            raise
        return render(ctx, "icp_candidates.html", data=None, error=exc, no_current=exc.code == ICP_NO_CURRENT.code)
    return render(ctx, "icp_candidates.html", data=_candidates_view(ctx, found), error=None, no_current=False)
