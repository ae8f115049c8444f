"""Chart data as Vega-Lite specs (JSON), drawn in the browser by static/charts.js with vega-embed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.db.sqlfunc import month_of
from tenbin.i18n import gettext as _
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router

router = page_router()


def responses_by_month(ctx: Ctx) -> list[dict[str, Any]]:
    """Responses per calendar month and the orientation (quantity / quality) of their campaign."""
    r, c = schema.responses, schema.campaigns
    month = month_of(r.c.responded_at).label("month")
    query = (
        select(month, c.c.orientation, func.count().label("n"))
        .select_from(r.join(c, c.c.id == r.c.campaign_id))
        .group_by(month, c.c.orientation)
        .order_by(month, c.c.orientation)
    )
    labels = {"quantity": _("Quantity campaigns"), "quality": _("Quality campaigns")}
    with ctx.engine.connect() as conn:
        return [{"month": m, "orientation": labels.get(o, o), "responses": n} for m, o, n in conn.execute(query)]


@router.get("/charts/responses-by-month.json")
def responses_by_month_spec(ctx: Ctx = requires(Permission.VIEW)) -> dict[str, Any]:
    values = responses_by_month(ctx)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Responses per month by campaign orientation"),
        "width": "container",
        "height": 220,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": _("Month"), "axis": {"labelAngle": -45}},
            "y": {"field": "responses", "type": "quantitative", "title": _("Responses"), "stack": True},
            "color": {
                "field": "orientation",
                "type": "nominal",
                "title": _("Campaign orientation"),
                "scale": {"range": ["#1f5fa8", "#e07b39"]},
            },
        },
        "config": {"font": "IPAexGothic, Noto Sans JP, sans-serif", "view": {"stroke": None}},
    }
