"""Custom attributes: every unmapped column is kept per record, as text and, where it parses, as a
number and a date; the attribute's type is what all its values parse as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, select, tuple_, update

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.imports import normalize as n
from tenbin.imports.dbio import LOOKUP_CHUNK, IdAllocator, insert_rows

TYPES = ("number", "date", "boolean")


@dataclass
class _Attr:
    id: int
    type: str | None  # stored type, None when created by this run
    possible: set[str]  # types every value so far parses as
    touched: bool = False


def parse_custom(text: str, possible: set[str]) -> tuple[float | None, Any]:
    """The value as a number and a date, trying only types still possible for the attribute."""
    number = date = None
    if "number" in possible:
        try:
            number = n.parse_number(text)
        except TenbinError:
            possible.discard("number")
    if "date" in possible:
        try:
            date = n.parse_date(text)
        except TenbinError:
            possible.discard("date")
    if "boolean" in possible:
        try:
            n.parse_bool(text)
        except TenbinError:
            possible.discard("boolean")
    return number, date


class CustomWriter:
    def __init__(self, conn: Connection, entity: str) -> None:
        self.conn, self.entity = conn, entity
        self.attrs: dict[str, _Attr] = {}
        defs = schema.attribute_definitions
        for ident, key, typ in conn.execute(select(defs.c.id, defs.c.key, defs.c.type).where(defs.c.entity == entity)):
            self.attrs[key] = _Attr(int(ident), typ, set(TYPES))
        self._ids = IdAllocator(conn, defs)

    def _attr(self, key: str) -> _Attr:
        attr = self.attrs.get(key)
        if attr is None:
            ident = self._ids.take(1)[0]
            self.conn.execute(
                schema.attribute_definitions.insert().values(
                    id=ident, entity=self.entity, key=key, label=key, type="text"
                )
            )
            attr = self.attrs[key] = _Attr(ident, None, set(TYPES))
        return attr

    def write(self, targets: list[tuple[int, dict[str, str], bool]]) -> set[int]:
        """Store custom values of (record id, values, is_new); returns ids of existing records changed."""
        rows = []
        for record_id, values, _ in targets:
            for key, raw in values.items():
                text = n.nfkc_text(raw)
                if not text:
                    continue
                attr = self._attr(key)
                attr.touched = True
                number, date = parse_custom(text, attr.possible)
                rows.append((attr.id, record_id, text, number, date))
        if not rows:
            return set()
        old_ids = {t[0] for t in targets if not t[2]}
        existing = self._existing({(r[0], r[1]) for r in rows if r[1] in old_ids})
        fresh = [r for r in rows if (r[0], r[1]) not in existing]
        changed = [r for r in rows if (r[0], r[1]) in existing and existing[(r[0], r[1])] != r[2]]
        cv = schema.custom_values
        for attr_id, record_id, *_ in changed:
            self.conn.execute(delete(cv).where(and_(cv.c.attribute_id == attr_id, cv.c.record_id == record_id)))
        insert_rows(
            self.conn, cv, ("attribute_id", "record_id", "value_text", "value_number", "value_date"), fresh + changed
        )
        return {r[1] for r in changed} | {r[1] for r in fresh if r[1] in old_ids}

    def _existing(self, keys: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
        cv = schema.custom_values
        found: dict[tuple[int, int], str] = {}
        ordered = list(keys)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            part = ordered[start : start + LOOKUP_CHUNK]
            query = select(cv.c.attribute_id, cv.c.record_id, cv.c.value_text).where(
                tuple_(cv.c.attribute_id, cv.c.record_id).in_(part)
            )
            for a, r, t in self.conn.execute(query):
                found[(int(a), int(r))] = t
        return found

    def finish(self) -> None:
        """Fix each touched attribute's type: the narrowest type all its values have parsed as."""
        defs = schema.attribute_definitions
        for attr in self.attrs.values():
            if not attr.touched:
                continue
            new_type = next((t for t in TYPES if t in attr.possible), "text")
            if attr.type is not None and attr.type != new_type:
                new_type = "text"  # earlier values had another type: the attribute is mixed
            if attr.type != new_type:
                self.conn.execute(update(defs).where(defs.c.id == attr.id).values(type=new_type))
