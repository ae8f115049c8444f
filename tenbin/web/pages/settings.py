"""Settings: the overview, funnel stages, the offer ladder, channels (量/質) and balance targets.

Everyone signed in may read the settings; changing them needs SETTINGS_EDIT. A refused change
shows the page again with the coded error and what was typed; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tenbin.auth.roles import Permission
from tenbin.errors import TenbinError
from tenbin.i18n import gettext as _
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.render import render
from tenbin.workspace import service as ws

router = page_router()


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _done(ctx: Ctx, url: str, message: str) -> Response:
    ctx.flash(message)
    return RedirectResponse(url, status_code=303)


def _attempt(
    ctx: Ctx, action: Callable[[], object], ok: Callable[[], Response], fail: Callable[[TenbinError], Response]
) -> Response:
    try:
        action()
    except TenbinError as exc:
        return fail(exc)
    return ok()


@router.get("/settings")
def overview(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    targets = ws.get_targets(ctx.engine)
    counts = {
        "stages": len(ws.list_stages(ctx.engine)),
        "offers": len(ws.list_offers(ctx.engine)),
        "channels": len(ws.list_channels(ctx.engine)),
        "teams": ws.count_teams(ctx.engine),
    }
    return render(ctx, "settings/index.html", counts=counts, targets=targets)


# -- funnel stages ----------------------------------------------------------------------------------
def _stages_page(ctx: Ctx, error: TenbinError | None = None, form: dict[str, str] | None = None) -> Response:
    stages = ws.list_stages(ctx.engine)
    status = error.status if error else 200
    return render(ctx, "settings/stages.html", status=status, stages=stages, error=error, form=form or {})


@router.get("/settings/stages")
def stages_page(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _stages_page(ctx)


@router.post("/settings/stages")
def add_stage(
    code: str = Form(""),
    name_ja: str = Form(""),
    name_en: str = Form(""),
    ctx: Ctx = requires(Permission.SETTINGS_EDIT),
) -> Response:
    form = {"code": code, "name_ja": name_ja, "name_en": name_en}
    return _attempt(
        ctx,
        lambda: ws.add_stage(ctx.engine, code=code, name_ja=name_ja, name_en=name_en, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/stages", _("The stage was added.")),
        lambda exc: _stages_page(ctx, exc, form),
    )


@router.post("/settings/stages/{code}")
def update_stage(
    code: str, name_ja: str = Form(""), name_en: str = Form(""), ctx: Ctx = requires(Permission.SETTINGS_EDIT)
) -> Response:
    return _attempt(
        ctx,
        lambda: ws.update_stage(ctx.engine, code=code, name_ja=name_ja, name_en=name_en, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/stages", _("The stage was saved.")),
        lambda exc: _stages_page(ctx, exc),
    )


@router.post("/settings/stages/{code}/move")
def move_stage(code: str, direction: str = Form("up"), ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    ws.move_stage(ctx.engine, code=code, offset=-1 if direction == "up" else 1, actor=_actor(ctx))
    return RedirectResponse("/settings/stages", status_code=303)


@router.post("/settings/stages/{code}/delete")
def delete_stage(code: str, ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    return _attempt(
        ctx,
        lambda: ws.delete_stage(ctx.engine, code=code, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/stages", _("The stage was deleted.")),
        lambda exc: _stages_page(ctx, exc),
    )


# -- offers -----------------------------------------------------------------------------------------
def _offers_page(ctx: Ctx, error: TenbinError | None = None, form: dict[str, str] | None = None) -> Response:
    offers = ws.list_offers(ctx.engine)
    status = error.status if error else 200
    return render(ctx, "settings/offers.html", status=status, offers=offers, error=error, form=form or {})


@router.get("/settings/offers")
def offers_page(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _offers_page(ctx)


@router.post("/settings/offers")
def add_offer(
    name: str = Form(""), description: str = Form(""), ctx: Ctx = requires(Permission.SETTINGS_EDIT)
) -> Response:
    return _attempt(
        ctx,
        lambda: ws.add_offer(ctx.engine, name=name, description=description, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/offers", _("The offer was added.")),
        lambda exc: _offers_page(ctx, exc, {"name": name, "description": description}),
    )


@router.post("/settings/offers/{offer_id}")
def update_offer(
    offer_id: int, name: str = Form(""), description: str = Form(""), ctx: Ctx = requires(Permission.SETTINGS_EDIT)
) -> Response:
    return _attempt(
        ctx,
        lambda: ws.update_offer(ctx.engine, offer_id=offer_id, name=name, description=description, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/offers", _("The offer was saved.")),
        lambda exc: _offers_page(ctx, exc),
    )


@router.post("/settings/offers/{offer_id}/move")
def move_offer(offer_id: int, direction: str = Form("up"), ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    ws.move_offer(ctx.engine, offer_id=offer_id, offset=-1 if direction == "up" else 1, actor=_actor(ctx))
    return RedirectResponse("/settings/offers", status_code=303)


@router.post("/settings/offers/{offer_id}/delete")
def delete_offer(offer_id: int, ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    return _attempt(
        ctx,
        lambda: ws.delete_offer(ctx.engine, offer_id=offer_id, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/offers", _("The offer was deleted.")),
        lambda exc: _offers_page(ctx, exc),
    )


# -- channels ---------------------------------------------------------------------------------------
def _channels_page(ctx: Ctx, error: TenbinError | None = None, form: dict[str, str] | None = None) -> Response:
    channels = ws.list_channels(ctx.engine)
    status = error.status if error else 200
    return render(ctx, "settings/channels.html", status=status, channels=channels, error=error, form=form or {})


@router.get("/settings/channels")
def channels_page(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _channels_page(ctx)


@router.post("/settings/channels")
def add_channel(
    code: str = Form(""),
    name_ja: str = Form(""),
    name_en: str = Form(""),
    orientation: str = Form("quantity"),
    ctx: Ctx = requires(Permission.SETTINGS_EDIT),
) -> Response:
    channel = ws.Channel(code, name_ja or code, name_en or name_ja or code, orientation)
    form = {"code": code, "name_ja": name_ja, "name_en": name_en, "orientation": orientation}
    return _attempt(
        ctx,
        lambda: ws.add_channel(ctx.engine, channel=channel, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/channels", _("The channel was added.")),
        lambda exc: _channels_page(ctx, exc, form),
    )


@router.post("/settings/channels/update")
def update_channel(
    code: str = Form(""),
    name_ja: str = Form(""),
    name_en: str = Form(""),
    orientation: str = Form(""),
    ctx: Ctx = requires(Permission.SETTINGS_EDIT),
) -> Response:
    channel = ws.Channel(code, name_ja, name_en, orientation)
    return _attempt(
        ctx,
        lambda: ws.update_channel(ctx.engine, channel=channel, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/channels", _("The channel was saved.")),
        lambda exc: _channels_page(ctx, exc),
    )


@router.post("/settings/channels/delete")
def delete_channel(code: str = Form(""), ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    return _attempt(
        ctx,
        lambda: ws.delete_channel(ctx.engine, code=code, actor=_actor(ctx)),
        lambda: _done(ctx, "/settings/channels", _("The channel was deleted.")),
        lambda exc: _channels_page(ctx, exc),
    )


# -- targets ----------------------------------------------------------------------------------------
def _targets_form(targets: ws.Targets) -> dict[str, Any]:
    form: dict[str, Any] = {
        "low": targets.icp_rate.low,
        "high": targets.icp_rate.high,
        "leads_per_month": "" if targets.leads_per_month is None else targets.leads_per_month,
        "opportunities_per_month": "" if targets.opportunities_per_month is None else targets.opportunities_per_month,
    }
    for code, band in targets.stage_bands.items():
        form[f"low_{code}"], form[f"high_{code}"] = band.low, band.high
    return form


def _targets_page(ctx: Ctx, error: TenbinError | None = None, form: dict[str, Any] | None = None) -> Response:
    stages = ws.list_stages(ctx.engine)
    status = error.status if error else 200
    form = form if form is not None else _targets_form(ws.get_targets(ctx.engine))
    return render(ctx, "settings/targets.html", status=status, stages=stages, error=error, form=form)


@router.get("/settings/targets")
def targets_page(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _targets_page(ctx)


@router.post("/settings/targets")
async def save_targets(request: Request, ctx: Ctx = requires(Permission.SETTINGS_EDIT)) -> Response:
    # the per-stage fields are named after the stages, so the form is read whole
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    return await run_in_threadpool(_save_targets, ctx, form)


def _save_targets(ctx: Ctx, form: dict[str, str]) -> Response:
    stage_bands = {}
    for stage in ws.list_stages(ctx.engine):
        low, high = form.get(f"low_{stage.code}", "").strip(), form.get(f"high_{stage.code}", "").strip()
        if low or high:  # a stage without its own band uses the overall one
            stage_bands[stage.code] = (low, high)
    try:
        ws.save_targets(
            ctx.engine,
            icp_rate=(form.get("low", ""), form.get("high", "")),
            stage_bands=stage_bands,
            leads_per_month=form.get("leads_per_month"),
            opportunities_per_month=form.get("opportunities_per_month"),
            actor=_actor(ctx),
        )
    except TenbinError as exc:
        return _targets_page(ctx, exc, form)
    return _done(ctx, "/settings/targets", _("The targets were saved."))
