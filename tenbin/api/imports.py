"""REST: import a file (the CLI's ``--json`` report), list import runs, export an entity as CSV."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from starlette.background import BackgroundTask

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import TenbinError
from tenbin.imports import wizard
from tenbin.imports.mapping import IMPORT_MAPPING_INVALID
from tenbin.imports.service import ImportOptions

router = APIRouter(prefix="/api/v1", tags=["imports"])
READ_CHUNK = 1 << 20


class ImportRunPublic(BaseModel):
    id: int
    entity: str
    filename: str
    status: str
    rows_total: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    error_code: str | None
    actor: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None


class ImportRunPage(BaseModel):
    items: list[ImportRunPublic]
    total: int
    page: int
    size: int


def _read(file: UploadFile, max_mb: int) -> bytes:
    limit = max_mb * 1024 * 1024
    parts, size = [], 0
    while chunk := file.file.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TenbinError(wizard.UPLOAD_TOO_LARGE, {"limit": max_mb})
        parts.append(chunk)
    return b"".join(parts)


def _columns(mapping: str | None) -> dict[str, str] | None:
    """``{"columns": {header: target}}`` (the CLI's mapping file) or just ``{header: target}``."""
    if not mapping:
        return None
    try:
        data = json.loads(mapping)
    except json.JSONDecodeError as exc:
        raise TenbinError(IMPORT_MAPPING_INVALID, {"path": "mapping", "detail": str(exc)}) from None
    columns = data.get("columns", data) if isinstance(data, dict) else None
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise TenbinError(IMPORT_MAPPING_INVALID, {"path": "mapping", "detail": "no 'columns' object"})
    return {str(k): v for k, v in columns.items()}


@router.post(
    "/imports/{entity}",
    summary="Import a CSV/XLSX file",
    description="Multipart upload (`file`, optional `mapping` JSON). Returns the same report as "
    "`tenbin import --json`. With invalid rows and no `skip_invalid`, nothing is written and the answer "
    "is 422 with the error shape plus the report under `report`.",
    responses={422: {"description": "invalid rows (IMPORT_ROWS_INVALID) or invalid input"}},
)
def post_import(
    entity: str,
    file: UploadFile = File(..., description="CSV (UTF-8, UTF-8 BOM, Shift-JIS/CP932, UTF-16) or .xlsx"),
    mapping: str | None = Form(None, description='JSON: {"columns": {"header": "field | custom:NAME | ignore"}}'),
    dry_run: bool = Query(False, description="validate and report; write nothing"),
    skip_invalid: bool = Query(False, description="import the valid rows; report the others"),
    encoding: str | None = Query(None, description="utf-8 | utf-8-sig | cp932 | utf-16; default: detect"),
    preset: str | None = Query(None, description="salesforce | hubspot | houjin | generic; default: detect"),
    ctx: ApiCtx = api_requires(Permission.IMPORT),
) -> JSONResponse:
    content = _read(file, ctx.settings.upload_max_mb)
    opts = ImportOptions(
        encoding=encoding,
        preset=preset,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        actor=ctx.user.username,
        lang=ctx.lang,
        batch_rows=ctx.settings.import_batch_rows,
    )
    filename = file.filename or "upload.csv"
    report = wizard.import_bytes(ctx.engine, entity, filename, content, opts, columns=_columns(mapping))
    with write_transaction(ctx.engine) as conn:
        wizard.record_commit(conn, actor=ctx.user.username, filename=filename, report=report)
    data = report.as_dict()
    if report.status == "rejected":
        error = TenbinError(wizard.IMPORT_ROWS_INVALID, {"rejected": report.rejected, "rows": report.rows_total})
        return JSONResponse({**error.as_problem(ctx.lang), "report": data}, status_code=error.status)
    return JSONResponse(data)


@router.get("/imports", summary="Import runs, newest first")
def list_imports(
    page: int = Query(1, ge=1, le=10**7),
    size: int = Query(50, ge=1, le=200),
    ctx: ApiCtx = api_requires(Permission.IMPORT),
) -> ImportRunPage:
    runs = schema.import_runs
    with ctx.engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(runs)).scalar_one())
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(size).offset((page - 1) * size))
        items = [ImportRunPublic.model_validate(dict(r._mapping)) for r in rows]
    return ImportRunPage(items=items, total=total, page=page, size=size)


@router.get(
    "/exports/{entity}.csv",
    summary="Export an entity as CSV",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(
    entity: str,
    encoding: str = Query("utf-8-sig", description="utf-8-sig (UTF-8 with BOM, default) | cp932 (Shift-JIS)"),
    ctx: ApiCtx = api_requires(Permission.EXPORT),
) -> Any:
    path, _ = wizard.export_to_temp(ctx.engine, entity, fmt="csv", encoding=encoding, actor=ctx.user.username)
    charset = "shift_jis" if encoding.lower() in ("cp932", "sjis", "shift_jis", "shift-jis", "ms932") else "utf-8"
    return FileResponse(
        path,
        media_type=f"text/csv; charset={charset}",
        headers={"Content-Disposition": f"attachment; filename=\"{path.name}\"; filename*=UTF-8''{quote(path.name)}"},
        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
    )
