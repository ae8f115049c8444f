"""Import of individual seminars from CSV/XLSX: one row per attendee (or per session without one).

The file is read by the importer's reader (:func:`tenbin.imports.sources.open_table`: encoding
detection — UTF-8, UTF-8 with BOM, CP932 (Shift-JIS), UTF-16 — and XLSX), headers matched by name in
Japanese or English. Rows with the same account, title and day are one session; a session already
stored with that account, title and day is reused, and an attendee already recorded (same contact, or
same typed name) is left as it is, so importing a file twice changes nothing. Every row is checked; any
bad row → nothing is written and the error names the row and column.

This is not (yet) an entity of the import wizard: the wizard's engine maps every entity through
``tenbin.imports.entities``, which would be a larger change than this slice owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, insert, select

from tenbin.db import schema as s
from tenbin.engagement import errors as e
from tenbin.engagement import seminars as sem
from tenbin.errors import Place, TenbinError
from tenbin.imports import normalize as n
from tenbin.imports.sources import open_table

HEADERS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "tenbin_account_id"),
    "external_id": ("external_id", "企業id", "取引先id", "会社id"),
    "corporate_number": ("corporate_number", "法人番号"),
    "company": ("company", "account", "account_name", "会社名", "企業名", "取引先名"),
    "title": ("title", "タイトル", "セミナー名", "テーマ"),
    "held_on": ("held_on", "date", "開催日", "実施日", "日付"),
    "campaign": ("campaign", "施策", "施策名"),
    "notes": ("notes", "メモ", "備考"),
    "contact": ("contact_id", "担当者id"),
    "email": ("email", "メール", "メールアドレス"),
    "name": ("name", "氏名", "参加者", "参加者名"),
    "department": ("department", "部署", "部署名"),
    "role": ("role", "役割", "購買グループ役割"),
    "level": ("level", "役職レベル", "レベル"),
}
ACCOUNT_KEYS = ("account_id", "external_id", "corporate_number", "company")


@dataclass
class ImportSummary:
    rows: int = 0
    encoding: str | None = None
    sessions_added: int = 0
    sessions_existing: int = 0
    attendees_added: int = 0
    attendees_existing: int = 0
    errors: list[TenbinError] = field(default_factory=list)
    added: set[int] = field(default_factory=set)  # sessions this file created (later rows reuse them)
    reused: set[int] = field(default_factory=set)  # sessions stored before this file


def _columns(header: list[str]) -> dict[str, int]:
    wanted = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = wanted.get(name.casefold())
        if key is not None and key not in found:
            found[key] = index
    missing = [k for k in ("title", "held_on") if k not in found]
    if not any(k in found for k in ACCOUNT_KEYS):
        missing.insert(0, "account")
    if missing:
        raise TenbinError(e.SEMINAR_IMPORT_COLUMNS, {"missing": ", ".join(missing)})
    return found


def read_seminar_file(path: Path | str, encoding: str | None) -> tuple[list[tuple[int, dict[str, str]]], ImportSummary]:
    """The rows as (row number, {field: cell}) and the summary with the encoding used."""
    with open_table(Path(path), encoding=encoding) as source:
        columns = _columns(source.header)
        rows = [(number, {k: values[i].strip() for k, i in columns.items() if i < len(values)})
                for number, values in source.rows()]  # fmt: skip
        return rows, ImportSummary(rows=len(rows), encoding=source.encoding)


def _account(conn: Connection, cells: dict[str, str], number: int) -> int:
    a = s.accounts
    for key in ACCOUNT_KEYS:
        value = cells.get(key, "")
        if not value:
            continue
        if key == "account_id":
            condition = a.c.id == int(value) if value.isdigit() else None
        elif key == "external_id":
            condition = a.c.external_id == value
        elif key == "corporate_number":
            condition = a.c.corporate_number == n.corporate_number(value)
        else:
            named = n.company_name(value)
            condition = None if named is None else a.c.name_key == named[1]
        found = None if condition is None else conn.execute(select(a.c.id).where(condition).order_by(a.c.id)).first()
        if found is None:
            raise TenbinError(e.SEMINAR_IMPORT_ACCOUNT, {"value": value}, Place(row=number, column=key))
        return int(found[0])
    raise TenbinError(e.SEMINAR_IMPORT_ACCOUNT, {"value": ""}, Place(row=number, column="account"))


def _session(conn: Connection, cells: dict[str, str], number: int, summary: ImportSummary) -> int:
    ss = s.seminar_sessions
    account_id = _account(conn, cells, number)
    title, day = sem.check_title(cells.get("title")), sem.parse_day(cells.get("held_on"))
    found = conn.execute(
        select(ss.c.id).where(ss.c.account_id == account_id, ss.c.title == title, ss.c.held_on == day)
    ).first()
    if found is not None:
        if int(found[0]) not in summary.added:
            summary.reused.add(int(found[0]))
            summary.sessions_existing = len(summary.reused)
        return int(found[0])
    values = {"account_id": account_id, "title": title, "held_on": day,
              "campaign_id": sem.find_campaign(conn, cells.get("campaign")),
              "notes": sem.check_text(cells.get("notes"), "notes", sem.MAX_NOTES)}  # fmt: skip
    new_id = int(conn.execute(insert(ss).values(**values).returning(ss.c.id)).scalar_one())
    summary.added.add(new_id)
    summary.sessions_added += 1
    return new_id


def _attendee(conn: Connection, session_id: int, cells: dict[str, str], summary: ImportSummary) -> None:
    sa, ss = s.seminar_attendees, s.seminar_sessions
    contact = cells.get("contact") or (n.email(cells["email"]) if cells.get("email") else None)
    if not contact and not cells.get("name"):
        return
    account_id = int(conn.execute(select(ss.c.account_id).where(ss.c.id == session_id)).scalar_one())
    values = {
        "contact_id": sem.find_contact(conn, account_id, contact),
        "name": sem.check_text(cells.get("name"), "name", sem.MAX_NAME),
        "department": sem.check_text(cells.get("department"), "department", sem.MAX_DEPARTMENT),
        "role": sem.check_role(cells.get("role")),
        "level": sem.check_level(cells.get("level")),
    }
    same = sa.c.contact_id == values["contact_id"] if values["contact_id"] is not None else sa.c.name == values["name"]
    if conn.execute(select(sa.c.id).where(sa.c.session_id == session_id, same)).first() is not None:
        summary.attendees_existing += 1
        return
    conn.execute(insert(sa).values(session_id=session_id, **values))
    summary.attendees_added += 1


def write_seminar_rows(
    conn: Connection, rows: list[tuple[int, dict[str, str]]], summary: ImportSummary
) -> ImportSummary:
    """Write every row in the caller's transaction; any bad row raises SEMINAR_IMPORT_ROWS (the
    caller's transaction then rolls back) with the first error and its place."""
    for number, cells in rows:
        try:
            session_id = _session(conn, cells, number, summary)
            _attendee(conn, session_id, cells, summary)
        except TenbinError as exc:
            place = exc.place if exc.place.row is not None else Place(row=number, column=exc.place.field)
            summary.errors.append(TenbinError(exc.error, exc.params, place))
    if summary.errors:
        first = summary.errors[0]
        where = f"row {first.place.row}, {first.place.column}" if first.place.column else f"row {first.place.row}"
        raise TenbinError(e.SEMINAR_IMPORT_ROWS, {"count": len(summary.errors), "first": f"{first.code} ({where})"},
                          first.place)  # fmt: skip
    return summary
