"""Records over the REST API: ``GET /api/v1/{entity}`` (a page of a list) and ``GET /api/v1/{entity}/{id}``.

One pair of operations per record type (accounts, contacts, campaigns, opportunities, revenue,
challenges, responses, buying-group), each with its own response models, sort choices and filters,
so the OpenAPI schema says exactly what each returns. The lists are the same definitions the
records pages show (:mod:`tenbin.crm.records`).
"""

from __future__ import annotations

import datetime as dt
import inspect
from enum import Enum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Integer, Table

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.crm import records as rec

router = APIRouter(prefix="/api/v1", tags=["records"])

MAX_ID = 2**63 - 1

KIND_TYPES: dict[str, Any] = {
    "text": str,
    "code": str,
    "number": int,
    "yen": int,
    "date": dt.date,
    "datetime": dt.datetime,
    "bool": bool,
}


class ProblemPublic(BaseModel):
    """The one error shape of the API."""

    type: str = Field(description="authentication_error, permission_denied, not_found, validation_error, …")
    code: str = Field(description="A stable error code, e.g. RECORD_NOT_FOUND.")
    detail: str = Field(description="What went wrong and what to do, in the request's language.")
    attr: str | None = Field(description="The parameter or field the error is about, if any.")
    place: dict[str, Any] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ProblemPublic, "description": "No or an invalid token (AUTH_REQUIRED, AUTH_TOKEN_INVALID)."},
    403: {"model": ProblemPublic, "description": "The token's scope lacks the permission (AUTH_FORBIDDEN)."},
    422: {"model": ProblemPublic, "description": "A parameter is invalid (REQUEST_INVALID)."},
}


class CustomValuePublic(BaseModel):
    """A custom attribute of a record: an imported column tenbin has no field for."""

    key: str
    label: str
    type: Literal["text", "number", "date", "boolean"]
    value: str = Field(description="The value as imported (text).")
    number: float | None = Field(description="The value as a number, when the attribute is numeric.")


def aware(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """Timestamps are stored naive, in workspace-local time; the API sends them with their offset (RFC 3339)."""
    return {k: v.replace(tzinfo=zone) if isinstance(v, dt.datetime) and v.tzinfo is None else v for k, v in row.items()}


def _camel(text: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in text.replace("-", " ").replace("_", " ").split())


def _sql_type(column: Any) -> Any:
    t = column.type
    if isinstance(t, Boolean):
        py: Any = bool
    elif isinstance(t, DateTime):
        py = dt.datetime
    elif isinstance(t, Date):
        py = dt.date
    elif isinstance(t, Integer | BigInteger):
        py = int
    elif isinstance(t, Float):
        py = float
    elif isinstance(t, JSON):
        py = list[str]
    else:
        py = str
    return py if not column.nullable or column.primary_key else py | None


def _link_ids(rt: rec.RecordType) -> list[str]:
    """Id columns the list rows carry so a client can follow them (account_id, contact_id, …)."""
    keys = {f.link[1] for f in rt.fields if f.link and f.link[1] != "id"}
    return sorted(keys)


def item_model(rt: rec.RecordType) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for f in rt.fields:
        py = KIND_TYPES[f.kind]
        fields[f.key] = (py if f.key == "id" else py | None, Field(description=f.label))
    for key in _link_ids(rt):
        fields[key] = (int | None, Field(description=f"Id of the linked record ({key.removesuffix('_id')})."))
    return create_model(f"{_camel(rt.singular)}ItemPublic", __config__=ConfigDict(extra="ignore"), **fields)


def detail_model(rt: rec.RecordType) -> type[BaseModel]:
    table: Table = rt.table
    fields: dict[str, Any] = {}
    for name in rec.detail_columns(rt):
        fields[name] = (_sql_type(table.c[name]), Field(description=rec.COLUMN_LABELS.get(name, name)))
        if name in rec.REFS:
            fields[rec.ref_key(name)] = (str | None, Field(description=f"Name of the record {name} points to."))
    fields["custom"] = (list[CustomValuePublic], Field(description="Custom attributes (imported extra columns)."))
    return create_model(f"{_camel(rt.singular)}Public", **fields)


def page_model(rt: rec.RecordType, item: type[BaseModel]) -> type[BaseModel]:
    return create_model(
        f"{_camel(rt.entity)}Page",
        items=(list[item], ...),  # type: ignore[valid-type]
        total=(int, Field(description="Records matching the filters.")),
        page=(int, ...),
        size=(int, ...),
    )


def _params(rt: rec.RecordType) -> list[inspect.Parameter]:
    """The list operation's query parameters: paging, sort, search, one filter per filterable field."""
    sort_enum = Enum(f"{_camel(rt.entity)}Sort", {k: k for k in rt.sortable}, type=str)  # type: ignore[misc]
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(
            "page", kw, default=Query(1, ge=1, le=rec.MAX_PAGE, description="Page, from 1."), annotation=int
        ),
        inspect.Parameter(
            "size", kw, default=Query(50, ge=1, le=rec.MAX_SIZE, description="Rows per page (≤ 200)."), annotation=int
        ),
        inspect.Parameter(
            "sort",
            kw,
            default=Query(None, description=f"Sort key (default {rt.default_sort})."),
            annotation=sort_enum | None,
        ),
        inspect.Parameter(
            "dir", kw, default=Query(None, description="Sort direction."), annotation=Literal["asc", "desc"] | None
        ),
        inspect.Parameter(
            "q",
            kw,
            default=Query("", max_length=200, description="Free text, searched in: " + ", ".join(rt.search)),
            annotation=str,
        ),
    ]
    for f in rt.filters:
        if f.choices:
            values = tuple(v for v, _ in f.choices)
            annotation: Any = Literal[values] | None
            desc = f"{f.label}: equals one of {', '.join(values)}."
        else:
            annotation = str | None
            desc = f"{f.label}: " + ("equals." if f.filter == "choice" else "contains (case-insensitive).")
        params.append(
            inspect.Parameter(f.key, kw, default=Query(None, max_length=200, description=desc), annotation=annotation)
        )
    if rt.account_key:
        params.append(
            inspect.Parameter(
                "account_id",
                kw,
                default=Query(None, ge=1, le=MAX_ID, description="Only records of this company (account id)."),
                annotation=int | None,
            )
        )
    return params


def _add(rt: rec.RecordType) -> None:
    item = item_model(rt)
    page = page_model(rt, item)
    detail = detail_model(rt)
    name = _camel(rt.entity)
    filter_keys = [f.key for f in rt.filters]

    def list_endpoint(ctx: ApiCtx, **kw: Any) -> Any:
        sort = kw["sort"].value if kw["sort"] is not None else rt.default_sort
        desc = rt.default_desc if kw["dir"] is None else kw["dir"] == "desc"
        filters = {k: str(kw[k]) for k in filter_keys if kw.get(k) is not None}
        query = rec.Query(sort, desc, kw["page"], kw["size"], kw["q"], filters, kw.get("account_id"))
        found = rec.list_records(ctx.engine, rt, query)
        zone = ZoneInfo(ctx.settings.timezone)
        items = [item.model_validate(aware(r, zone)) for r in found.rows]
        return page(items=items, total=found.total, page=found.page, size=found.size)

    ctx_param = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=api_requires(Permission.VIEW), annotation=ApiCtx
    )
    list_endpoint.__signature__ = inspect.Signature([ctx_param, *_params(rt)])  # type: ignore[attr-defined]

    def detail_endpoint(
        record_id: int = Path(ge=1, le=MAX_ID, alias="id", description="The record's id."),
        ctx: ApiCtx = api_requires(Permission.VIEW),
    ) -> Any:
        found = rec.get_record(ctx.engine, rt, record_id, related=False)
        values = aware(found.row, ZoneInfo(ctx.settings.timezone))
        values["custom"] = [CustomValuePublic(**c.__dict__) for c in found.custom]
        return detail.model_validate(values)

    router.add_api_route(
        f"/{rt.entity}",
        list_endpoint,
        methods=["GET"],
        response_model=page,
        name=f"list_{rt.entity.replace('-', '_')}",
        operation_id=f"list{name}",
        summary=f"{rt.label}: a page of the list (sortable, filterable)",
        responses=ERRORS,
    )
    router.add_api_route(
        f"/{rt.entity}/{{id}}",
        detail_endpoint,
        methods=["GET"],
        response_model=detail,
        name=f"get_{rt.entity.replace('-', '_')}",
        operation_id=f"get{_camel(rt.singular)}",
        summary=f"{rt.singular}: every field and its custom attributes",
        responses={**ERRORS, 404: {"model": ProblemPublic, "description": "No such record (RECORD_NOT_FOUND)."}},
    )


for _rt in rec.RECORD_TYPES.values():
    _add(_rt)
