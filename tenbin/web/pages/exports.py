"""Export: any entity as CSV (UTF-8 with BOM, or Shift-JIS/CP932) or Excel (.xlsx)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from tenbin.auth.roles import Permission
from tenbin.errors import TenbinError
from tenbin.imports import wizard
from tenbin.imports.entities import ENTITY_NAMES
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.pages.imports import entity_choices
from tenbin.web.render import render

router = page_router()

FORMATS = ("csv", "xlsx")
CSV_ENCODINGS = ("utf-8-sig", "cp932")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "csv-cp932": "text/csv; charset=shift_jis",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(ctx: Ctx, *, entity: str, fmt: str, encoding: str, error: TenbinError | None = None) -> Response:
    return render(
        ctx,
        "exports/index.html",
        status=error.status if error else 200,
        entities=entity_choices(ctx.lang),
        entity=entity,
        fmt=fmt,
        encoding=encoding,
        error=error,
    )


def _choice(value: str | None, choices: tuple[str, ...]) -> str:
    return value if value in choices else choices[0]


@router.get("/exports")
def exports_index(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    q = request.query_params
    entity = q.get("entity") if q.get("entity") in ENTITY_NAMES else "accounts"
    return _page(
        ctx,
        entity=entity or "accounts",
        fmt=_choice(q.get("format"), FORMATS),
        encoding=_choice(q.get("encoding"), CSV_ENCODINGS),
    )


def file_response(path: Path, media: str) -> FileResponse:
    """The exported file as a download; its temporary folder is removed once it has been sent."""
    return FileResponse(
        path,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename=\"{path.name}\"; filename*=UTF-8''{quote(path.name)}"},
        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
    )


@router.get("/exports/download")
def exports_download(request: Request, ctx: Ctx = requires(Permission.EXPORT)) -> Response:
    q = request.query_params
    entity = q.get("entity") or ""
    fmt, encoding = _choice(q.get("format"), FORMATS), _choice(q.get("encoding"), CSV_ENCODINGS)
    assert ctx.user is not None
    try:
        path, _ = wizard.export_to_temp(ctx.engine, entity, fmt=fmt, encoding=encoding, actor=ctx.user.username)
    except TenbinError as exc:
        shown = entity if entity in ENTITY_NAMES else "accounts"
        return _page(ctx, entity=shown, fmt=fmt, encoding=encoding, error=exc)
    media = MEDIA["xlsx"] if fmt == "xlsx" else MEDIA["csv-cp932" if encoding == "cp932" else "csv"]
    return file_response(path, media)
