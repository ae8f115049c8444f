"""The audit log page: who changed what and when (AUDIT_VIEW), filterable and exportable."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import JSON, Select, select, type_coerce
from sqlalchemy.types import TypeDecorator

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.i18n import N_
from tenbin.web.context import Ctx, requires
from tenbin.web.listing import Col, ListSpec, ListState, csv_response, fetch_page
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()


class DetailText(TypeDecorator[str]):
    """The JSON detail read as compact text with Japanese kept readable (not \\u escapes)."""

    impl = JSON
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def _query() -> Select[Any]:
    log = schema.audit_log
    return select(
        log.c.id.label("id"),
        log.c.at.label("at"),
        log.c.actor.label("actor"),
        log.c.action.label("action"),
        log.c.entity.label("entity"),
        log.c.entity_id.label("entity_id"),
        type_coerce(log.c.detail, DetailText()).label("detail"),
    )


AUDIT = ListSpec(
    name="audit-log",
    columns=(
        Col("id", N_("No."), kind="number"),
        Col("at", N_("Time"), kind="datetime"),
        Col("actor", N_("Actor"), filter="text"),
        Col("action", N_("Action"), kind="code", filter="text"),
        Col("entity", N_("Entity"), filter="text"),
        Col("entity_id", N_("Entity ID"), filter="text"),
        Col("detail", N_("Detail"), sortable=False),
    ),
    query=_query,
    default_sort="id",
    default_desc=True,
    search=("actor", "action", "entity", "entity_id"),
    empty=N_(
        "Nothing has been changed yet. Changes to settings, imports, ICP versions, routing and users appear here."
    ),
)


@router.get("/audit")
def audit_page(request: Request, ctx: Ctx = requires(Permission.AUDIT_VIEW)) -> Response:
    state = ListState.from_query(AUDIT, request.query_params)
    if request.query_params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, AUDIT, state)
    return render(ctx, "audit.html", page=fetch_page(ctx.engine, AUDIT, state))
