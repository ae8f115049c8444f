"""名寄せ: finding the existing record a row describes, within the file and in the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table

from tenbin.imports.dbio import fetch_by, starts_empty_for_import
from tenbin.imports.handlers import Handler

Row = dict[str, Any]
LOOSE_KEY = ("name_key", "domain")


@dataclass(slots=True)
class Match:
    record_id: int | None = None
    existing: Row | None = None  # the database row, when matched there
    first_row: int | None = None  # the earlier file row, when matched within the file
    conflict: tuple[str, Any, int, str, Any, int] | None = None


NO_MATCH = Match()  # shared: never modified


class Matcher:
    """Matches rows of one entity by the handler's keys, remembering what this file created.

    A key's value is the bare cell value for one-column keys and a tuple otherwise. Record ids
    below zero are provisional (the engine takes real ids once per batch): :meth:`settle` swaps them.
    """

    def __init__(self, conn: Connection, table: Table, handler: Handler) -> None:
        self.conn, self.table, self.handler = conn, table, handler
        self.keys = handler.keys
        self.seen: list[dict[Any, tuple[int, int]]] = [{} for _ in self.keys]  # per key: value → (id, row)
        self._db: list[dict[Any, Row]] = [{} for _ in self.keys]
        self._by_name: dict[Any, list[Row]] = {}
        self._provisional: list[tuple[dict[Any, tuple[int, int]], Any]] = []
        # per key: (index, the column when the key has one, the key)
        self._plan = [(i, key[0] if len(key) == 1 else None, key) for i, key in enumerate(self.keys)]
        # When the table starts empty and no one else can write to it until the import ends, every
        # row in it is one this file created, which `seen` already knows by each one-column key.
        self._fresh_table = starts_empty_for_import(conn, table)

    def prefetch(self, rows: list[Row]) -> None:
        """Load the existing records the rows could match (by each key's anchor), unless already known."""
        self._by_name = {}
        for index, key in enumerate(self.keys):
            self._db[index] = {}
            if self._fresh_table and len(key) == 1:
                continue
            seen = self.seen[index]
            if len(key) == 1:
                anchor = key[0]
                anchors = [v for v in (r.get(anchor) for r in rows) if v not in seen]
            else:
                anchors = [v[0] for v in (tuple(map(r.get, key)) for r in rows) if v not in seen]
            found = fetch_by(self.conn, self.table, key[0], anchors)
            if len(key) == 1:
                self._db[index] = {e[key[0]]: e for e in found}
            else:
                self._db[index] = {tuple(e[c] for c in key): e for e in found}
            if key == LOOSE_KEY:
                for e in found:
                    self._by_name.setdefault(e["name_key"], []).append(e)

    def match(self, row: Row) -> Match:
        first: tuple[int, Row | None, int | None, int, Any] | None = None
        for index, anchor, key in self._plan:
            if anchor is not None:
                value: Any = row.get(anchor)
                if value is None:
                    continue
            else:
                value = tuple(map(row.get, key))
                if value[0] is None:
                    continue
            hit = self.seen[index].get(value)
            if hit is not None:
                found: tuple[int, Row | None, int | None] | None = (hit[0], None, hit[1])
            elif self._db[index] or key == LOOSE_KEY:
                found = self._stored(index, key, value)
            else:
                continue
            if found is None:
                continue
            record_id, existing, first_row = found
            if first is None:
                first = (record_id, existing, first_row, index, value)
            elif record_id != first[0]:
                first_key = self.keys[first[3]]
                conflict = ("/".join(first_key), _show(first_key, first[4]), first[0], "/".join(key), _show(key, value))
                return Match(first[0], first[1], first[2], (*conflict, record_id))
        return NO_MATCH if first is None else Match(first[0], first[1], first[2])

    def _stored(self, index: int, key: tuple[str, ...], value: Any) -> tuple[int, Row | None, int | None] | None:
        """A database record for a key value this file has not shown yet. For (name_key, domain)
        without an exact match: the database company of that name when unambiguous, else a row of
        this file with that name and no domain."""
        existing = self._db[index].get(value)
        if existing is not None:
            return int(existing["id"]), existing, None
        if key != LOOSE_KEY:
            return None
        existing = self._loose_name_match(value[0], value[1])
        if existing is not None:
            return int(existing["id"]), existing, None
        hit = self.seen[index].get((value[0], None)) if value[1] is not None else None
        return None if hit is None else (hit[0], None, hit[1])

    def _loose_name_match(self, name_key: Any, domain: Any) -> Row | None:
        """Same normalised name, and no domain on one side: the same company when unambiguous."""
        candidates = [e for e in self._by_name.get(name_key, []) if domain is None or e["domain"] is None]
        return candidates[0] if len(candidates) == 1 else None

    def remember(self, row: Row, record_id: int, row_no: int) -> None:
        entry = (record_id, row_no)  # one tuple shared by the row's keys
        for index, anchor, key in self._plan:
            if anchor is not None:
                value: Any = row.get(anchor)
                if value is None:
                    continue
            else:
                value = tuple(map(row.get, key))
                if value[0] is None:
                    continue
            seen = self.seen[index]
            if value not in seen:
                seen[value] = entry
                if record_id < 0:
                    self._provisional.append((seen, value))
            if key == LOOSE_KEY and value[1] is not None and (value[0], None) not in seen:
                seen[(value[0], None)] = entry
                if record_id < 0:
                    self._provisional.append((seen, (value[0], None)))

    def recall(self, row: Row) -> int:
        """The record a remembered row's first key (with a value) points at."""
        for index, key in enumerate(self.keys):
            value: Any = row.get(key[0]) if len(key) == 1 else tuple(map(row.get, key))
            if (value if len(key) == 1 else value[0]) is not None:
                return self.seen[index][value][0]
        raise KeyError("the row has no key")

    def settle(self, ids: Sequence[int]) -> None:
        """Replace provisional id -k by ids[k - 1] in everything remembered since the last call."""
        for seen, value in self._provisional:
            record_id, row_no = seen[value]
            seen[value] = (ids[-record_id - 1], row_no)
        self._provisional.clear()


def _show(key: tuple[str, ...], value: Any) -> Any:
    return value if len(key) == 1 else " / ".join("" if v is None else str(v) for v in value)
