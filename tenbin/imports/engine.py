"""The import run: read, convert, validate, match (名寄せ) and write one file in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tenbin.db import schema
from tenbin.imports import normalize as n
from tenbin.imports.convert import (
    IMPORT_DUPLICATE_KEY,
    IMPORT_MATCH_CONFLICT,
    IMPORT_REFERENCE_MISSING,
    IMPORT_REQUIRED_EMPTY,
    Converted,
    Issue,
    convert_row,
    preview,
)
from tenbin.imports.customs import CustomWriter
from tenbin.imports.dbio import IdAllocator, insert_rows, update_rows
from tenbin.imports.handlers import ACCOUNT, HANDLERS, Handler, derive_account
from tenbin.imports.mapping import Plan
from tenbin.imports.matching import Matcher
from tenbin.imports.refs import Resolver

Row = dict[str, Any]
Progress = Callable[[int], None]
MAX_ISSUES = 1000
MAX_CHANGES = 200


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Change:
    row: int
    record: str
    field: str
    old: Any
    new: Any


@dataclass
class RunState:
    rows_total: int = 0
    rejected: int = 0
    issues: list[Issue] = field(default_factory=list)
    issue_count: int = 0
    issue_codes: dict[str, int] = field(default_factory=dict)
    rejects: list[tuple[int, list[str], str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    change_count: int = 0
    conflicts: list[Change] = field(default_factory=list)
    conflict_count: int = 0
    counts: Counts = field(default_factory=Counts)
    account_counts: Counts = field(default_factory=Counts)


class ImportRun:
    """Processes rows in batches inside the caller's transaction; never commits."""

    def __init__(self, conn: Connection, plan: Plan, *, now: dt.datetime, lang: str, keep_rejects: bool) -> None:
        self.conn, self.plan, self.now, self.lang = conn, plan, now, lang
        self.keep_rejects = keep_rejects
        self.handler: Handler = HANDLERS[plan.entity.name]
        self.table = schema.metadata.tables[self.handler.table]
        self.state = RunState()
        self.ids = IdAllocator(conn, self.table)
        self.matcher = Matcher(conn, self.table, self.handler)
        self.resolver = Resolver(conn)
        self.customs = CustomWriter(conn, plan.entity.name)
        self.required_for_insert = [
            c.name
            for c in self.table.columns
            if not c.nullable
            and c.server_default is None
            and c.name in self.handler.columns
            and c.name not in self.handler.defaults
        ]
        self.embeds_account = (
            plan.entity.name == "contacts"
            and any(c.field is not None and c.field.target == "account" for c in plan.columns)
        ) or any(c.custom_target == "account" for c in plan.customs())
        if self.embeds_account:
            self.accounts = schema.accounts
            self.account_ids = IdAllocator(conn, self.accounts)
            self.account_matcher = Matcher(conn, self.accounts, ACCOUNT)
            self.account_customs = CustomWriter(conn, "accounts")
            self.account_first: dict[int, tuple[int, Row]] = {}

    # -- issues -----------------------------------------------------------------------------------
    def _reject(self, conv: Converted, issues: list[Issue]) -> None:
        st = self.state
        st.rejected += 1
        st.issue_count += len(issues)
        for issue in issues:
            st.issue_codes[issue.code] = st.issue_codes.get(issue.code, 0) + 1
        room = MAX_ISSUES - len(st.issues)
        if room > 0:
            st.issues.extend(issues[:room])
        if self.keep_rejects:
            st.rejects.append((conv.row, conv.raw, " / ".join(f"{i.code}: {i.message(self.lang)}" for i in issues)))

    def _column_of(self, field_name: str) -> str | None:
        col = self.plan.fields().get(field_name)
        return col.header if col else None

    # -- the batch --------------------------------------------------------------------------------
    def process(self, batch: list[tuple[int, list[str]]]) -> None:
        converted: list[Converted] = []
        for row_no, raw in batch:
            self.state.rows_total += 1
            conv, issues = convert_row(self.plan, row_no, raw)
            if issues:
                self._reject(conv, issues)
            else:
                converted.append(conv)
        rows = [self._derive(c) for c in converted]
        if self.embeds_account:
            self._upsert_accounts(converted, rows)
        ok = self._resolve(converted, rows)
        self._upsert(ok)

    def _derive(self, conv: Converted) -> Row:
        row = dict(conv.values)
        if self.handler.derive is not None:
            self.handler.derive(row)
        return row

    def _resolve(self, converted: list[Converted], rows: list[Row]) -> list[tuple[Converted, Row]]:
        errors = self.resolver.resolve(self.plan.entity.name, converted, rows)
        ok = []
        for conv, row in zip(converted, rows, strict=True):
            found = errors.get(conv.row)
            if found is None:
                ok.append((conv, row))
                continue
            field_name, target, key, value = found
            self._reject(
                conv,
                [
                    Issue(
                        conv.row,
                        self._column_of(field_name),
                        preview(value),
                        IMPORT_REFERENCE_MISSING,
                        {"target": target, "key": key, "value": value},
                    )
                ],
            )
        return ok

    def _upsert(self, items: list[tuple[Converted, Row]]) -> None:
        self.matcher.prefetch([row for _, row in items])
        inserts: list[tuple[Converted, Row]] = []
        updates: list[Row] = []
        custom_targets: list[tuple[int, dict[str, str], bool]] = []
        for conv, row in items:
            m = self.matcher.match(row)
            if m.conflict is not None:
                key_a, value_a, id_a, key_b, value_b, id_b = m.conflict
                self._reject(
                    conv,
                    [
                        Issue(
                            conv.row,
                            None,
                            None,
                            IMPORT_MATCH_CONFLICT,
                            {
                                "key_a": key_a,
                                "value_a": value_a,
                                "id_a": id_a,
                                "key_b": key_b,
                                "value_b": value_b,
                                "id_b": id_b,
                            },
                        )
                    ],
                )
                continue
            if m.first_row is not None:
                key = next(k for k in self.handler.keys if row.get(k[0]) is not None)
                value = " / ".join(str(row.get(c)) for c in key if row.get(c) is not None)
                self._reject(
                    conv,
                    [
                        Issue(
                            conv.row,
                            self._column_of(key[0]),
                            preview(value),
                            IMPORT_DUPLICATE_KEY,
                            {"key": "/".join(key), "value": value, "first_row": m.first_row},
                        )
                    ],
                )
                continue
            if m.record_id is None:
                missing = [c for c in self.required_for_insert if row.get(c) is None]
                if missing:
                    self._reject(
                        conv, [Issue(conv.row, None, None, IMPORT_REQUIRED_EMPTY, {"field": ", ".join(missing)})]
                    )
                    continue
                record_id = self.ids.take(1)[0]
                inserts.append((conv, {**self.handler.defaults, **row, "id": record_id}))
                custom_targets.append((record_id, conv.custom, True))
            else:
                record_id = m.record_id
                assert m.existing is not None
                changed = self._changes(conv.row, m.existing, row, self.state)
                if changed:
                    updates.append({**{c: m.existing[c] for c in self.handler.columns}, **changed, "_id": record_id})
                custom_targets.append((record_id, conv.custom, False))
            self.matcher.remember(row, record_id, conv.row)
        self._write(self.table, self.handler, [r for _, r in inserts], updates)
        changed_custom = self.customs.write(custom_targets)
        st = self.state
        st.counts.inserted += len(inserts)
        existing_ids = {t[0] for t in custom_targets if not t[2]}
        updated_ids = {u["_id"] for u in updates} | (changed_custom & existing_ids)
        st.counts.updated += len(updated_ids)
        st.counts.unchanged += len(existing_ids) - len(updated_ids)

    def _changes(self, row_no: int, existing: Row, row: Row, st: RunState) -> Row:
        """Non-empty incoming values that differ from the stored ones (empty cells never erase)."""
        changed = {}
        for column in self.handler.columns:
            new = row.get(column)
            if new is None or existing.get(column) == new:
                continue
            changed[column] = new
            st.change_count += 1
            if len(st.changes) < MAX_CHANGES:
                label = str(existing.get(self.handler.label) or existing.get("name") or existing["id"])
                st.changes.append(Change(row_no, label, column, existing.get(column), new))
        return changed

    def _write(self, table: Any, handler: Handler, inserts: list[Row], updates: list[Row]) -> None:
        columns = ("id", *handler.columns, "created_at", "updated_at")
        stamp = self.now
        insert_rows(
            self.conn,
            table,
            columns,
            ([r["id"], *(r.get(c) for c in handler.columns), stamp, stamp] for r in inserts),
        )
        for u in updates:
            u["updated_at"] = stamp
        update_rows(self.conn, table, (*handler.columns, "updated_at"), updates)

    # -- accounts embedded in lead files ----------------------------------------------------------
    def _upsert_accounts(self, converted: list[Converted], rows: list[Row]) -> None:
        pending: list[tuple[Converted, Row, Row]] = []
        for conv, row in zip(converted, rows, strict=True):
            if not conv.account or (
                "name" not in conv.account
                and "corporate_number" not in conv.account
                and "external_id" not in conv.account
            ):
                continue
            acc = dict(conv.account)
            if "domain" not in acc and row.get("email"):
                acc["domain"] = n.email_domain(row["email"])  # the company's domain, unless free mail
            derive_account(acc)
            pending.append((conv, row, acc))
        self.account_matcher.prefetch([acc for _, _, acc in pending])
        inserts, updates, custom_targets = [], [], []
        for conv, row, acc in pending:
            m = self.account_matcher.match(acc)
            if m.record_id is None:
                if "name" not in acc:
                    continue  # an id or 法人番号 alone cannot create a company; the lead stays unlinked
                record_id = self.account_ids.take(1)[0]
                inserts.append({**ACCOUNT.defaults, **acc, "id": record_id})
                self.account_first[record_id] = (conv.row, acc)
                custom_targets.append((record_id, conv.account_custom, True))
            elif m.first_row is not None:
                record_id = m.record_id
                self._note_conflicts(conv.row, record_id, acc)
            else:
                record_id = m.record_id
                assert m.existing is not None
                changed = self._changes(conv.row, m.existing, acc, self.state)
                if changed:
                    updates.append({**{c: m.existing[c] for c in ACCOUNT.columns}, **changed, "_id": record_id})
                    self.state.account_counts.updated += 1
                else:
                    self.state.account_counts.unchanged += 1
                self.account_first[record_id] = (conv.row, acc)
                custom_targets.append((record_id, conv.account_custom, False))
            self.account_matcher.remember(acc, record_id, conv.row)
            row["account_id"] = record_id
        self._write(self.accounts, ACCOUNT, inserts, updates)
        self.account_customs.write(custom_targets)
        self.state.account_counts.inserted += len(inserts)

    def _note_conflicts(self, row_no: int, record_id: int, acc: Row) -> None:
        """The same company appears again in the file with other values: keep the first, report."""
        first = self.account_first.get(record_id)
        if first is None:
            return
        first_row, first_values = first
        for column in ACCOUNT.columns:
            new, old = acc.get(column), first_values.get(column)
            if new is None or old is None or new == old or column == "name":
                continue
            self.state.conflict_count += 1
            if len(self.state.conflicts) < MAX_CHANGES:
                label = f"{first_values.get('name')} (row {first_row})"
                self.state.conflicts.append(Change(row_no, label, column, old, new))

    def finish(self) -> None:
        self.customs.finish()
        if self.embeds_account:
            self.account_customs.finish()


def batches(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


__all__ = ["Change", "Counts", "ImportRun", "RunState", "batches", "n"]
