"""The model in use: the adopted calibrated weights (``likelihood_models.is_current``) or the defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from tenbin.db import schema
from tenbin.likelihood.model import DEFAULT_WEIGHTS, Weights


@dataclass(frozen=True)
class CurrentModel:
    id: int | None  # None: the built-in defaults
    kind: str  # "default" | "calibrated"
    weights: Weights
    metrics: dict[str, Any] | None
    created_at: dt.datetime | None
    author: str | None
    is_current: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "weights": self.weights.as_dict(), "metrics": self.metrics,
            "created_at": None if self.created_at is None else self.created_at.isoformat(),
            "author": self.author, "is_current": self.is_current,
        }  # fmt: skip


_m = schema.likelihood_models
_CURRENT = select(_m).where(_m.c.is_current.is_(True)).order_by(_m.c.id.desc()).limit(1)  # built once


def current_model(conn: Connection) -> CurrentModel:
    """The adopted model (``likelihood_models.is_current``), or the built-in defaults."""
    row = conn.execute(_CURRENT).first()
    if row is None:
        return CurrentModel(None, "default", DEFAULT_WEIGHTS, None, None, None)
    return CurrentModel(row.id, row.kind, Weights.from_dict(row.weights), row.metrics, row.created_at, row.author)


def list_models(conn: Connection, limit: int = 20) -> list[CurrentModel]:
    """Stored calibrations, newest first."""
    m = schema.likelihood_models
    rows = conn.execute(select(m).order_by(m.c.id.desc()).limit(limit)).all()
    return [CurrentModel(r.id, r.kind, Weights.from_dict(r.weights), r.metrics, r.created_at, r.author, r.is_current)
            for r in rows]  # fmt: skip
