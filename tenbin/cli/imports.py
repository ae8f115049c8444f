"""``tenbin import`` / ``tenbin export`` / ``tenbin entities`` / ``tenbin import-runs``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tenbin.cli.common import State, err, out, print_json, state
from tenbin.errors import ErrorCode, TenbinError
from tenbin.imports.entities import ENTITIES, ENTITY_NAMES
from tenbin.imports.export import export_entity
from tenbin.imports.service import ImportOptions, ImportReport, import_file, interrupted_runs, resolve_entity

IMPORT_REJECTED = ErrorCode(
    "IMPORT_REJECTED",
    en="{rejected} of {rows} rows are invalid, so nothing was imported. Fix them, or pass --skip-invalid "
    "to import the valid rows and write the others to a rejects file.",
    ja="{rows} 行中 {rejected} 行に誤りがあるため、何も取り込んでいません。修正するか、--skip-invalid で"
    "正しい行だけを取り込み、誤りのある行を別ファイルに書き出してください。",
)


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    app.command("entities")(entities_cmd)
    app.command("import-runs")(runs_cmd)


def import_cmd(
    ctx: typer.Context,
    entity: str = typer.Argument(
        ...,
        help="accounts, contacts (leads), campaigns, offers, responses, stages, "
        "stage-events, opportunities, revenue, buying-group, challenges, teams, members",
    ),
    file: Path = typer.Argument(..., help="CSV or XLSX file"),
    encoding: str | None = typer.Option(
        None, "--encoding", help="utf-8 | utf-8-sig | cp932 (Shift-JIS); default: detect"
    ),
    preset: str | None = typer.Option(
        None, "--preset", help="salesforce | hubspot | houjin | generic; default: detect"
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="JSON mapping file: header → field"),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX worksheet (default: the first)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import valid rows; write the rest to FILE.rejects.csv"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    no_progress: bool = typer.Option(False, "--no-progress"),
) -> None:
    """Import a CSV/XLSX file (UTF-8, UTF-8 BOM or Shift-JIS; Japanese or English headers)."""
    st = state(ctx)
    engine = st.engine()
    for run in interrupted_runs(engine):
        err.print(
            st.t(
                f"注意: 取込 #{run['id']} ({run['filename']}) は完了していません。"
                "中断された取込は何も書き込んでいません。",
                f"Note: import #{run['id']} ({run['filename']}) never finished; an interrupted import wrote nothing.",
            )
        )
    opts = ImportOptions(
        encoding=encoding,
        preset=preset,
        mapping=mapping,
        sheet=sheet,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        lang=st.lang,
        batch_rows=st.settings.import_batch_rows,
    )
    show = not json_out and not no_progress and err.is_terminal
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as bar:
        task = bar.add_task(file.name, total=file.stat().st_size if file.exists() else None, rows=0, rate="")

        def progress(rows: int, done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0
            rate = f"{rows / elapsed:,.0f} rows/s" if elapsed else ""
            bar.update(task, completed=done or None, total=total, rows=rows, rate=rate)

        report = import_file(engine, resolve_entity(entity), file, opts, progress=progress)
    if json_out:
        print_json(report.as_dict())
    else:
        _print_report(st, report)
    if report.status == "rejected":
        raise TenbinError(IMPORT_REJECTED, {"rejected": report.rejected, "rows": report.rows_total})


def _print_report(st: State, r: ImportReport) -> None:
    t = st.t
    detected = t("自動判定", "detected") if r.encoding_detected else t("指定", "forced")
    out.print(
        t(
            f"ファイル: {r.path}  文字コード: {r.encoding_label} ({detected})  プリセット: {r.preset}",
            f"File: {r.path}  encoding: {r.encoding_label} ({detected})  preset: {r.preset}",
        )
    )
    if r.custom_attributes:
        out.print(
            t("カスタム属性として保持する列: ", "Columns kept as custom attributes: ") + ", ".join(r.custom_attributes)
        )
    status = {
        "committed": t("取り込みました", "imported"),
        "dry_run": t("確認のみ(書き込みなし)", "dry run (nothing written)"),
        "rejected": t("取り込みを中止しました(書き込みなし)", "rejected (nothing written)"),
    }[r.status]
    c = r.counts
    out.print(
        t(
            f"{status}: {r.rows_total:,} 行 — 新規 {c.inserted:,} / 更新 {c.updated:,} / "
            f"変更なし {c.unchanged:,} / エラー {r.rejected:,}",
            f"{status}: {r.rows_total:,} rows — new {c.inserted:,} / updated {c.updated:,} / "
            f"unchanged {c.unchanged:,} / invalid {r.rejected:,}",
        )
    )
    if r.account_counts is not None:
        a = r.account_counts
        out.print(
            t(
                f"  企業: 新規 {a.inserted:,} / 更新 {a.updated:,} / 変更なし {a.unchanged:,}",
                f"  accounts: new {a.inserted:,} / updated {a.updated:,} / unchanged {a.unchanged:,}",
            )
        )
    if r.seconds:
        out.print(
            t(
                f"  {r.seconds:.1f} 秒 ({r.rows_total / r.seconds:,.0f} 行/秒)",
                f"  {r.seconds:.1f} s ({r.rows_total / r.seconds:,.0f} rows/s)",
            )
        )
    _print_issues(st, r)
    _print_changes(st, r)
    if r.formula_cells:
        out.print(
            t(
                f"  注意: 数式セル {r.formula_cells} 個は数式の文字列として取り込みました(実行しません)。",
                f"  Note: {r.formula_cells} formula cells were imported as text (never evaluated).",
            )
        )
    if r.rejects_path:
        out.print(t(f"  取り込めなかった行: {r.rejects_path}", f"  Rows not imported: {r.rejects_path}"))


def _print_issues(st: State, r: ImportReport) -> None:
    """Errors grouped by kind first (one message per code and column), then the first rows one per line."""
    if not r.issues:
        return
    t = st.t
    out.print(
        t(f"エラー: {r.issue_count:,} 件({r.rejected:,} 行)", f"Errors: {r.issue_count:,} in {r.rejected:,} rows")
    )
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for i in r.issues:
        groups.setdefault((i["code"], i["column"] or ""), []).append(i)
    table = Table(show_lines=True)
    table.add_column(t("コード / 列", "code / column"), overflow="fold")
    table.add_column(t("件数", "count"), justify="right")
    table.add_column(t("行(先頭)", "first rows"), overflow="fold")
    table.add_column(t("内容(最初の行)", "reason (first row)"), overflow="fold", ratio=1)
    for (code, column), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        rows = ", ".join(str(i["row"]) for i in items[:5]) + (" …" if len(items) > 5 else "")
        table.add_row(f"{code}\n{column}", f"{len(items):,}", rows, items[0]["message"])
    out.print(table)
    shown = r.issues[:20]
    for i in shown:
        value = "" if i["value"] in (None, "") else f" = {i['value']!r}"
        out.print(f"  {t('行', 'row')} {i['row']} · {i['column'] or '-'}{value} · {i['code']}", markup=False)
    if r.issue_count > len(shown):
        out.print(
            t(
                f"  …ほか {r.issue_count - len(shown):,} 件(--json ですべて表示)",
                f"  …and {r.issue_count - len(shown):,} more (--json shows all)",
            )
        )


def _print_changes(st: State, r: ImportReport) -> None:
    if r.change_count:
        out.print(
            st.t(
                f"  既存の値を変更した項目: {r.change_count:,} 件",
                f"  Existing values changed: {r.change_count:,}",
            )
        )
        for c in r.changes[:10]:
            out.print(
                f"    {st.t('行', 'row')} {c.row}: {c.record} · {c.field}: {c.old!s} → {c.new!s}",
                markup=False,
            )
    if r.conflict_count:
        out.print(
            st.t(
                f"  ファイル内で食い違う値(最初の値を採用): {r.conflict_count:,} 件",
                f"  Conflicting values within the file (first value kept): {r.conflict_count:,}",
            )
        )
        for c in r.conflicts[:10]:
            out.print(
                f"    {st.t('行', 'row')} {c.row}: {c.record} · {c.field}: {c.old!s} ≠ {c.new!s}",
                markup=False,
            )


def export_cmd(
    ctx: typer.Context,
    entity: str = typer.Argument(..., help="the entity to export (see `tenbin entities`)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="file to write (default: ENTITY.csv / .xlsx)"),
    fmt: str = typer.Option("csv", "--format", help="csv | xlsx"),
    encoding: str = typer.Option(
        "utf-8-sig", "--encoding", help="utf-8-sig (UTF-8 with BOM, default) | cp932 (Shift-JIS)"
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Export an entity to CSV (UTF-8 with BOM, opens in Excel) or XLSX."""
    st = state(ctx)
    name = resolve_entity(entity)
    path = output or Path(f"{name}.{fmt}")
    count = export_entity(st.engine(), name, path, fmt=fmt, encoding=encoding)
    if json_out:
        print_json({"entity": name, "path": str(path), "rows": count, "format": fmt, "encoding": encoding})
    else:
        out.print(st.t(f"{count:,} 行を {path} に書き出しました。", f"Wrote {count:,} rows to {path}."))


def entities_cmd(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List importable entities and their fields with the header names they accept."""
    st = state(ctx)
    data = {
        name: [{"field": f.name, "required": f.required, "headers": list(f.headers)} for f in ENTITIES[name].fields]
        for name in ENTITY_NAMES
    }
    if json_out:
        print_json(data)
        return
    for name in ENTITY_NAMES:
        table = Table(title=f"{name} ({ENTITIES[name].label_ja})")
        table.add_column(st.t("項目", "field"))
        table.add_column(st.t("必須", "required"))
        table.add_column(st.t("受け付ける見出し", "accepted headers"), overflow="fold")
        for f in ENTITIES[name].fields:
            table.add_row(f.name, "✓" if f.required else "", ", ".join(f.headers))
        out.print(table)


def runs_cmd(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json"),
    limit: int = typer.Option(20, "--limit"),
) -> None:
    """Recent imports with their status (an interrupted one stays 'running' and wrote nothing)."""
    from sqlalchemy import select

    from tenbin.db import schema

    st = state(ctx)
    runs = schema.import_runs
    with st.engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit))]
    if json_out:
        print_json(rows)
        return
    table = Table()
    for col in (
        "id",
        "entity",
        "filename",
        "status",
        "rows_total",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "started_at",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(
                str(r[c])
                for c in (
                    "id",
                    "entity",
                    "filename",
                    "status",
                    "rows_total",
                    "inserted",
                    "updated",
                    "unchanged",
                    "rejected",
                    "started_at",
                )
            )
        )
    out.print(table)
