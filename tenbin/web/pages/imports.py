"""The import wizard: upload → encoding and mapping preview → validation report → commit with
live progress → result. Every step reads and writes the upload's row, so any app process can
serve any step (the app keeps no state of its own)."""

from __future__ import annotations

from typing import Any

from fastapi import BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from tenbin.auth.roles import Permission
from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.i18n import N_
from tenbin.i18n import gettext as _
from tenbin.imports import wizard
from tenbin.imports.entities import ENTITIES, ENTITY_NAMES
from tenbin.imports.sources import encoding_label
from tenbin.web.context import Ctx, requires
from tenbin.web.listing import Col, ListSpec, ListState, csv_response, fetch_page
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()

ENTITY_LABELS = {
    "accounts": N_("Accounts"),
    "contacts": N_("Contacts and leads"),
    "campaigns": N_("Campaigns"),
    "offers": N_("Offers"),
    "responses": N_("Responses"),
    "stages": N_("Funnel stages"),
    "stage-events": N_("Stage events"),
    "opportunities": N_("Opportunities"),
    "revenue": N_("Revenue"),
    "buying-group": N_("Buying group"),
    "challenges": N_("Challenges"),
    "teams": N_("Teams"),
    "members": N_("Team members"),
}
STATUS_LABELS = {
    "running": N_("Running"),
    "committed": N_("Imported"),
    "dry_run": N_("Checked (dry run)"),
    "rejected": N_("Rejected"),
    "failed": N_("Failed"),
    "interrupted": N_("Interrupted"),
}
ERRORS_PER_PAGE = 50
READ_CHUNK = 1 << 20

RUNS = schema.import_runs
RUNS_SPEC = ListSpec(
    name="import-runs",
    columns=(
        Col("id", N_("No."), "number"),
        Col("started_at", N_("Started"), "datetime"),
        Col("entity", N_("Data"), filter="choice", choices=tuple(ENTITY_LABELS.items())),
        Col("filename", N_("File"), filter="text"),
        Col("status", N_("Status"), "code", filter="choice", choices=tuple(STATUS_LABELS.items())),
        Col("rows_total", N_("Rows"), "number"),
        Col("inserted", N_("New records"), "number"),
        Col("updated", N_("Updated records"), "number"),
        Col("rejected", N_("Invalid"), "number"),
        Col("error_code", N_("Error"), "code"),
        Col("actor", N_("By")),
    ),
    query=lambda: select(
        RUNS.c.id,
        RUNS.c.started_at,
        RUNS.c.entity,
        RUNS.c.filename,
        RUNS.c.status,
        RUNS.c.rows_total,
        RUNS.c.inserted,
        RUNS.c.updated,
        RUNS.c.rejected,
        RUNS.c.error_code,
        RUNS.c.actor,
    ),
    default_sort="id",
    default_desc=True,
    search=("filename", "actor"),
    empty=N_("No imports yet. Choose the data and a CSV or Excel file above to start."),
)


def entity_choices(lang: str) -> list[tuple[str, str]]:
    return [(n, ENTITIES[n].label_ja if lang == "ja" else _(ENTITY_LABELS[n])) for n in ENTITY_NAMES]


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def _upload(ctx: Ctx, upload_id: str) -> wizard.Upload:
    assert ctx.user is not None
    return wizard.get_upload(ctx.engine, upload_id, user_id=ctx.user.id)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- step 1: choose the data and upload -----------------------------------------------------------


@router.get("/imports")
def imports_index(request: Request, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    return _index(ctx, request, entity=request.query_params.get("entity", "contacts"))


def _index(ctx: Ctx, request: Request, *, entity: str, error: TenbinError | None = None, status: int = 200) -> Response:
    state = ListState.from_query(RUNS_SPEC, request.query_params)
    if request.query_params.get("format") == "csv":
        ctx.require(Permission.EXPORT)
        return csv_response(ctx.engine, RUNS_SPEC, state)
    return render(
        ctx,
        "imports/index.html",
        status=status,
        runs=fetch_page(ctx.engine, RUNS_SPEC, state),
        entities=entity_choices(ctx.lang),
        entity=entity if entity in ENTITY_NAMES else "contacts",
        max_mb=ctx.settings.upload_max_mb,
        error=error,
        step=1,
    )


async def _read_limited(file: UploadFile, max_mb: int) -> bytes:
    """The upload's bytes, refusing more than the limit without reading the rest."""
    limit = max_mb * 1024 * 1024
    parts, size = [], 0
    while chunk := await file.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TenbinError(wizard.UPLOAD_TOO_LARGE, {"limit": max_mb})
        parts.append(chunk)
    return b"".join(parts)


@router.post("/imports")
async def imports_upload(
    request: Request,
    entity: str = Form(""),
    file: UploadFile | None = File(None),  # declared, so FastAPI closes the spooled file afterwards
    ctx: Ctx = requires(Permission.IMPORT),
) -> Response:
    assert ctx.user is not None
    try:
        if file is None or not file.filename:
            raise TenbinError(wizard.UPLOAD_MISSING, {})
        content = await _read_limited(file, ctx.settings.upload_max_mb)
        upload_id = wizard.save_upload(
            ctx.engine,
            user_id=ctx.user.id,
            entity=entity,
            filename=file.filename,
            content=content,
            max_mb=ctx.settings.upload_max_mb,
        )
    except TenbinError as exc:
        return _index(ctx, request, entity=entity, error=exc, status=exc.status)
    return _see(f"/imports/{upload_id}/mapping")


# -- step 2: encoding and mapping ---------------------------------------------------------------------


def field_choices(entity: str) -> list[tuple[str, str]]:
    """(field name, label) for the mapping select: the name and its Japanese header."""
    choices = []
    for f in ENTITIES[entity].fields:
        ja = f.label_ja or next((h for h in f.headers if not h.isascii()), "")
        choices.append((f.name, f"{f.name} · {ja}" if ja else f.name))
    return choices


def _mapping_page(ctx: Ctx, upload: wizard.Upload, *, error: TenbinError | None = None, status: int = 200) -> Response:
    preview: wizard.Preview | None = None
    try:
        preview = wizard.preview_upload(ctx.engine, upload, lang=ctx.lang)
    except TenbinError as exc:  # unreadable in this encoding: the user can choose another one
        error, status = error or exc, max(status, exc.status)
    if preview is not None and preview.error is not None and error is None:
        error = preview.error
    return render(
        ctx,
        "imports/mapping.html",
        status=status,
        upload=upload,
        preview=preview,
        fields=field_choices(upload.entity),
        encodings=[(e, encoding_label(e, ctx.lang)) for e in wizard.ENCODING_CHOICES],
        entity_label=dict(entity_choices(ctx.lang))[upload.entity],
        error=error,
        step=2,
    )


@router.get("/imports/{upload_id}/mapping")
def mapping_form(upload_id: str, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    return _mapping_page(ctx, _upload(ctx, upload_id))


def _columns_from(form: Any, header_count: int) -> dict[str, str]:
    columns: dict[str, str] = {}
    for i in range(min(header_count, 2000)):
        header, target = form.get(f"h_{i}"), form.get(f"t_{i}")
        if not isinstance(header, str) or not isinstance(target, str) or not header:
            continue
        columns[header] = f"custom:{header}" if target == "custom" else target
    return columns


@router.post("/imports/{upload_id}/mapping")
async def mapping_save(upload_id: str, request: Request, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    upload = _upload(ctx, upload_id)
    form = await request.form()
    encoding = str(form.get("encoding") or "") or None
    sent = str(form.get("columns") or "")
    count = int(sent) if sent.isdigit() else 0
    # a new encoding reads new headers: the old choices no longer apply to them
    columns = None if encoding != upload.encoding else _columns_from(form, count)
    try:
        wizard.set_options(ctx.engine, upload, encoding=encoding, columns=columns)
        upload = _upload(ctx, upload_id)
        if form.get("action") == "validate":
            wizard.validate_upload(ctx.engine, upload, actor=_actor(ctx), lang=ctx.lang)
            return _see(f"/imports/{upload_id}/report")
    except TenbinError as exc:
        return _mapping_page(ctx, _upload(ctx, upload_id), error=exc, status=exc.status)
    return _see(f"/imports/{upload_id}/mapping")


# -- step 3: validation report ----------------------------------------------------------------------


def _report_page(
    ctx: Ctx, upload: wizard.Upload, page: int = 1, *, error: TenbinError | None = None, status: int = 200
) -> Response:
    report = upload.validation
    assert report is not None
    issues = report.get("issues") or []
    pages = max(1, -(-len(issues) // ERRORS_PER_PAGE))
    page = min(max(page, 1), pages)
    return render(
        ctx,
        "imports/report.html",
        status=status,
        upload=upload,
        report=report,
        groups=wizard.group_issues(issues),
        issues=issues[(page - 1) * ERRORS_PER_PAGE : page * ERRORS_PER_PAGE],
        page=page,
        pages=pages,
        first=(page - 1) * ERRORS_PER_PAGE + 1,
        entity_label=dict(entity_choices(ctx.lang))[upload.entity],
        committed=upload.run_id is not None,
        error=error,
        step=3,
    )


@router.get("/imports/{upload_id}/report")
def report_view(upload_id: str, page: int = 1, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    upload = _upload(ctx, upload_id)
    if upload.validation is None:
        return _see(f"/imports/{upload_id}/mapping")
    return _report_page(ctx, upload, page)


@router.post("/imports/{upload_id}/validate")
def validate(upload_id: str, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    upload = _upload(ctx, upload_id)
    try:
        wizard.validate_upload(ctx.engine, upload, actor=_actor(ctx), lang=ctx.lang)
    except TenbinError as exc:
        return _mapping_page(ctx, upload, error=exc, status=exc.status)
    return _see(f"/imports/{upload_id}/report")


# -- step 4: commit, progress, result ---------------------------------------------------------------


@router.post("/imports/{upload_id}/commit")
async def commit(
    upload_id: str, request: Request, background: BackgroundTasks, ctx: Ctx = requires(Permission.IMPORT)
) -> Response:
    upload = _upload(ctx, upload_id)
    form = await request.form()
    skip_invalid = form.get("skip_invalid") == "1"
    report = upload.validation
    if upload.run_id is None and report is None:
        return _report_or_mapping(ctx, upload, TenbinError(wizard.IMPORT_NOT_VALIDATED, {}))
    if upload.run_id is None and report is not None and report.get("rejected") and not skip_invalid:
        error = TenbinError(wizard.IMPORT_ROWS_INVALID, {"rejected": report["rejected"], "rows": report["rows_total"]})
        return _report_page(ctx, upload, error=error, status=error.status)
    if wizard.claim_commit(ctx.engine, upload):
        background.add_task(
            wizard.run_commit,
            ctx.engine,
            upload,
            actor=_actor(ctx),
            skip_invalid=skip_invalid,
            lang=ctx.lang,
            batch_rows=ctx.settings.import_batch_rows,
        )
    return _see(f"/imports/{upload_id}/commit")


def _report_or_mapping(ctx: Ctx, upload: wizard.Upload, error: TenbinError) -> Response:
    if upload.validation is None:
        return _mapping_page(ctx, upload, error=error, status=error.status)
    return _report_page(ctx, upload, error=error, status=error.status)


def _finished(state: wizard.CommitState) -> bool:
    return state.status not in ("starting", "running", "none")


@router.get("/imports/{upload_id}/commit")
def progress_page(upload_id: str, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    upload = _upload(ctx, upload_id)
    state = wizard.commit_state(ctx.engine, upload, actor=_actor(ctx))
    if state.status == "none":
        return _see(f"/imports/{upload_id}/report")
    if _finished(state):
        return _see(f"/imports/{upload_id}/result")
    return render(ctx, "imports/progress.html", upload=upload, state=state, step=4)


@router.get("/imports/{upload_id}/progress")
def progress_fragment(upload_id: str, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    """Polled by htmx every second; when the import has ended, the browser goes to the result."""
    upload = _upload(ctx, upload_id)
    state = wizard.commit_state(ctx.engine, upload, actor=_actor(ctx))
    if _finished(state) or state.status == "none":
        return Response(status_code=200, headers={"HX-Redirect": f"/imports/{upload_id}/result"})
    return render(ctx, "imports/_progress.html", upload=upload, state=state)


@router.get("/imports/{upload_id}/result")
def result_page(upload_id: str, ctx: Ctx = requires(Permission.IMPORT)) -> Response:
    upload = _upload(ctx, upload_id)
    state = wizard.commit_state(ctx.engine, upload, actor=_actor(ctx))
    if state.status == "none":
        return _see(f"/imports/{upload_id}/report")
    if not _finished(state):
        return _see(f"/imports/{upload_id}/commit")
    result = state.result or {"status": state.status}
    return render(
        ctx,
        "imports/result.html",
        upload=upload,
        result=result,
        status_label=_(STATUS_LABELS.get(str(result.get("status")), str(result.get("status")))),
        entity_label=dict(entity_choices(ctx.lang))[upload.entity],
        step=5,
    )
