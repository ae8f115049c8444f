"""Home: the workspace at a glance, and what each department should look at."""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import Response
from sqlalchemy import func, select

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.web.context import Ctx, get_ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()

COUNTED = (
    ("accounts", schema.accounts),
    ("contacts", schema.contacts),
    ("campaigns", schema.campaigns),
    ("opportunities", schema.opportunities),
    ("challenges", schema.challenges),
)


def workspace_counts(ctx: Ctx) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        counts = {name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for name, t in COUNTED}
        counts["customers"] = int(
            conn.execute(select(func.count()).where(schema.accounts.c.customer_since.is_not(None))).scalar_one()
        )
    return counts


@router.get("/")
def home(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return render(ctx, "home.html", counts=workspace_counts(ctx))


@router.get("/about")
def about(ctx: Ctx = Depends(get_ctx)) -> Response:
    return render(ctx, "about.html")


@router.get("/healthz", include_in_schema=False)
def health(ctx: Ctx = Depends(get_ctx)) -> dict[str, str]:
    with ctx.engine.connect() as conn:
        conn.execute(select(1))
    return {"status": "ok"}
