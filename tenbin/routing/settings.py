"""Routing settings: the response time (SLA, business hours) per quadrant and the business hours.

Stored in ``workspace_settings`` under ``routing``; defaults in :mod:`tenbin.routing.sla`
(ICP × high 1 h, ICP × low 8 h, non-ICP × high 24 h, non-ICP × low 72 h; 9:00–18:00 Monday–Friday).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from tenbin.auth import audit
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.routing import errors as e
from tenbin.routing.decide import QUADRANTS
from tenbin.routing.sla import DEFAULT_BUSINESS_HOURS, DEFAULT_SLA_HOURS
from tenbin.workspace.common import read_setting, write_setting

KEY = "routing"
SLA_MIN, SLA_MAX = 0.25, 720.0


@dataclass(frozen=True)
class RoutingSettings:
    sla_hours: dict[str, float]
    business_hours: tuple[int, int]

    def as_dict(self) -> dict[str, Any]:
        return {"sla_hours": dict(self.sla_hours), "business_hours": list(self.business_hours)}


def _hours(value: object) -> float | None:
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and SLA_MIN <= number <= SLA_MAX else None


def routing_settings(conn: Connection) -> RoutingSettings:
    stored = read_setting(conn, KEY)
    stored = stored if isinstance(stored, dict) else {}
    sla = dict(DEFAULT_SLA_HOURS)
    for quadrant, value in (stored.get("sla_hours") or {}).items():
        if quadrant in sla and (hours := _hours(value)) is not None:
            sla[quadrant] = hours
    hours = stored.get("business_hours")
    business = DEFAULT_BUSINESS_HOURS
    if (
        isinstance(hours, list)
        and len(hours) == 2
        and all(isinstance(h, int) for h in hours)
        and 0 <= hours[0] < hours[1] <= 24
    ):
        business = (hours[0], hours[1])
    return RoutingSettings(sla, business)


def save_routing_settings(engine: Engine, *, sla_hours: Mapping[str, object], actor: str) -> RoutingSettings:
    """Set the response time of some quadrants (business hours, 0.25–720); others keep theirs."""
    clean: dict[str, float] = {}
    for quadrant, value in sla_hours.items():
        hours = _hours(value) if quadrant in QUADRANTS else None
        if hours is None:
            raise TenbinError(e.ROUTING_SLA_INVALID, {"quadrant": quadrant, "value": value}, Place(field=quadrant))
        clean[quadrant] = hours
    with write_transaction(engine) as conn:
        before = routing_settings(conn)
        after = RoutingSettings({**before.sla_hours, **clean}, before.business_hours)
        write_setting(conn, KEY, after.as_dict())
        audit.record(conn, actor=actor, action="settings.routing", entity="workspace_settings", entity_id=KEY,
                     detail={"before": before.as_dict(), "after": after.as_dict()})  # fmt: skip
    return after
