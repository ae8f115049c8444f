"""The import run: read, convert, validate, match (名寄せ) and write one file in one transaction."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.exc import SQLAlchemyError

from tenbin.db import schema
from tenbin.imports import normalize as n
from tenbin.imports.convert import (
    IMPORT_DUPLICATE_KEY,
    IMPORT_MATCH_CONFLICT,
    IMPORT_REFERENCE_MISSING,
    IMPORT_REQUIRED_EMPTY,
    BatchConverter,
    Converted,
    Issue,
    preview,
)
from tenbin.imports.customs import CustomWriter
from tenbin.imports.dbio import DeferredIndexes, IdAllocator, insert_rows, restore_sqlite, tune_session, update_rows
from tenbin.imports.handlers import ACCOUNT, HANDLERS, Handler, derive_account
from tenbin.imports.mapping import Plan
from tenbin.imports.matching import Match, Matcher
from tenbin.imports.refs import Resolver

Row = dict[str, Any]
Progress = Callable[[int], None]
MAX_ISSUES = 1000
MAX_CHANGES = 200
ACCOUNT_MEMO_MAX = 200_000  # derived companies kept for reuse when a company repeats in the file
_NO_DOMAIN: Any = object()  # the lead's email gives the company no domain


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


@dataclass
class _AccountBatch:
    """What one batch does to the companies of its leads."""

    next_id: int | None  # the first new company's id when known in advance (SQLite)
    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    custom_targets: list[tuple[int, dict[str, str], bool]] = field(default_factory=list)
    linked: list[Row] = field(default_factory=list)  # leads pointing at a provisional company id
    learned: list[tuple[Any, Row]] = field(default_factory=list)  # (signature, company) for later batches


class ImportRun:
    """Processes rows in batches inside the caller's transaction; never commits."""

    def __init__(self, conn: Connection, plan: Plan, *, now: dt.datetime, lang: str, keep_rejects: bool) -> None:
        self.conn, self.plan, self.now, self.lang = conn, plan, now, lang
        self.keep_rejects = keep_rejects
        self.handler: Handler = HANDLERS[plan.entity.name]
        self.table = schema.metadata.tables[self.handler.table]
        self.state = RunState()
        self.converter = BatchConverter(plan)
        self.headers = {name: col.header for name, col in plan.fields().items()}
        self.has_customs = any(c.custom_target != "account" for c in plan.customs())
        self.sqlite_cache = tune_session(conn)
        self.ids = IdAllocator(conn, self.table)
        self.indexes = {self.table.name: _deferred(conn, self.table, self.handler)}
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
            self._init_accounts()
        event.listen(conn, "rollback", self._on_rollback)  # an import that fails half-way never finishes
        weakref.finalize(self, gc.unfreeze)

    def _init_accounts(self) -> None:
        self.accounts = schema.accounts
        self.account_ids = IdAllocator(self.conn, self.accounts)
        self.indexes[self.accounts.name] = _deferred(self.conn, self.accounts, ACCOUNT)
        self.account_matcher = Matcher(self.conn, self.accounts, ACCOUNT)
        self.account_customs = CustomWriter(self.conn, "accounts")
        self.account_first: dict[int, tuple[int, Row]] = {}
        email = self.plan.fields().get("email")
        # Lead emails are already normalised by n.email: a company's domain then depends only on the host.
        self.domains: dict[str, str | None] | None = (
            {} if email is not None and email.field is not None and email.field.convert is n.email else None
        )
        indexes = [c.index for c in self.plan.columns if c.field is not None and c.field.target == "account"]
        self.account_cells: Callable[[list[str]], Any] | None = itemgetter(*indexes) if indexes else None
        self.account_width = max(indexes, default=-1) + 1
        self.account_known: dict[Any, tuple[Row, int]] = {}

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
        return self.headers.get(field_name)

    # -- the batch --------------------------------------------------------------------------------
    def process(self, batch: list[tuple[int, list[str]]]) -> None:
        with _quiet_gc():
            self._process(batch)

    def _process(self, batch: list[tuple[int, list[str]]]) -> None:
        self.state.rows_total += len(batch)
        converted, rejected = self.converter.convert(batch)
        for conv, issues in rejected:
            self._reject(conv, issues)
        rows = [c.values for c in converted]  # fresh dicts of this batch: derived in place
        derive = self.handler.derive
        if derive is not None:
            for row in rows:
                derive(row)
        default_name = self.handler.default_name
        if default_name is not None:
            for conv, row in zip(converted, rows, strict=True):
                if row.get("name") is None:
                    row["name"] = default_name(row, conv.account)
        if self.embeds_account:
            self._upsert_accounts(converted, rows)
        ok = self._resolve(converted, rows)
        self._upsert(ok)

    def _resolve(self, converted: list[Converted], rows: list[Row]) -> list[tuple[Converted, Row]]:
        errors = self.resolver.resolve(self.plan.entity.name, converted, rows)
        if not errors:
            return list(zip(converted, rows, strict=True))
        ok = []
        for conv, row in zip(converted, rows, strict=True):
            found = errors.get(conv.row)
            if found is None:
                ok.append((conv, row))
                continue
            field_name, target, key, value = found
            params = {"target": target, "key": key, "value": value}
            issue = Issue(conv.row, self._column_of(field_name), preview(value), IMPORT_REFERENCE_MISSING, params)
            self._reject(conv, [issue])
        return ok

    def _upsert(self, items: list[tuple[Converted, Row]]) -> None:
        matcher = self.matcher
        matcher.prefetch([row for _, row in items])
        inserts: list[Row] = []
        updates: list[Row] = []
        custom_targets: list[tuple[int, dict[str, str], bool]] = []
        existing_ids: set[int] = set()
        next_id = self.ids.upcoming()
        for conv, row in items:
            m = matcher.match(row)
            if m.record_id is None:
                if self.required_for_insert and self._lacks_required(conv, row):
                    continue
                record_id = _new_id(next_id, len(inserts))
                inserts.append(row)
                if self.has_customs:
                    custom_targets.append((record_id, conv.custom, True))
            elif m.conflict is not None or m.first_row is not None:
                self._reject_match(conv, row, m)
                continue
            else:
                record_id = m.record_id
                assert m.existing is not None
                changed = self._changes(conv.row, m.existing, row, self.state)
                if changed:
                    updates.append({**{c: m.existing[c] for c in self.handler.columns}, **changed, "_id": record_id})
                existing_ids.add(record_id)
                if self.has_customs:
                    custom_targets.append((record_id, conv.custom, False))
            matcher.remember(row, record_id, conv.row)
        ids = _settle(self.ids, next_id, matcher, len(inserts))
        self._write(self.table, self.handler, list(zip(ids, inserts, strict=True)), updates)
        changed_custom = self.customs.write(_real_ids(custom_targets, ids, next_id))
        st = self.state
        st.counts.inserted += len(inserts)
        updated_ids = {u["_id"] for u in updates} | (changed_custom & existing_ids)
        st.counts.updated += len(updated_ids)
        st.counts.unchanged += len(existing_ids) - len(updated_ids)

    def _lacks_required(self, conv: Converted, row: Row) -> bool:
        missing = [c for c in self.required_for_insert if row.get(c) is None]
        if missing:
            self._reject(conv, [Issue(conv.row, None, None, IMPORT_REQUIRED_EMPTY, {"field": ", ".join(missing)})])
        return bool(missing)

    def _reject_match(self, conv: Converted, row: Row, m: Match) -> None:
        """The row's keys point at two records, or at a row earlier in this file."""
        if m.conflict is not None:
            key_a, value_a, id_a, key_b, value_b, id_b = m.conflict
            params = {"key_a": key_a, "value_a": value_a, "id_a": id_a, "key_b": key_b, "value_b": value_b}
            params["id_b"] = id_b
            self._reject(conv, [Issue(conv.row, None, None, IMPORT_MATCH_CONFLICT, params)])
            return
        key = next(k for k in self.handler.keys if row.get(k[0]) is not None)
        value = " / ".join(str(row.get(c)) for c in key if row.get(c) is not None)
        params = {"key": "/".join(key), "value": value, "first_row": m.first_row}
        self._reject(conv, [Issue(conv.row, self._column_of(key[0]), preview(value), IMPORT_DUPLICATE_KEY, params)])

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

    def _write(self, table: Any, handler: Handler, inserts: list[tuple[int, Row]], updates: list[Row]) -> None:
        columns = ("id", *handler.columns, "created_at", "updated_at")
        stamp = self.now
        names = handler.columns
        defaults = [handler.defaults.get(c) for c in names]  # what {**defaults, **row}.get(c) gives
        self.indexes[table.name].before_insert(len(inserts))
        rows = [[i, *map(r.get, names, defaults), stamp, stamp] for i, r in inserts]
        insert_rows(self.conn, table, columns, rows, in_place=True)
        for u in updates:
            u["updated_at"] = stamp
        update_rows(self.conn, table, (*handler.columns, "updated_at"), updates)

    # -- accounts embedded in lead files ----------------------------------------------------------
    def _account_rows(
        self, converted: list[Converted], rows: list[Row]
    ) -> list[tuple[Converted, Row, Row, Any, int | None]]:
        """(lead, lead row, derived account, signature, known id) for every lead that names its company.

        The signature is the company's cells and domain. A company met in an earlier batch comes back
        as its known id and the dict derived then (never modified afterwards), signature None."""
        pending: list[tuple[Converted, Row, Row, Any, int | None]] = []
        cells, known, width = self.account_cells, self.account_known, self.account_width
        for conv, row in zip(converted, rows, strict=True):
            account = conv.account
            if not account or (
                "name" not in account and "corporate_number" not in account and "external_id" not in account
            ):
                continue
            email = None if "domain" in account else row.get("email")
            signature = None
            if cells is not None and len(conv.raw) >= width:
                signature = (cells(conv.raw), self._domain_key(email))
                hit = known.get(signature)
                if hit is not None:
                    pending.append((conv, row, hit[0], None, hit[1]))
                    continue
            acc = dict(account)
            if email:
                acc["domain"] = self._company_domain(email)  # the company's domain, unless free mail
            derive_account(acc)
            pending.append((conv, row, acc, signature, None))
        return pending

    def _domain_key(self, email: Any) -> Any:
        """What the company's domain depends on: the email's host when emails are normalised ASCII."""
        if not email:
            return _NO_DOMAIN
        if self.domains is not None and type(email) is str and email.isascii():
            return email.rpartition("@")[2]
        return (_NO_DOMAIN, self._company_domain(email))

    def _company_domain(self, email: Any) -> str | None:
        domains = self.domains
        if domains is None or type(email) is not str or not email.isascii():
            return n.email_domain(email)
        host = email.rpartition("@")[2]
        if host in domains:
            return domains[host]
        if len(domains) >= ACCOUNT_MEMO_MAX:
            domains.clear()
        found = domains[host] = n.email_domain(email)
        return found

    def _upsert_accounts(self, converted: list[Converted], rows: list[Row]) -> None:
        pending = self._account_rows(converted, rows)
        matcher = self.account_matcher
        matcher.prefetch([acc for _, _, acc, _, known in pending if known is None])
        batch = _AccountBatch(self.account_ids.upcoming())
        for conv, row, acc, signature, known in pending:
            if known is not None:
                # Met in an earlier batch: every key is remembered, so the match is the first key's
                # remembered record, as a repeat within the file (nothing new to remember).
                self._note_conflicts(conv.row, known, acc)
                row["account_id"] = known
                continue
            record_id = self._place_account(conv, acc, batch)
            if record_id is None:
                continue  # an id or 法人番号 alone cannot create a company; the lead stays unlinked
            matcher.remember(acc, record_id, conv.row)
            if signature is not None:
                batch.learned.append((signature, acc))
            row["account_id"] = record_id
            if record_id < 0:
                batch.linked.append(row)
        ids = _settle(self.account_ids, batch.next_id, matcher, len(batch.inserts))
        if batch.next_id is None:
            self._settle_accounts(ids, batch.linked)
        self._write(self.accounts, ACCOUNT, list(zip(ids, batch.inserts, strict=True)), batch.updates)
        self.account_customs.write(_real_ids(batch.custom_targets, ids, batch.next_id))
        self.state.account_counts.inserted += len(batch.inserts)
        self._learn(batch.learned)

    def _place_account(self, conv: Converted, acc: Row, batch: _AccountBatch) -> int | None:
        """The company's record: new (queued for insert), an earlier row's, or the database's."""
        m = self.account_matcher.match(acc)
        if m.record_id is None:
            if "name" not in acc:
                return None
            record_id = _new_id(batch.next_id, len(batch.inserts))
            batch.inserts.append(acc)
            self.account_first[record_id] = (conv.row, acc)
            batch.custom_targets.append((record_id, conv.account_custom, True))
        elif m.first_row is not None:
            record_id = m.record_id
            self._note_conflicts(conv.row, record_id, acc)
        else:
            record_id = m.record_id
            self._update_account(conv, acc, m, batch.updates)
            batch.custom_targets.append((record_id, conv.account_custom, False))
        return record_id

    def _learn(self, learned: list[tuple[Any, Row]]) -> None:
        """Keep this batch's companies (with the id their first key now gives) for later batches."""
        known = self.account_known
        for signature, acc in learned:
            if len(known) >= ACCOUNT_MEMO_MAX:
                known.clear()
            known.setdefault(signature, (acc, self.account_matcher.recall(acc)))

    def _settle_accounts(self, ids: list[int], linked: list[Row]) -> None:
        """Provisional company ids (PostgreSQL) → the ids taken, in the leads and first-seen values."""
        for row in linked:
            row["account_id"] = ids[-row["account_id"] - 1]
        for position, record_id in enumerate(ids, 1):
            self.account_first[record_id] = self.account_first.pop(-position)

    def _update_account(self, conv: Converted, acc: Row, m: Match, updates: list[Row]) -> None:
        """A company that exists in the database: report and queue the values that change."""
        assert m.existing is not None and m.record_id is not None
        changed = self._changes(conv.row, m.existing, acc, self.state)
        if changed:
            updates.append({**{c: m.existing[c] for c in ACCOUNT.columns}, **changed, "_id": m.record_id})
            self.state.account_counts.updated += 1
        else:
            self.state.account_counts.unchanged += 1
        self.account_first[m.record_id] = (conv.row, acc)

    def _note_conflicts(self, row_no: int, record_id: int, acc: Row) -> None:
        """The same company appears again in the file with other values: keep the first, report."""
        first = self.account_first.get(record_id)
        if first is None:
            return
        first_row, first_values = first
        if first_values is acc or first_values == acc:  # the usual repeat: same values, nothing to report
            return
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
        for indexes in self.indexes.values():
            indexes.rebuild()
        self._release()

    def _release(self) -> None:
        """Give back what the run borrowed: the SQLite page cache size, frozen GC generations."""
        previous, self.sqlite_cache = self.sqlite_cache, None
        gc.unfreeze()
        restore_sqlite(self.conn, previous)

    def _on_rollback(self, _conn: Connection) -> None:
        with suppress(SQLAlchemyError):  # best effort: never hide why the transaction is rolled back
            self._release()


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """No cyclic-GC pass during a batch, and what the batch leaves (the file's keys, its companies …)
    frozen afterwards, so later passes skip it: with a million rows, full passes over the growing
    heap would otherwise cost a third of the run. Memory is freed by reference counting as usual;
    :meth:`ImportRun.finish` (or the run's end, on errors) unfreezes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _deferred(conn: Connection, table: Any, handler: Handler) -> DeferredIndexes:
    """The table's indexes a long import may rebuild at the end: none the 名寄せ lookups read."""
    return DeferredIndexes(conn, table, {c for key in handler.keys for c in key} | {"id"})


def _new_id(next_id: int | None, position: int) -> int:
    """The id of the batch's position-th new record: known in advance on SQLite, else provisional
    (-1, -2, …) until the batch's ids are taken at once."""
    return -position - 1 if next_id is None else next_id + position


def _settle(allocator: IdAllocator, next_id: int | None, matcher: Matcher, count: int) -> list[int]:
    """Take the batch's new ids in row order; put them where provisional ids stood."""
    ids = allocator.take(count)
    if next_id is None:
        matcher.settle(ids)
    else:
        assert not ids or ids[0] == next_id
    return ids


def _real_ids(
    targets: list[tuple[int, dict[str, str], bool]], ids: list[int], next_id: int | None
) -> list[tuple[int, dict[str, str], bool]]:
    """Custom-value targets with provisional (negative) record ids replaced by the ones taken."""
    if next_id is not None:
        return targets
    return [(ids[-r - 1] if r < 0 else r, values, new) for r, values, new in targets]


def batches(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    iterator, size = iter(rows), max(size, 1)  # a size below 1 means batches of one, as it always did
    while batch := list(islice(iterator, size)):
        yield batch


__all__ = ["Change", "Counts", "ImportRun", "RunState", "batches", "n"]
