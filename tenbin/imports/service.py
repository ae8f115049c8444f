"""The import/export slice's public surface: ``import_file``, ``export_entity``, ``describe_entities``.

An import runs in one database transaction: with any invalid row nothing is written (unless
``skip_invalid``), a dry run always rolls back, and a killed process leaves the database as it
was. Each run is recorded in ``import_runs`` before it starts, so an interrupted run is visible
afterwards (its status stays ``running``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.db.revision import bulk_write
from tenbin.errors import UNKNOWN_ENTITY, TenbinError
from tenbin.imports.engine import Change, Counts, ImportRun, batches
from tenbin.imports.entities import ENTITIES, ENTITY_NAMES
from tenbin.imports.mapping import Plan, build_plan, load_mapping_file
from tenbin.imports.sources import IMPORT_NO_ROWS, open_table

Progress = Callable[[int, int, int], None]  # rows done, bytes read, bytes total


@dataclass
class ImportOptions:
    encoding: str | None = None
    preset: str | None = None
    mapping: Path | None = None
    sheet: str | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    batch_rows: int = 5000
    actor: str = "cli"
    lang: str = "ja"


@dataclass
class ImportReport:
    entity: str
    path: str
    encoding: str | None
    encoding_label: str
    encoding_detected: bool
    preset: str
    columns: list[dict[str, Any]]
    rows_total: int = 0
    rejected: int = 0
    counts: Counts = field(default_factory=Counts)
    account_counts: Counts | None = None
    issues: list[dict[str, Any]] = field(default_factory=list)
    issue_count: int = 0
    issue_codes: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    change_count: int = 0
    conflicts: list[Change] = field(default_factory=list)
    conflict_count: int = 0
    custom_attributes: list[str] = field(default_factory=list)
    formula_cells: int = 0
    status: str = "committed"  # committed | rejected | dry_run
    rejects_path: str | None = None
    run_id: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("committed", "dry_run") and (self.rejected == 0 or self.rejects_path is not None)

    def as_dict(self) -> dict[str, Any]:
        def counts(c: Counts | None) -> dict[str, int] | None:
            return None if c is None else {"inserted": c.inserted, "updated": c.updated, "unchanged": c.unchanged}

        def change(c: Change) -> dict[str, Any]:
            return {
                "row": c.row,
                "record": c.record,
                "field": c.field,
                "old": _jsonable(c.old),
                "new": _jsonable(c.new),
            }

        data = {k: v for k, v in self.__dict__.items() if k not in {"counts", "account_counts", "changes", "conflicts"}}
        data.update(
            counts=counts(self.counts),
            account_counts=counts(self.account_counts),
            changes=[change(c) for c in self.changes],
            conflicts=[change(c) for c in self.conflicts],
            rows_per_second=round(self.rows_total / self.seconds) if self.seconds else None,
        )
        return data


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


class _Rollback(Exception):
    """Raised inside the transaction to undo it (dry run, or invalid rows in all-or-nothing mode)."""


def resolve_entity(name: str) -> str:
    spec = ENTITIES.get(name.lower().replace("_", "-")) or ENTITIES.get(name.lower())
    if spec is None:
        raise TenbinError(UNKNOWN_ENTITY, {"entity": name, "choices": ", ".join(ENTITY_NAMES)})
    return spec.name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    engine: Engine,
    entity: str,
    path: Path,
    options: ImportOptions | None = None,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import one CSV/XLSX file of ``entity``; see the module docstring for the guarantees."""
    opts = options or ImportOptions()
    name = resolve_entity(entity)
    mapping = load_mapping_file(opts.mapping) if opts.mapping else None
    started = time.perf_counter()
    with open_table(path, encoding=opts.encoding, sheet=opts.sheet) as source:
        plan = build_plan(name, source.header, preset=opts.preset, mapping=mapping)
        report = _new_report(name, path, source, plan, opts.lang)
        run_id = _record_start(engine, name, path, report, opts)
        report.run_id = run_id
        stamp = now or dt.datetime.now().replace(microsecond=0)
        try:
            run = _run(engine, plan, source, opts, report, stamp, progress)
        except BaseException as exc:
            _record_end(engine, run_id, report, "failed", getattr(exc, "code", type(exc).__name__))
            raise
        report.formula_cells = source.formula_cells
    _fill_report(report, run, opts)
    report.seconds = time.perf_counter() - started
    if report.status == "committed" and run.state.rejects and opts.skip_invalid:
        report.rejects_path = str(write_rejects(path, source.header, run.state.rejects))
    _record_end(engine, run_id, report, report.status, None)
    return report


def _run(
    engine: Engine,
    plan: Plan,
    source: Any,
    opts: ImportOptions,
    report: ImportReport,
    stamp: dt.datetime,
    progress: Progress | None,
) -> ImportRun:
    rows = source.rows()
    if plan.headerless:
        first = [(1, list(source.header_raw if hasattr(source, "header_raw") else source.header))]
        rows = _chain(first, rows)
    run: ImportRun | None = None
    try:
        with write_transaction(engine) as conn, bulk_write(conn):  # one data-revision bump per import
            run = ImportRun(conn, plan, now=stamp, lang=opts.lang, keep_rejects=opts.skip_invalid)
            for batch in batches(rows, opts.batch_rows):
                run.process(batch)
                if progress is not None:
                    progress(run.state.rows_total, source.bytes_read, source.total_bytes)
            if run.state.rows_total == 0:
                raise TenbinError(IMPORT_NO_ROWS, {"path": str(report.path)})
            run.finish()
            if opts.dry_run:
                report.status = "dry_run"
                raise _Rollback
            if run.state.rejected and not opts.skip_invalid:
                report.status = "rejected"
                raise _Rollback
    except _Rollback:
        pass
    assert run is not None
    return run


def _chain(first: list[tuple[int, list[str]]], rest: Any) -> Any:
    yield from first
    yield from rest


def _new_report(name: str, path: Path, source: Any, plan: Plan, lang: str) -> ImportReport:
    columns = [
        {"column": c.header, "kind": c.kind, "field": c.field.name if c.field else c.custom_key, "via": c.via}
        for c in plan.columns
    ]
    return ImportReport(
        entity=name,
        path=str(path),
        encoding=source.encoding,
        encoding_label=source.encoding_label(lang) if source.encoding else "XLSX",
        encoding_detected=source.encoding_detected,
        preset=plan.preset,
        columns=columns,
        custom_attributes=[c.custom_key or "" for c in plan.customs()],
    )


def _fill_report(report: ImportReport, run: ImportRun, opts: ImportOptions) -> None:
    st = run.state
    report.rows_total, report.rejected = st.rows_total, st.rejected
    report.issues = [i.as_dict(opts.lang) for i in st.issues]
    report.issue_count, report.issue_codes = st.issue_count, dict(st.issue_codes)
    report.changes, report.change_count = st.changes, st.change_count
    report.conflicts, report.conflict_count = st.conflicts, st.conflict_count
    if report.status == "committed" or report.status == "dry_run":
        report.counts = st.counts
        report.account_counts = st.account_counts if run.embeds_account else None
    else:
        report.counts = Counts()


def write_rejects(path: Path, header: list[str], rejects: list[tuple[int, list[str], str]]) -> Path:
    """The rows that were not imported, beside the input, with their row number and reasons."""
    target = path.with_name(path.stem + ".rejects.csv")
    with open(target, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "errors", *header])
        for row, raw, reason in rejects:
            writer.writerow([row, reason, *raw])
    return target


def _record_start(engine: Engine, name: str, path: Path, report: ImportReport, opts: ImportOptions) -> int:
    runs = schema.import_runs
    with engine.begin() as conn:
        return int(
            conn.execute(
                runs.insert()
                .values(
                    entity=name,
                    filename=str(path),
                    file_sha256=_sha256(path),
                    encoding=report.encoding,
                    preset=report.preset,
                    status="running",
                    actor=opts.actor,
                )
                .returning(runs.c.id)
            ).scalar_one()
        )


def _record_end(engine: Engine, run_id: int, report: ImportReport, status: str, code: str | None) -> None:
    runs = schema.import_runs
    with engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                status=status,
                rows_total=report.rows_total,
                inserted=report.counts.inserted,
                updated=report.counts.updated,
                unchanged=report.counts.unchanged,
                rejected=report.rejected,
                error_code=code or (next(iter(report.issue_codes), None) if status == "rejected" else None),
                finished_at=dt.datetime.now().replace(microsecond=0),
            )
        )


def interrupted_runs(engine: Engine) -> list[dict[str, Any]]:
    """Runs that started but never finished (the process was killed): nothing of them was written."""
    runs = schema.import_runs
    with engine.connect() as conn:
        rows = conn.execute(select(runs).where(runs.c.status == "running").order_by(runs.c.id))
        return [dict(r._mapping) for r in rows]


def acknowledge_interrupted(engine: Engine) -> int:
    runs = schema.import_runs
    with engine.begin() as conn:
        return conn.execute(update(runs).where(runs.c.status == "running").values(status="interrupted")).rowcount
