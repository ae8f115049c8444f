"""The audit log: who changed what, and when. Written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert

from tenbin.db import schema

# Keys never written to the log, whatever a caller passes (passwords, tokens, hashes).
_SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret", "csrf_token"})


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str | None = None,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Add one entry. ``action`` is a stable dotted verb (``user.add``, ``settings.stages``, …)."""
    clean = {k: v for k, v in (detail or {}).items() if k not in _SECRET_KEYS}
    values: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "detail": clean or None,
    }
    if now is not None:
        values["at"] = now
    conn.execute(insert(schema.audit_log).values(**values))
