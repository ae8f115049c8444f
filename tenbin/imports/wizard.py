"""The import wizard's service: uploads kept in the database, mapping preview, validation, commit.

The web app is stateless, so a wizard lives in one ``import_uploads`` row (the file's bytes, the
user's encoding and mapping choices, the last validation report and the commit's result) and any
app process can continue it. The row's ``mapping`` JSON is
``{"columns": {header: field | "custom:NAME" | "ignore"} | null, "validation": report | null,
"result": summary | null}``. Imports run through :func:`tenbin.imports.service.import_file`, so
the wizard, the REST API and the CLI share every rule and error code.

A commit is claimed first (``run_id`` goes from NULL to 0 in one UPDATE), so a double click or a
reload never imports twice; the import run's id replaces the 0 when it ends. While it runs,
progress is kept in this process and, on PostgreSQL, also written to the run's ``rows_total`` in
short transactions so that another app process can show it. (SQLite allows one writer: there the
other processes see "running" until the import's single transaction ends.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import is_sqlite, write_transaction
from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.imports.entities import ENTITIES
from tenbin.imports.export import export_entity
from tenbin.imports.mapping import IMPORT_MAPPING_INVALID, build_plan, header_key
from tenbin.imports.service import ImportOptions, ImportReport, import_file, resolve_entity
from tenbin.imports.sources import IMPORT_FILE_EMPTY, canonical_encoding, encoding_label, open_table

log = logging.getLogger("tenbin.imports.wizard")

UPLOAD_TOO_LARGE = ErrorCode(
    "UPLOAD_TOO_LARGE",
    en="The file is larger than {limit} MB, the largest this workspace accepts. Split it into smaller "
    "files, or import it with the CLI (`tenbin import`).",
    ja="ファイルが上限の {limit} MB を超えています。小さなファイルに分けるか、CLI(`tenbin import`)で"
    "取り込んでください。",
    status=413,
)
UPLOAD_MISSING = ErrorCode(
    "UPLOAD_MISSING",
    en="No file was sent. Choose a CSV or Excel (.xlsx) file.",
    ja="ファイルが送られていません。CSV または Excel(.xlsx)ファイルを選んでください。",
)
UPLOAD_NOT_FOUND = ErrorCode(
    "UPLOAD_NOT_FOUND",
    en="There is no upload {upload} of yours. Start a new import from the Import page.",
    ja="アップロード {upload} は見つかりません(ご自身のアップロードのみ開けます)。取込ページから新しく始めてください。",
    status=404,
)
IMPORT_MAPPING_DUPLICATE = ErrorCode(
    "IMPORT_MAPPING_DUPLICATE",
    en="The columns {first!r} and {second!r} both feed the field {field}. Map one of them to another "
    "field, a custom attribute, or ignore it.",
    ja="列「{first}」と「{second}」が同じ項目 {field} に対応付けられています。どちらかを別の項目・"
    "カスタム属性にするか、無視してください。",
    status=422,
)
IMPORT_ROWS_INVALID = ErrorCode(
    "IMPORT_ROWS_INVALID",
    en="{rejected} of {rows} rows are invalid, so nothing was imported. Fix them, or import with "
    "skip_invalid to import only the valid rows.",
    ja="{rows} 行中 {rejected} 行に誤りがあるため、何も取り込んでいません。修正するか、skip_invalid を"
    "指定して正しい行だけを取り込んでください。",
    status=422,
)
IMPORT_NOT_VALIDATED = ErrorCode(
    "IMPORT_NOT_VALIDATED",
    en="Check the file (validation) before importing it: the mapping or encoding changed since the last check.",
    ja="取り込む前にファイルを検証してください(前回の検証の後にマッピングまたは文字コードが変更されています)。",
    status=409,
)

ENCODING_CHOICES = ("utf-8-sig", "cp932", "utf-16")  # plus "" = detect
PREVIEW_ROWS = 10
_SAFE_NAME = re.compile(r"[^\w.\-()（）]+")


@dataclass(frozen=True)
class Upload:
    id: str
    user_id: int
    entity: str
    filename: str
    size: int
    sha256: str
    encoding: str | None
    columns: dict[str, str] | None
    validation: dict[str, Any] | None
    result: dict[str, Any] | None
    run_id: int | None
    created_at: dt.datetime

    @property
    def state(self) -> dict[str, Any]:
        return {"columns": self.columns, "validation": self.validation, "result": self.result}


@dataclass(frozen=True)
class PreviewColumn:
    header: str
    target: str  # field name | custom:NAME | ignore
    kind: str  # field | custom | ignore
    via: str


@dataclass
class Preview:
    encoding: str | None
    encoding_label: str
    encoding_detected: bool
    detected_label: str
    kind: str  # csv | xlsx
    preset: str
    columns: list[PreviewColumn]
    rows: list[tuple[int, list[str]]]
    error: TenbinError | None = None


# -- uploads ------------------------------------------------------------------------------------


def save_upload(engine: Engine, *, user_id: int, entity: str, filename: str, content: bytes, max_mb: int) -> str:
    """Store an uploaded file for the wizard; returns its (random, unguessable) id."""
    name = resolve_entity(entity)
    if len(content) > max_mb * 1024 * 1024:
        raise TenbinError(UPLOAD_TOO_LARGE, {"limit": max_mb})
    if not content.strip():
        raise TenbinError(IMPORT_FILE_EMPTY, {"path": filename})
    upload_id = secrets.token_urlsafe(18)
    with write_transaction(engine) as conn:
        conn.execute(
            schema.import_uploads.insert().values(
                id=upload_id,
                user_id=user_id,
                entity=name,
                filename=(filename or "upload.csv")[-500:],
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                mapping={"columns": None, "validation": None, "result": None},
            )
        )
    return upload_id


def get_upload(engine: Engine, upload_id: str, *, user_id: int) -> Upload:
    """The user's own upload (another user's, or a missing one, is UPLOAD_NOT_FOUND alike)."""
    u = schema.import_uploads
    query = select(
        u.c.id,
        u.c.user_id,
        u.c.entity,
        u.c.filename,
        func.length(u.c.content).label("size"),
        u.c.sha256,
        u.c.encoding,
        u.c.mapping,
        u.c.run_id,
        u.c.created_at,
    ).where(u.c.id == upload_id, u.c.user_id == user_id)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise TenbinError(UPLOAD_NOT_FOUND, {"upload": upload_id[:40]})
    state = row.mapping if isinstance(row.mapping, dict) else {}
    return Upload(
        id=row.id,
        user_id=row.user_id,
        entity=row.entity,
        filename=row.filename,
        size=int(row.size or 0),
        sha256=row.sha256,
        encoding=row.encoding,
        columns=state.get("columns"),
        validation=state.get("validation"),
        result=state.get("result"),
        run_id=row.run_id,
        created_at=row.created_at,
    )


def _content(engine: Engine, upload_id: str) -> bytes:
    u = schema.import_uploads
    with engine.connect() as conn:
        return bytes(conn.execute(select(u.c.content).where(u.c.id == upload_id)).scalar_one())


def _save_state(engine: Engine, upload: Upload, **changes: Any) -> None:
    u = schema.import_uploads
    state = {**upload.state, **{k: v for k, v in changes.items() if k != "encoding"}}
    values: dict[str, Any] = {"mapping": state}
    if "encoding" in changes:
        values["encoding"] = changes["encoding"]
    with write_transaction(engine) as conn:
        conn.execute(update(u).where(u.c.id == upload.id).values(**values))


@contextmanager
def _as_file(name: str, content: bytes, columns: dict[str, str] | None = None) -> Iterator[tuple[Path, Path | None]]:
    """The bytes as a file named like the upload (the readers decide by content and suffix), plus
    the mapping as a JSON file in the shape ``--mapping`` reads; both removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="tenbin-upload-"))
    try:
        safe = _SAFE_NAME.sub("_", Path(name).name)[-120:] or "upload.csv"
        path = folder / safe
        path.write_bytes(content)
        mapping_path = None
        if columns:
            mapping_path = folder / "mapping.json"
            mapping_path.write_text(json.dumps({"columns": columns}, ensure_ascii=False), encoding="utf-8")
        yield path, mapping_path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _named(exc: TenbinError, path: Path, filename: str) -> TenbinError:
    """Messages name the user's file, not the temporary copy."""
    for key, value in exc.params.items():
        if isinstance(value, str) and str(path) in value:
            exc.params[key] = value.replace(str(path), filename)
    return exc


# -- step 2: encoding and mapping -----------------------------------------------------------------


def target_of(column: Any) -> str:
    if column.kind == "field":
        return str(column.field.name)
    if column.kind == "custom":
        return ("account.custom:" if column.custom_target == "account" else "custom:") + (column.custom_key or "")
    return "ignore"


def _keyed(columns: dict[str, str] | None) -> dict[str, str] | None:
    return None if not columns else {header_key(h): t for h, t in columns.items()}


def preview_upload(engine: Engine, upload: Upload, *, lang: str = "ja") -> Preview:
    """Encoding, preset, each column's target and the first rows; a plan error is kept, not raised
    (the user fixes it in the mapping), while an unreadable file raises."""
    content = _content(engine, upload.id)
    with _as_file(upload.filename, content) as (path, _), _opened(path, upload) as source:
        rows = list(islice(source.rows(), PREVIEW_ROWS))
        plan = build_plan(upload.entity, source.header, mapping=_keyed(upload.columns), check_required=False)
        preview = Preview(
            encoding=source.encoding,
            encoding_label=source.encoding_label(lang) if source.encoding else "Excel (.xlsx)",
            encoding_detected=source.encoding_detected,
            detected_label=encoding_label(source.detected_encoding, lang) if source.detected_encoding else "",
            kind=source.kind,
            preset=plan.preset,
            columns=[PreviewColumn(c.header, target_of(c), c.kind, c.via) for c in plan.columns],
            rows=rows,
        )
        try:
            build_plan(upload.entity, source.header, mapping=_keyed(upload.columns))
        except TenbinError as exc:
            preview.error = exc
    return preview


@contextmanager
def _opened(path: Path, upload: Upload) -> Iterator[Any]:
    try:
        source = open_table(path, encoding=upload.encoding)
    except TenbinError as exc:
        raise _named(exc, path, upload.filename) from None
    with source:
        try:
            yield source
        except TenbinError as exc:
            raise _named(exc, path, upload.filename) from None


def set_options(engine: Engine, upload: Upload, *, encoding: str | None, columns: dict[str, str] | None) -> None:
    """Save the user's encoding and mapping choices; the last validation no longer applies."""
    chosen = canonical_encoding(encoding) if encoding else None
    if columns:
        _check_columns(upload.entity, columns)
    _save_state(engine, upload, encoding=chosen, columns=columns or None, validation=None)


def _check_columns(entity: str, columns: dict[str, str]) -> None:
    spec = ENTITIES[entity]
    seen: dict[str, str] = {}
    for header, target in columns.items():
        if target == "ignore" or target.startswith(("custom:", "account.custom:")):
            continue
        if target not in spec.by_name:
            raise TenbinError(
                IMPORT_MAPPING_INVALID,
                {"path": header, "detail": f"unknown field {target!r}"},
                Place(column=header),
            )
        if target in seen:
            raise TenbinError(
                IMPORT_MAPPING_DUPLICATE,
                {"first": seen[target], "second": header, "field": target},
                Place(column=header, field=target),
            )
        seen[target] = header


# -- step 3: validation (a dry run) ----------------------------------------------------------------


def import_bytes(
    engine: Engine,
    entity: str,
    filename: str,
    content: bytes,
    options: ImportOptions,
    *,
    columns: dict[str, str] | None = None,
    progress: Any = None,
) -> ImportReport:
    """:func:`import_file` on uploaded bytes; the report names the upload's file."""
    if columns:
        _check_columns(resolve_entity(entity), columns)
    with _as_file(filename, content, columns) as (path, mapping_path):
        options.mapping = mapping_path
        try:
            report = import_file(engine, entity, path, options, progress=progress)
        except TenbinError as exc:
            raise _named(exc, path, filename) from None
    report.path = filename
    report.rejects_path = None  # the temporary rejects file is gone; the report lists the rows
    _rename_run(engine, report.run_id, filename)
    return report


def _rename_run(engine: Engine, run_id: int | None, filename: str) -> None:
    if run_id is None:
        return
    runs = schema.import_runs
    with write_transaction(engine) as conn:
        conn.execute(update(runs).where(runs.c.id == run_id).values(filename=filename[-500:]))


def validate_upload(engine: Engine, upload: Upload, *, actor: str, lang: str = "ja") -> dict[str, Any]:
    """A dry run of the upload with its current choices; the report is stored on the upload."""
    opts = ImportOptions(encoding=upload.encoding, dry_run=True, actor=actor, lang=lang)
    report = import_bytes(
        engine, upload.entity, upload.filename, _content(engine, upload.id), opts, columns=upload.columns
    )
    data = report.as_dict()
    data["lang"] = lang
    _save_state(engine, upload, validation=data)
    return data


def group_issues(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issues grouped by (code, column), largest group first: count, first rows, first message."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for issue in issues:
        groups.setdefault((issue["code"], issue["column"] or ""), []).append(issue)
    return [
        {
            "code": code,
            "column": column,
            "count": len(items),
            "rows": [i["row"] for i in items[:8]],
            "more": len(items) > 8,
            "message": items[0]["message"],
        }
        for (code, column), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


# -- step 4: commit with progress -------------------------------------------------------------------


@dataclass
class _Live:
    rows: int = 0
    bytes_read: int = 0
    bytes_total: int = 0
    started: float = field(default_factory=time.monotonic)


_LIVE: dict[str, _Live] = {}
_LIVE_LOCK = threading.Lock()


def claim_commit(engine: Engine, upload: Upload) -> bool:
    """Mark the upload as being committed; False when it already is (or was, successfully)."""
    u, runs = schema.import_uploads, schema.import_runs
    finished_or_running = select(runs.c.id).where(runs.c.status.in_(("committed", "running")))
    retry = and_(u.c.run_id != 0, u.c.run_id.not_in(finished_or_running))
    with write_transaction(engine) as conn:
        claimed = conn.execute(
            update(u)
            .where(u.c.id == upload.id, u.c.user_id == upload.user_id, or_(u.c.run_id.is_(None), retry))
            .values(run_id=0, mapping={**upload.state, "result": None})
        ).rowcount
    return claimed == 1


def run_commit(engine: Engine, upload: Upload, *, actor: str, skip_invalid: bool, lang: str, batch_rows: int) -> None:
    """The import itself (one all-or-nothing transaction), then the upload's result and the audit entry."""
    live = _Live(bytes_total=upload.size)
    with _LIVE_LOCK:
        _LIVE[upload.id] = live
    opts = ImportOptions(
        encoding=upload.encoding, skip_invalid=skip_invalid, actor=actor, lang=lang, batch_rows=batch_rows
    )
    try:
        report = import_bytes(
            engine,
            upload.entity,
            upload.filename,
            _content(engine, upload.id),
            opts,
            columns=upload.columns,
            progress=_progress_writer(engine, upload, actor, live),
        )
    except Exception as exc:
        log.exception("import of upload %s failed", upload.id)
        failed = _find_run(engine, upload, actor, status="failed")
        code = exc.code if isinstance(exc, TenbinError) else "INTERNAL"
        message = exc.message(lang) if isinstance(exc, TenbinError) else type(exc).__name__
        result = {"status": "failed", "code": code, "message": message}
        _finish(engine, upload, run_id=failed, result=result)
        return
    finally:
        with _LIVE_LOCK:
            _LIVE.pop(upload.id, None)
    _finish(engine, upload, run_id=report.run_id, result=_summary(report), report=report, actor=actor)


def _summary(report: ImportReport) -> dict[str, Any]:
    data = report.as_dict()
    keep = ("status", "rows_total", "rejected", "counts", "account_counts", "issue_codes", "seconds", "rows_per_second")
    return {k: data[k] for k in keep}


def _finish(
    engine: Engine,
    upload: Upload,
    *,
    run_id: int | None,
    result: dict[str, Any],
    report: ImportReport | None = None,
    actor: str = "",
) -> None:
    u = schema.import_uploads
    current = get_upload(engine, upload.id, user_id=upload.user_id)
    with write_transaction(engine) as conn:
        conn.execute(
            update(u).where(u.c.id == upload.id).values(run_id=run_id, mapping={**current.state, "result": result})
        )
        if report is not None:
            record_commit(conn, actor=actor, filename=upload.filename, report=report)


def record_commit(conn: Any, *, actor: str, filename: str, report: ImportReport) -> None:
    """The audit log entry of a committed import (nothing for a dry run or a rejected file)."""
    if report.status != "committed":
        return
    detail = {
        "filename": filename,
        "rows": report.rows_total,
        "inserted": report.counts.inserted,
        "updated": report.counts.updated,
        "rejected": report.rejected,
        "run_id": report.run_id,
    }
    audit.record(
        conn, actor=actor, action="import.commit", entity=report.entity, entity_id=report.run_id, detail=detail
    )


def _find_run(engine: Engine, upload: Upload, actor: str, *, status: str) -> int | None:
    """The upload's run while it has no id on the upload yet: same file, same actor, newest."""
    runs = schema.import_runs
    query = (
        select(runs.c.id)
        .where(runs.c.file_sha256 == upload.sha256, runs.c.actor == actor, runs.c.status == status)
        .order_by(runs.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else int(found)


def _progress_writer(engine: Engine, upload: Upload, actor: str, live: _Live) -> Any:
    shared = not is_sqlite(engine)  # SQLite has one writer: the import's own transaction holds it
    state = {"run_id": None, "written": 0.0}

    def progress(rows: int, bytes_read: int, bytes_total: int) -> None:
        live.rows, live.bytes_read, live.bytes_total = rows, bytes_read, bytes_total or live.bytes_total
        now = time.monotonic()
        if not shared or now - state["written"] < 1.0:  # type: ignore[operator]
            return
        state["written"] = now
        if state["run_id"] is None:
            state["run_id"] = _find_run(engine, upload, actor, status="running")
        if state["run_id"] is not None:
            runs = schema.import_runs
            with engine.begin() as conn:
                conn.execute(update(runs).where(runs.c.id == state["run_id"]).values(rows_total=rows))

    return progress


@dataclass
class CommitState:
    status: str  # none | starting | running | committed | rejected | failed | interrupted
    rows: int = 0
    rows_per_second: float | None = None
    fraction: float | None = None
    result: dict[str, Any] | None = None


def commit_state(engine: Engine, upload: Upload, *, actor: str) -> CommitState:
    """Where the upload's commit is, as any app process can see it."""
    if upload.run_id is None and upload.result is None:
        return CommitState("none")
    if upload.run_id != 0 and upload.result is not None:
        return CommitState(str(upload.result.get("status")), result=upload.result)
    with _LIVE_LOCK:
        live = _LIVE.get(upload.id)
    if live is not None:
        elapsed = time.monotonic() - live.started
        fraction = live.bytes_read / live.bytes_total if live.bytes_total and live.bytes_read else None
        rate = live.rows / elapsed if elapsed > 0.2 and live.rows else None
        return CommitState("running", live.rows, rate, fraction)
    run_id = upload.run_id or _find_run(engine, upload, actor, status="running")
    if run_id is None:
        return CommitState("starting")
    runs = schema.import_runs
    with engine.connect() as conn:
        row = conn.execute(
            select(runs.c.status, runs.c.rows_total, runs.c.started_at, func.current_timestamp().label("now")).where(
                runs.c.id == run_id
            )
        ).first()
    if row is None:
        return CommitState("starting")
    if row.status != "running":
        return CommitState(str(row.status), int(row.rows_total))
    seconds = (row.now - row.started_at).total_seconds() if row.now and row.started_at else 0
    return CommitState("running", int(row.rows_total), row.rows_total / seconds if seconds > 1 else None)


# -- export -----------------------------------------------------------------------------------------


def export_to_temp(engine: Engine, entity: str, *, fmt: str, encoding: str, actor: str) -> tuple[Path, int]:
    """Like :func:`exported_file`, but the caller removes ``path.parent`` (after streaming it)."""
    name = resolve_entity(entity)
    folder = Path(tempfile.mkdtemp(prefix="tenbin-export-"))
    path = folder / f"tenbin-{name}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    try:
        count = export_entity(engine, name, path, fmt="xlsx" if fmt == "xlsx" else "csv", encoding=encoding)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    with write_transaction(engine) as conn:
        detail = {"format": fmt, "encoding": encoding if fmt != "xlsx" else None, "rows": count}
        audit.record(conn, actor=actor, action="export", entity=name, detail=detail)
    return path, count
