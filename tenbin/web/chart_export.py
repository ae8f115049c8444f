"""The dashboard's charts as Vega-Lite specs (drawn in the browser by static/charts.js, or rendered
to PNG/SVG on the server with vl-convert from the very same spec, Japanese text included: the
font setup of :mod:`tenbin.web.card`), and its tables as CSV (UTF-8 with BOM, or CP932) and XLSX
with the importer's writers.

* funnel: every stage as a stacked bar of ICP and non-ICP leads (the non-ICP part always drawn),
  labelled 「400件 うちICP該当 150件(37.5%)」;
* trend: the ICP rate per period as a line with its 95 % Wilson interval over the target band, and
  under it the volume (ICP and non-ICP leads) of each period — a rising rate from a shrinking
  volume is the failure BBM warns about, so volume is never hidden.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import vl_convert
from fastapi.responses import Response

from tenbin.i18n import fmt_number, fmt_percent
from tenbin.i18n import gettext as _
from tenbin.imports.writers import write_csv, write_xlsx
from tenbin.web import card
from tenbin.web.pages.exports import MEDIA, file_response
from tenbin.workspace.service import Band

SCHEMA = card.SCHEMA
ICP_COLOR, NON_ICP_COLOR, BAND_COLOR, INK = "#1f5fa8", "#c4ccd8", "#2e9e5b", "#1d2430"
EXPORT_WIDTH = 720
CHART_FORMATS = ("json", "png", "svg")
TABLE_FORMATS = ("csv", "xlsx")


def _config(export: bool) -> dict[str, Any]:
    return {"font": card.EXPORT_FONT if export else card.WEB_FONT, "view": {"stroke": None},
            "title": {"anchor": "start", "fontSize": 14}, "axis": {"labelFontSize": 11, "titleFontSize": 11},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"}}  # fmt: skip


def _base(title: str | None, export: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"$schema": SCHEMA, "config": _config(export)}
    if export and title:
        spec["title"] = title
    if export:
        spec["background"] = "white"
        spec["padding"] = 12
    return spec


def _parts() -> tuple[str, str]:
    return _("ICP-fit leads"), _("Non-fit leads")


def stage_sentence(name: str, total: int, icp: int, rate: float | None) -> str:
    """The article's sentence: 「リード獲得 400件、うちICP該当 150件(37.5%)」."""
    return _("%(stage)s: %(total)s leads, of which %(icp)s match the ICP (%(rate)s)") % {
        "stage": name, "total": fmt_number(total), "icp": fmt_number(icp), "rate": fmt_percent(rate)}  # fmt: skip


def funnel_spec(rows: Sequence[dict[str, Any]], *, title: str | None = None, export: bool = False) -> dict[str, Any]:
    """Stacked bars per stage (ICP, then non-ICP) with the stage's sentence beside the bar."""
    fit, non = _parts()
    values: list[dict[str, Any]] = []
    for order, r in enumerate(rows):
        numbers = {"total": fmt_number(r["total"]), "icp": fmt_number(r["icp"]), "rate": fmt_percent(r["rate"])}
        short = _("ICP %(icp)s / %(total)s (%(rate)s)")
        label = (_("%(total)s leads, %(icp)s ICP (%(rate)s)") if export else short) % numbers
        values.append({"stage": r["name"], "order": order, "part": fit, "part_order": 0, "count": r["icp"],
                       "total": r["total"], "label": label})  # fmt: skip
        values.append({"stage": r["name"], "order": order, "part": non, "part_order": 1, "count": r["non_icp"],
                       "total": r["total"], "label": label})  # fmt: skip
    if not any(r["total"] for r in rows):
        values = []
    stage_order = [r["name"] for r in rows]
    top = max((r["total"] for r in rows), default=0) or 1
    y = {"field": "stage", "type": "nominal", "sort": stage_order, "title": None}
    return {
        **_base(title, export),
        "width": EXPORT_WIDTH if export else "container",
        "height": {"step": 34},
        "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "bar", "tooltip": True},
             "encoding": {
                 "x": {"field": "count", "type": "quantitative", "stack": True, "title": _("Leads"),
                       "scale": {"domain": [0, top * (1.6 if export else 1.35)]}},
                 "color": {"field": "part", "type": "nominal", "title": None,
                           "scale": {"domain": [fit, non], "range": [ICP_COLOR, NON_ICP_COLOR]}},
                 "order": {"field": "part_order"}}},
            {"transform": [{"filter": {"field": "part_order", "equal": 0}}],
             "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 12, "color": INK},
             "encoding": {"x": {"field": "total", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }  # fmt: skip


def trend_spec(rows: Sequence[dict[str, Any]], band: Band, *, stage_name: str, title: str | None = None,
               export: bool = False, part: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The ICP rate per period (line, points, 95 % interval) over the target band, and the volume
    under it: one figure for export; in the browser ``part`` ``rate`` or ``volume`` alone, because
    Vega-Lite sizes only single and layered views to their container."""
    fit, non = _parts()
    values: list[dict[str, Any]] = []
    for r in rows:
        base = {"period": r["period"], "rate": r["rate"], "low": r["low"], "high": r["high"], "total": r["total"],
                "rate_text": fmt_percent(r["rate"])}  # fmt: skip
        values.append({**base, "part": fit, "part_order": 0, "count": r["icp"]})
        values.append({**base, "part": non, "part_order": 1, "count": r["non_icp"]})
    if not any(r["total"] for r in rows):
        values = []
    periods = [r["period"] for r in rows]
    top = min(1.0, max([band.high / 100, *(r["high"] or 0 for r in rows)]) * 1.15) or 1.0
    width: Any = EXPORT_WIDTH if export else "container"
    x = {"field": "period", "type": "ordinal", "sort": periods, "title": None, "axis": {"labelAngle": -45}}
    band_text = _("Target band %(low)s–%(high)s%%") % {"low": f"{band.low:g}", "high": f"{band.high:g}"}
    rate_chart = {
        "width": width, "height": 200,
        "title": {"text": _("ICP rate of %(stage)s") % {"stage": stage_name}, "subtitle": band_text},
        "layer": [
            {"data": {"values": [{"low": band.low / 100, "high": band.high / 100}]},
             "mark": {"type": "rect", "color": BAND_COLOR, "opacity": 0.15},
             "encoding": {"y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}},
            {"transform": [{"filter": {"field": "part_order", "equal": 0}}, {"filter": "datum.rate != null"}],
             "encoding": {"x": x},
             "layer": [
                 {"mark": {"type": "rule", "color": ICP_COLOR, "opacity": 0.5, "strokeWidth": 2},
                  "encoding": {"y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}},
                 {"mark": {"type": "line", "color": ICP_COLOR, "point": {"color": ICP_COLOR}, "tooltip": True},
                  "encoding": {"y": {"field": "rate", "type": "quantitative", "title": _("ICP rate"),
                                     "axis": {"format": ".0%"}, "scale": {"domain": [0, top]}}}},
                 {"mark": {"type": "text", "dy": -10, "fontSize": 10, "color": INK},
                  "encoding": {"y": {"field": "rate", "type": "quantitative"}, "text": {"field": "rate_text"}}},
             ]},
        ],
    }  # fmt: skip
    volume_chart = {
        "width": width, "height": 110,
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": x,
            "y": {"field": "count", "type": "quantitative", "stack": True, "title": _("Leads")},
            "color": {"field": "part", "type": "nominal", "title": None,
                      "scale": {"domain": [fit, non], "range": [ICP_COLOR, NON_ICP_COLOR]}},
            "order": {"field": "part_order"},
        },
    }  # fmt: skip
    if part in ("rate", "volume"):
        return {**_base(None, False), "data": {"values": values}, **(rate_chart if part == "rate" else volume_chart)}
    return {**_base(title, export), "data": {"values": values}, "vconcat": [rate_chart, volume_chart], "spacing": 8,
            "resolve": {"scale": {"x": "shared"}}}  # fmt: skip


def chart_response(spec: dict[str, Any], fmt: str, name: str) -> Response:
    """The spec as PNG (scale 2) or SVG, rendered with the Japanese font registered."""
    card.register_fonts()
    if fmt == "png":
        content, media = bytes(vl_convert.vegalite_to_png(spec, scale=2, allowed_base_urls=[])), "image/png"
    else:
        content = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[]).encode("utf-8")
        media = "image/svg+xml"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})  # fmt: skip


def table_response(header: Sequence[str], rows: Iterable[Sequence[object]], *, fmt: str, name: str,
                   encoding: str = "utf-8-sig") -> Response:  # fmt: skip
    """A table as a CSV (UTF-8 with BOM, or CP932) or XLSX download; characters CP932 cannot hold are
    reported (EXPORT_UNENCODABLE), never replaced."""
    folder = Path(tempfile.mkdtemp(prefix="tenbin-table-"))
    path = folder / f"{name}.{fmt}"
    try:
        if fmt == "xlsx":
            write_xlsx(path, header, rows, sheet_title=name[:31])
            media = MEDIA["xlsx"]
        else:
            write_csv(path, header, rows, encoding=encoding)
            media = MEDIA["csv-cp932" if encoding == "cp932" else "csv"]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return file_response(path, media)


def pct(value: float | None) -> float | None:
    """A rate as a percentage with one decimal, for tables (what the page shows)."""
    return None if value is None else round(value * 100, 1)
