"""Export: every entity to CSV (UTF-8 with BOM by default, or CP932) or XLSX, with readable
references (a contact's company, a response's campaign) and custom attributes as extra columns.
Exported files import back unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.sql import ColumnElement

from tenbin.db import schema
from tenbin.imports.entities import ENTITIES
from tenbin.imports.handlers import HANDLERS
from tenbin.imports.writers import write_csv, write_xlsx

A, C, CA, OF, T, ST = (
    schema.accounts,
    schema.contacts,
    schema.campaigns,
    schema.offers,
    schema.teams,
    schema.funnel_stages,
)
OPP, CAT = schema.opportunities, schema.challenge_categories

# Columns shown instead of foreign keys: (fk column, header, expression, join target)
REFS: dict[str, tuple[tuple[str, str, Any, Any], ...]] = {
    "account_id": (("account_id", "account_external_id", A.c.external_id, A), ("account_id", "company", A.c.name, A)),
    "contact_id": (
        ("contact_id", "contact_external_id", C.c.external_id, C),
        ("contact_id", "contact_email", C.c.email, C),
    ),
    "campaign_id": (("campaign_id", "campaign", CA.c.name, CA),),
    "offer_id": (("offer_id", "offer", OF.c.name, OF),),
    "team_id": (("team_id", "team", T.c.name, T),),
    "stage_id": (("stage_id", "stage", ST.c.code, ST),),
    "opportunity_id": (("opportunity_id", "opportunity_id", OPP.c.external_id, OPP),),
    "category_id": (("category_id", "category", CAT.c.name, CAT),),
}
RENAMES = {"industry_text": "industry", "prefecture_code": "prefecture"}
DERIVED = {"name_key"}


def _query(entity: str) -> tuple[Select[Any], list[str], str]:
    handler = HANDLERS[entity]
    table = schema.metadata.tables[handler.table]
    columns: list[ColumnElement[Any]] = [table.c.id.label("tenbin_id")]
    headers = ["tenbin_id"]
    joined: Any = table
    for name in handler.columns:
        if name in DERIVED:
            continue
        if name in REFS:
            alias = REFS[name][0][3].alias(f"ref_{name}")
            joined = joined.outerjoin(alias, table.c[name] == alias.c.id)
            for _, header, expr, _ in REFS[name]:
                columns.append(alias.c[expr.name].label(header))
                headers.append(header)
            continue
        columns.append(table.c[name].label(RENAMES.get(name, name)))
        headers.append(RENAMES.get(name, name))
    return select(*columns).select_from(joined).order_by(table.c.id), headers, entity


def _custom_keys(engine: Engine, entity: str) -> list[tuple[int, str]]:
    defs = schema.attribute_definitions
    with engine.connect() as conn:
        rows = conn.execute(select(defs.c.id, defs.c.key).where(defs.c.entity == entity).order_by(defs.c.id))
        return [(int(i), str(k)) for i, k in rows]


def export_rows(engine: Engine, entity: str) -> tuple[list[str], Iterator[list[Any]]]:
    spec = ENTITIES[entity]
    query, headers, _ = _query(spec.name)
    customs = _custom_keys(engine, spec.name)
    cv = schema.custom_values

    def rows() -> Iterator[list[Any]]:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
            for part in result.partitions():
                ids = [r[0] for r in part]
                extra: dict[tuple[int, int], str] = {}
                if customs and ids:
                    found = conn.execute(
                        select(cv.c.attribute_id, cv.c.record_id, cv.c.value_text).where(
                            cv.c.attribute_id.in_([c[0] for c in customs]), cv.c.record_id.in_(ids)
                        )
                    )
                    extra = {(int(a), int(r)): t for a, r, t in found}
                for r in part:
                    yield [*r, *(extra.get((a, r[0])) for a, _ in customs)]

    return headers + [key for _, key in customs], rows()


def export_entity(engine: Engine, entity: str, path: Path, *, fmt: str = "csv", encoding: str = "utf-8-sig") -> int:
    """Write ``entity`` to ``path``; returns the number of rows. All-or-nothing (temp file + rename)."""
    headers, rows = export_rows(engine, entity)
    if fmt == "xlsx":
        return write_xlsx(path, headers, rows, sheet_title=ENTITIES[entity].name)
    return write_csv(path, headers, rows, encoding=encoding)
