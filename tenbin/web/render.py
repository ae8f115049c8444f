"""Jinja2 templates with the translation catalog and locale-aware filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from tenbin import i18n
from tenbin.web.context import Ctx

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,  # a misspelt variable fails the page (and the tests), not renders blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        num=i18n.fmt_number,
        pct=i18n.fmt_percent,
        yen=i18n.fmt_yen,
        date=i18n.fmt_date,
        datetime=i18n.fmt_datetime,
    )
    env.globals["both"] = i18n.both
    return Jinja2Templates(env=env)


def render(ctx: Ctx, name: str, status: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = ctx.request.app.state.templates
    i18n.set_lang(ctx.lang)
    return templates.TemplateResponse(ctx.request, name, {"ctx": ctx, **context}, status_code=status)
