"""名寄せ: finding the existing record a row describes, within the file and in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table

from tenbin.imports.dbio import fetch_by
from tenbin.imports.handlers import Handler

Row = dict[str, Any]


@dataclass
class Match:
    record_id: int | None = None
    existing: Row | None = None  # the database row, when matched there
    first_row: int | None = None  # the earlier file row, when matched within the file
    conflict: tuple[str, Any, int, str, Any, int] | None = None


@dataclass
class Matcher:
    """Matches rows of one entity by the handler's keys, remembering what this file created."""

    conn: Connection
    table: Table
    handler: Handler
    seen: dict[tuple[int, tuple[Any, ...]], tuple[int, int]] = field(default_factory=dict)
    _db: list[dict[tuple[Any, ...], Row]] = field(default_factory=list)
    _by_name: dict[Any, list[Row]] = field(default_factory=dict)

    def prefetch(self, rows: list[Row]) -> None:
        """Load the existing records any of these rows could match (by each key's anchor)."""
        self._db = []
        self._by_name = {}
        for key in self.handler.keys:
            anchor = key[0]
            found = fetch_by(self.conn, self.table, anchor, (r.get(anchor) for r in rows))
            self._db.append({tuple(e[c] for c in key): e for e in found})
            if key == ("name_key", "domain"):
                for e in found:
                    self._by_name.setdefault(e["name_key"], []).append(e)

    def match(self, row: Row) -> Match:
        result = Match()
        for index, key in enumerate(self.handler.keys):
            values = tuple(row.get(c) for c in key)
            if values[0] is None:
                continue
            record_id, existing, first_row = self._lookup(index, key, values)
            if record_id is None:
                continue
            if result.record_id is None:
                result.record_id, result.existing, result.first_row = record_id, existing, first_row
                first_key = (key, values)
            elif record_id != result.record_id:
                result.conflict = (
                    "/".join(first_key[0]),
                    _show(first_key[1]),
                    result.record_id,
                    "/".join(key),
                    _show(values),
                    record_id,
                )
                return result
        return result

    def _lookup(
        self, index: int, key: tuple[str, ...], values: tuple[Any, ...]
    ) -> tuple[int | None, Row | None, int | None]:
        hit = self.seen.get((index, values))
        if hit is not None:
            return hit[0], None, hit[1]
        existing = self._db[index].get(values) if index < len(self._db) else None
        if existing is None and key == ("name_key", "domain"):
            existing = self._loose_name_match(values[0], values[1])
            if existing is None:
                hit = self.seen.get((index, (values[0], None))) if values[1] is not None else None
                if hit is not None:
                    return hit[0], None, hit[1]
        if existing is None:
            return None, None, None
        return int(existing["id"]), existing, None

    def _loose_name_match(self, name_key: Any, domain: Any) -> Row | None:
        """Same normalised name, and no domain on one side: the same company when unambiguous."""
        candidates = [e for e in self._by_name.get(name_key, []) if domain is None or e["domain"] is None]
        return candidates[0] if len(candidates) == 1 else None

    def remember(self, row: Row, record_id: int, row_no: int) -> None:
        for index, key in enumerate(self.handler.keys):
            values = tuple(row.get(c) for c in key)
            if values[0] is not None:
                self.seen.setdefault((index, values), (record_id, row_no))
                if key == ("name_key", "domain") and values[1] is not None:
                    self.seen.setdefault((index, (values[0], None)), (record_id, row_no))


def _show(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else " / ".join("" if v is None else str(v) for v in values)
