"""Records: one list per entity (企業, リード, 施策, 商談, 売上, 課題, 反応, 購買グループ) and a detail page per record.

The lists are :mod:`tenbin.crm.records` definitions shown with the shared list helper, so they page,
sort, filter and export like every other list; the REST API serves the same definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, literal

from tenbin.auth.roles import Permission
from tenbin.crm import records as rec
from tenbin.errors import TenbinError
from tenbin.i18n import N_, both
from tenbin.icp import service as icp
from tenbin.imports import refdata
from tenbin.imports.specs import SOURCE_TYPES
from tenbin.web.context import Ctx, requires
from tenbin.web.listing import Col, ListSpec, ListState, csv_response, fetch_page
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()

ACCOUNT_FILTER = "company_id"  # ?f_company_id=ID: the list of one company's records


def _choices(lang: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Choice filters whose values come from the reference data, labelled in ``lang``."""
    ja = lang != "en"
    return {
        "industry_code": tuple((k, f"{k} {v[0] if ja else v[1]}") for k, v in refdata.JSIC.items()),
        "prefecture_code": tuple((code, name_ja if ja else name_en) for code, name_ja, name_en in refdata.PREFECTURES),
        "listing": tuple((k, v[0] if ja else v[1]) for k, v in refdata.LISTINGS.items()),
        "source_type": tuple((s, s) for s in SOURCE_TYPES),
    }


def _link(entity: str, key: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda row: f"/records/{entity}/{row[key]}"


def list_spec(rt: rec.RecordType, lang: str, account: tuple[int, str] | None = None) -> ListSpec:
    """The list helper's spec for ``rt``; with ``account``, a filter on that company (from its detail page)."""
    extra = _choices(lang)
    cols = [
        Col(
            f.key,
            f.label,
            f.kind,
            f.sortable,
            f.filter,
            f.choices or extra.get(f.key, ()),
            None if f.link is None else _link(*f.link),
            translate_choices=not (not f.choices and f.key in extra),
        )
        for f in rt.fields
    ]
    query = rt.query
    if account is not None and rt.account_key:
        # The base query filters by the (indexed) integer column; the extra column is the same id as
        # text, so the list helper's choice filter shows the company and can be cleared.
        account_id, name = account
        # The company's name is data: shown as is (escaped by the template), never through _().
        choice = ((str(account_id), name),)
        cols.append(Col(ACCOUNT_FILTER, N_("Company ID"), "number", False, "choice", choice, translate_choices=False))
        column = rt.table.c[rt.account_key]

        def query() -> Select[Any]:
            return rt.query().where(column == account_id).add_columns(literal(str(account_id)).label(ACCOUNT_FILTER))

    return ListSpec(
        name=rt.entity,
        columns=tuple(cols),
        query=query,
        default_sort=rt.default_sort,
        default_desc=rt.default_desc,
        search=rt.search,
        empty=rt.empty,
    )


def _account_filter(ctx: Ctx, rt: rec.RecordType, params: Mapping[str, str]) -> tuple[int, str] | None:
    raw = params.get("f_" + ACCOUNT_FILTER, "")
    if not rt.account_key or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    name = rec.account_name(ctx.engine, int(raw))
    return None if name is None else (int(raw), name)


def tabs() -> list[tuple[str, str]]:
    return [(t.entity, t.label) for t in rec.RECORD_TYPES.values()]


@router.get("/records")
def records_home(ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return RedirectResponse("/records/accounts", status_code=303)


@router.get("/records/{entity}")
def record_list(entity: str, request: Request, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    rt = rec.record_type(entity)
    params = request.query_params
    spec = list_spec(rt, ctx.lang, _account_filter(ctx, rt, params))
    state = ListState.from_query(spec, params)
    if params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, spec, state)
    page = fetch_page(ctx.engine, spec, state)
    return render(ctx, "records/list.html", rt=rt, page=page, tabs=tabs())


def _display(ctx: Ctx, column: str, value: Any) -> Any:
    """Codes shown with their names (prefecture, industry, listing, level, orientation, status)."""
    if value is None:
        return None
    if column == "prefecture_code":
        found = next((p for p in refdata.PREFECTURES if p[0] == value), None)
        return value if found is None else f"{found[1] if ctx.lang != 'en' else found[2]} ({value})"
    named: dict[str, dict[str, tuple[str, str]]] = {
        "industry_code": refdata.JSIC,
        "listing": refdata.LISTINGS,
        "level": refdata.LEVELS,
    }
    if column in named and value in named[column]:
        ja, en = named[column][value]
        return f"{both(ja, en)} ({value})" if column == "industry_code" else both(ja, en)
    return value


def _detail_rows(ctx: Ctx, detail: rec.Detail) -> list[dict[str, Any]]:
    rows = []
    for column in rec.detail_columns(detail.rt):
        value = detail.row[column]
        link = None
        if column in rec.REF_ENTITY and value is not None:
            link = f"/records/{rec.REF_ENTITY[column]}/{value}"
        if column.endswith("_id") and column != "external_id" and rec.ref_key(column) in detail.row:
            value = detail.row[rec.ref_key(column)] or (None if value is None else f"#{value}")
        choices = {f.key: dict(f.choices) for f in detail.rt.fields if f.choices}
        if column in choices and value in choices[column]:
            value = choices[column][value]
            kind = "label"
        else:
            kind = rec.COLUMN_KINDS.get(column, "text")
            value = _display(ctx, column, value)
        rows.append(
            {"key": column, "label": rec.COLUMN_LABELS.get(column, column), "kind": kind, "value": value, "link": link}
        )
    return rows


@router.get("/records/{entity}/{record_id}")
def record_detail(entity: str, record_id: int, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    rt = rec.record_type(entity)
    detail = rec.get_record(ctx.engine, rt, record_id)
    related = [
        {
            "rt": rec.RECORD_TYPES[r.entity],
            "total": r.total,
            "rows": r.rows,
            "fields": [f for f in rec.RECORD_TYPES[r.entity].fields if f.key not in ("company", "id")],
            "url": f"/records/{r.entity}?f_{ACCOUNT_FILTER}={record_id}",
        }
        for r in detail.related
    ]
    return render(
        ctx,
        "records/detail.html",
        rt=rt,
        detail=detail,
        rows=_detail_rows(ctx, detail),
        related=related,
        tabs=tabs(),
        icp=_icp_explanation(ctx, entity, record_id),
    )


def _icp_explanation(ctx: Ctx, entity: str, record_id: int) -> dict[str, Any] | None:
    """Which conditions of the current ICP an account (or a lead's company) meets, for its page."""
    if entity not in ("accounts", "contacts"):
        return None
    account_id, contact_id = (record_id, None) if entity == "accounts" else (None, record_id)
    try:
        explanation = icp.explain_icp(ctx.engine, account_id=account_id, contact_id=contact_id)
        version = icp.get_icp_version(ctx.engine)
    except TenbinError as error:
        return {"error": error.code, "message": error.message(ctx.lang)}
    checks = [
        {"condition": c.condition, "holds": c.holds, "weight": c.weight,
         "actual": [c.attribute.choice_label(str(v), ctx.lang) if c.attribute.choices else v for v in c.actual]}
        for c in (*explanation.rule_checks, *explanation.criteria_checks)
    ]  # fmt: skip
    return {"version": version.version, "name": version.name, "matches": explanation.matches,
            "checks": checks, "score": explanation.score, "threshold": explanation.threshold}  # fmt: skip
