"""The ICP evidence card as Vega-Lite: the charts drawn in the browser, and the whole card (title,
rule, key numbers as text marks, the charts, the notes) rendered to PNG and PDF with vl-convert.

vl-convert draws text with the fonts it knows; without a CJK font Japanese comes out as empty
boxes, so the Noto Sans CJK JP font of the ``noto-cjk-sans-jp-regular`` package is registered
once per process before the first conversion. No data is fetched: every spec carries its values
inline and conversions allow no base URL.
"""

from __future__ import annotations

import threading
import unicodedata
from importlib.resources import files
from pathlib import Path
from typing import Any

import vl_convert

from tenbin.i18n import current_lang, fmt_datetime, fmt_number, fmt_percent, fmt_yen
from tenbin.i18n import gettext as _
from tenbin.icp.service import IcpVersion

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
EXPORT_FONT = "Noto Sans CJK JP"
WEB_FONT = "IPAexGothic, Noto Sans JP, sans-serif"
INSIDE, OUTSIDE, INK, MUTED = "#1f5fa8", "#98a2b3", "#1d2430", "#667085"
WIDTH = 760  # the card's drawing width in pixels (PNG at scale 2: 1,600 px wide)
LINE_UNITS = 118  # half-width characters per line of 12 px text across WIDTH (full-width count 2)
TEXT_MARK: dict[str, Any] = {"type": "text", "align": "left", "baseline": "top"}
_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register the packaged Noto CJK font directory with vl-convert, once per process."""
    global _fonts_ready
    with _fonts_lock:
        if not _fonts_ready:
            vl_convert.register_font_directory(str(Path(str(files("noto_cjk_sans_jp_regular")))))
            _fonts_ready = True


def to_png(spec: dict[str, Any]) -> bytes:
    register_fonts()
    return bytes(vl_convert.vegalite_to_png(spec, scale=2, allowed_base_urls=[]))


def to_pdf(spec: dict[str, Any]) -> bytes:
    register_fonts()
    return bytes(vl_convert.vegalite_to_pdf(spec, allowed_base_urls=[]))


# -- formatting -------------------------------------------------------------------------------------
def _ci(low: float | None, high: float | None, fmt: Any) -> str:
    return "" if low is None or high is None else f" [{fmt(low)}–{fmt(high)}]"


def _rate(r: dict[str, Any]) -> str:
    if not r.get("n"):
        return "—"
    counts = f"({fmt_number(r['hits'])}/{fmt_number(r['n'])})"
    return f"{fmt_percent(r['rate'])} {counts}{_ci(r['low'], r['high'], fmt_percent)}"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def p_text(p: float | None) -> str:
    """``p = 0.0031``, ``p < 0.0001`` or ``p = —``."""
    if p is None:
        return "p = —"
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.2g}"


def _width_units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, units: int = LINE_UNITS, max_lines: int | None = None) -> list[str]:
    """Lines of at most ``units`` half-width columns (full-width characters count two), breaking
    Japanese anywhere and English at spaces where possible; ``…`` ends a text cut at ``max_lines``."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for ch in paragraph:
            if _width_units(line + ch) > units:
                head, sep, tail = line.rpartition(" ")
                if sep and head and _width_units(tail) < units // 3 and ch != " ":
                    lines.append(head)
                    line = tail
                else:
                    lines.append(line)
                    line = ""
            line += ch
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, len(lines[-1]) - 1)] + "…"
    return lines


# -- the evidence charts ----------------------------------------------------------------------------
def _groups() -> tuple[tuple[str, str], tuple[str, str]]:
    return ("inside", _("Matching")), ("outside", _("Others"))


def _ltv_rows(ev: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for side, group in _groups():
        v = ev.get(f"ltv_{side}") or {}
        if v.get("mean") is None:
            continue
        label = f"{group}: {fmt_yen(v['mean'])} (n={fmt_number(v['n'])})"
        rows.append({"group": group, "value": v["mean"], "low": v["mean_low"], "high": v["mean_high"], "label": label})
    return rows


def _rate_rows(ev: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    rows = []
    for side, group in _groups():
        r = ev.get(f"{prefix}_{side}") or {}
        if not r.get("n"):
            continue
        label = f"{group}: {fmt_percent(r['rate'], 0)} ({fmt_number(r['hits'])}/{fmt_number(r['n'])})"
        rows.append({"group": group, "value": r["rate"], "low": r["low"], "high": r["high"], "label": label})
    return rows


def _bars(title: str, rows: list[dict[str, Any]], width: int, x_axis: dict[str, Any]) -> dict[str, Any]:
    """Bars (matching vs the others) with a 95 % interval as a line and the value and count as text.
    No y axis: the text names the group, so the charts line up with the card's text on the left."""
    domain = [g for _, g in _groups()]
    return {
        "title": title,
        "width": width,
        "height": {"step": 22},
        "data": {"values": rows},
        "encoding": {"y": {"field": "group", "type": "nominal", "axis": None, "sort": domain}},
        "layer": [
            {"mark": {"type": "bar", "height": 16},
             "encoding": {"x": {"field": "value", "type": "quantitative", **x_axis},
                          "color": {"field": "group", "type": "nominal", "legend": None,
                                    "scale": {"domain": domain, "range": [INSIDE, OUTSIDE]}}}},
            {"mark": {"type": "rule", "color": INK, "strokeWidth": 1.5},
             "encoding": {"x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}}},
            {"mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 11, "color": INK},
             "encoding": {"x": {"field": "high", "type": "quantitative"}, "text": {"field": "label"}}},
        ],
    }  # fmt: skip


def _yen_axis() -> str:
    """Axis labels in the reader's units: 150万円 / 1.2億円 in Japanese, ¥1.5M in English."""
    if current_lang() == "en":
        return "'¥' + format(datum.value, '~s')"
    return (
        "datum.value >= 1e8 ? format(datum.value / 1e8, ',~r') + '億円' : datum.value >= 1e4 ? "
        "format(datum.value / 1e4, ',~r') + '万円' : format(datum.value, ',') + '円'"
    )


def _charts(ev: dict[str, Any], width: int) -> list[dict[str, Any]]:
    charts = []
    ltv = _ltv_rows(ev)
    if ltv:
        axis = {"title": _("Mean LTV (yen)"), "axis": {"labelExpr": _yen_axis(), "tickCount": 4}}
        charts.append(_bars(_("Mean LTV with its 95% interval (bootstrap)"), ltv, width, axis))
    rate_axis = {"title": None, "scale": {"domain": [0, 1]}, "axis": {"format": ".0%", "tickCount": 5}}
    for prefix, title in (("win", _("Win rate (won / closed deals) with its 95% Wilson interval")),
                          ("retention", _("12-month retention with its 95% Wilson interval"))):  # fmt: skip
        rows = _rate_rows(ev, prefix)
        if rows:
            charts.append(_bars(title, rows, width, rate_axis))
    return charts


def _config(font: str) -> dict[str, Any]:
    return {"font": font, "view": {"stroke": None}, "title": {"anchor": "start", "fontSize": 13},
            "axis": {"labelFontSize": 11, "titleFontSize": 11}, "legend": {"labelFontSize": 11}}  # fmt: skip


def evidence_chart(ev: dict[str, Any] | None) -> dict[str, Any] | None:
    """The browser's chart of an evidence snapshot (None when there is nothing to draw)."""
    charts = _charts(ev or {}, 240)
    if not charts:
        return None
    return {"$schema": SCHEMA, "vconcat": charts, "spacing": 24, "config": _config(WEB_FONT),
            "description": _("LTV, win rate and retention of matching customers against the others")}  # fmt: skip


# -- the whole card as one composition ----------------------------------------------------------------
def _text_panel(items: list[dict[str, Any]], height: int) -> dict[str, Any]:
    """Text at pixel positions (``x``, ``y``), one layer per style (Vega-Lite has no per-datum weight)."""
    styles: dict[str, dict[str, Any]] = {
        "title": {"fontSize": 20, "fontWeight": "bold", "color": INK},
        "heading": {"fontSize": 13, "fontWeight": "bold", "color": INK},
        "label": {"fontSize": 11, "color": MUTED},
        "text": {"fontSize": 12, "color": INK},
    }
    layers = [
        {"transform": [{"filter": {"field": "style", "equal": style}}],
         "mark": TEXT_MARK | props,
         "encoding": {"x": {"field": "x", "type": "quantitative", "scale": None},
                      "y": {"field": "y", "type": "quantitative", "scale": None},
                      "text": {"field": "text"}}}
        for style, props in styles.items() if any(i["style"] == style for i in items)
    ]  # fmt: skip
    return {"width": WIDTH, "height": height, "data": {"values": items}, "layer": layers}


class _Panel:
    """Lays out lines of text top to bottom."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.y = 0

    def line(self, text: str, style: str = "text", x: int = 0, step: int = 18) -> None:
        self.items.append({"x": x, "y": self.y, "text": text, "style": style})
        self.y += step

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.items.append({"x": 0, "y": self.y + 1, "text": label, "style": "label"})
            for i, part in enumerate(wrap(value, LINE_UNITS - 34, 2)):
                self.line(part, x=190, step=18 if i == 0 else 16)

    def spec(self) -> dict[str, Any]:
        return _text_panel(self.items, max(self.y, 1))


def key_numbers(ev: dict[str, Any]) -> list[tuple[str, str]]:
    """The card's key numbers as (label, value) text, counts beside every rate."""
    cust, lin, lout = ev["customers"], ev["ltv_inside"], ev["ltv_outside"]
    others = _("others")  # (babel does not read _() inside f-strings)
    accounts = f"{fmt_number(ev['accounts'])} / {fmt_number(ev['accounts_total'])}"
    rows = [
        (_("Matching accounts"), accounts),
        (_("Matching customers"), _rate(cust)),
        (_("Mean LTV, matching"),
         f"{fmt_yen(lin['mean'])}{_ci(lin['mean_low'], lin['mean_high'], fmt_yen)} (n={fmt_number(lin['n'])})"),
        (_("Mean LTV, others"),
         f"{fmt_yen(lout['mean'])}{_ci(lout['mean_low'], lout['mean_high'], fmt_yen)} (n={fmt_number(lout['n'])})"),
        (_("LTV lift"),
         f"{_times(ev['ltv_lift'])}{_ci(ev['ltv_lift_low'], ev['ltv_lift_high'], _times)}, {p_text(ev['ltv_p'])}"),
        (_("Win rate"), f"{_rate(ev['win_inside'])} · {others} {_rate(ev['win_outside'])}"),
        (_("12-month retention"), f"{_rate(ev['retention_inside'])} · {others} {_rate(ev['retention_outside'])}"),
        (_("Market"), _("%(accounts)s of %(total)s non-customer accounts, %(leads)s leads")
         % {"accounts": fmt_number(ev["market_accounts"]), "total": fmt_number(ev["market_accounts_total"]),
            "leads": fmt_number(ev["market_open_leads"])}),
    ]  # fmt: skip
    categories = ", ".join(
        f"{c['name']} {fmt_number(c['inside'])} ({fmt_percent(c['inside_share'], 0)})" for c in ev["categories"][:3]
    )
    if categories:
        rows.append((_("Challenges solved most often"), categories))
    return rows


def notes_of(v: IcpVersion) -> list[tuple[str, str | None]]:
    return [(_("LTV evidence"), v.notes_ltv), (_("Fit evidence"), v.notes_fit), (_("Market evidence"), v.notes_market)]


def criteria_lines(panel: _Panel, v: IcpVersion) -> None:
    """The weighted criteria with their weights and shares of the score, and the threshold."""
    if not v.criteria:
        return
    threshold = {"threshold": f"{v.threshold or 0:g}"}
    if v.rules:
        intro = _("and a fit score of at least %(threshold)s over these weighted criteria:") % threshold
    else:
        intro = _("A fit score of at least %(threshold)s over these weighted criteria (no rule):") % threshold
    panel.line(intro, "label", step=18)
    total = sum(c.weight for c in v.criteria) or 1.0
    for i, c in enumerate(v.criteria, 1):
        share = fmt_percent(c.weight / total, 0)
        for j, part in enumerate(wrap(f"{i}. {c.rule}  ×{c.weight:g} ({share})", LINE_UNITS - 4)):
            panel.line(part, x=0 if j == 0 else 16, step=17)


def card_spec(v: IcpVersion) -> dict[str, Any]:
    """The whole evidence card of version ``v`` as one Vega-Lite composition (for PNG and PDF)."""
    ev = v.evidence or {}
    head = _Panel()
    title, current = _("ICP evidence card"), _("current ICP")
    head.line(f"{title} · v{v.version} {v.name}", "title", step=32)
    meta = _("Saved by %(author)s on %(date)s") % {"author": v.author or "—", "date": fmt_datetime(v.created_at)}
    head.line(meta + (f" · {current}" if v.is_current else ""), "label", step=24)
    head.line(_("Rule"), "heading", step=20)
    for part in wrap(v.rules or ("" if v.criteria else "—"), LINE_UNITS):
        head.line(part)
    criteria_lines(head, v)
    head.y += 10
    if ev:
        head.line(_("Key numbers (95% intervals in brackets)"), "heading", step=20)
        head.pairs(key_numbers(ev))
    notes = _Panel()
    notes.line(_("Evidence notes"), "heading", step=20)
    for label, text in notes_of(v):
        notes.line(label, "label", step=16)
        for part in wrap(text or "—", LINE_UNITS):
            notes.line(part, step=17)
        notes.y += 6
    computed = ev.get("computed_at") or "—"
    foot = _("Evidence computed at %(at)s · tenbin (天秤) · Balance Based Marketing is a method proposed by ALUHA Inc.")
    notes.line(foot % {"at": computed}, "label")
    parts = [head.spec(), *_charts(ev, WIDTH - 220), notes.spec()]
    return {"$schema": SCHEMA, "background": "white", "padding": 24, "vconcat": parts, "spacing": 22, "align": "none",
            "config": _config(EXPORT_FONT)}  # fmt: skip
