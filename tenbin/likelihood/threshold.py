"""The high/low threshold: a number in the workspace settings, or chosen so sales is not over capacity.

Capacity mode. Weekly sales capacity C = Σ over teams of kind ``sales`` and ``account_sales`` of
the team's capacity per week, or, when the team has none, the sum of its active members'
(capacity per week, else 5 × capacity per day). The expected flow of ICP × high leads per week is
measured on the leads acquired in the last ``weeks`` weeks (default 13, a quarter) before the end
of the data (the latest acquisition on or before ``as_of``), each scored as of that end: flow(t) =
#{ICP leads with probability ≥ t} / weeks. The chosen threshold is the smallest t ≥ the base
threshold (the number setting, or the default) with flow(t) ≤ C: capacity only ever raises the
threshold above the base, never lowers it. ICP membership is a SQL condition on ``accounts``
handed in by the caller (the ICP slice sits above this one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, func, select

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.likelihood.errors import LIKELIHOOD_NO_CAPACITY, LIKELIHOOD_THRESHOLD_INVALID
from tenbin.likelihood.features import inputs_of, lead_features
from tenbin.likelihood.model import DEFAULT_THRESHOLD, probabilities
from tenbin.likelihood.store import current_model
from tenbin.workspace.common import read_setting, write_setting

THRESHOLD_KEY = "likelihood.threshold"
SALES_KINDS = ("sales", "account_sales")
DEFAULT_WEEKS = 13


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    mode: str  # "value" | "capacity"
    base: float
    capacity_per_week: float | None = None
    weeks: int | None = None
    window_from: dt.datetime | None = None
    window_to: dt.datetime | None = None
    icp_leads: int | None = None
    flow_per_week: float | None = None  # ICP × high leads per week at the chosen threshold

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("window_from", "window_to"):
            data[key] = None if data[key] is None else data[key].isoformat()
        return data


def clean_threshold(value: object) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not 0 < number < 1:
        raise TenbinError(LIKELIHOOD_THRESHOLD_INVALID, {"value": value}, Place(field="threshold"))
    return number


def base_threshold(conn: Connection) -> float:
    value = read_setting(conn, THRESHOLD_KEY)
    if isinstance(value, dict):
        value = value.get("base", value.get("value"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < float(value) < 1:
        return float(value)
    return DEFAULT_THRESHOLD


def set_threshold(engine: Engine, *, value: object, actor: str) -> ThresholdChoice:
    """Store a number as the threshold (audited)."""
    number = clean_threshold(value)
    choice = ThresholdChoice(number, "value", number)
    _save(engine, choice, actor)
    return choice


def _save(engine: Engine, choice: ThresholdChoice, actor: str) -> None:
    with write_transaction(engine) as conn:
        before = read_setting(conn, THRESHOLD_KEY)
        stored = {"value": choice.threshold, "mode": choice.mode, "base": choice.base}
        if choice.mode == "capacity":
            stored |= {"capacity_per_week": choice.capacity_per_week, "flow_per_week": choice.flow_per_week}
        write_setting(conn, THRESHOLD_KEY, stored)
        audit.record(conn, actor=actor, action="settings.likelihood_threshold", entity="setting",
                     entity_id=THRESHOLD_KEY, detail={"before": before, "after": stored})  # fmt: skip


def sales_capacity_per_week(conn: Connection) -> float | None:
    """Σ weekly capacity of the sales and account-sales teams (see the module docstring)."""
    t, m = schema.teams, schema.team_members
    member_week = func.coalesce(m.c.capacity_per_week, m.c.capacity_per_day * 5)
    members = select(func.sum(member_week)).where(m.c.team_id == t.c.id, m.c.is_active.is_(True)).scalar_subquery()
    per_team = func.coalesce(t.c.capacity_per_week, case((t.c.capacity_per_day.is_not(None), t.c.capacity_per_day * 5)),
                             members)  # fmt: skip
    total = conn.execute(select(func.sum(per_team)).where(t.c.kind.in_(SALES_KINDS))).scalar_one_or_none()
    return None if total is None else float(total)


def capacity_threshold(
    conn: Connection, *, icp_condition: ColumnElement[bool], as_of: dt.datetime | None = None,
    weeks: int = DEFAULT_WEEKS,
) -> ThresholdChoice:  # fmt: skip
    """The smallest threshold ≥ the base at which ICP × high leads per week fit the sales capacity."""
    capacity = sales_capacity_per_week(conn)
    if capacity is None or capacity <= 0:
        raise TenbinError(LIKELIHOOD_NO_CAPACITY, {})
    c, a = schema.contacts, schema.accounts
    when = as_of or dt.datetime.now().replace(microsecond=0)
    end = conn.execute(select(func.max(c.c.acquired_at)).where(c.c.acquired_at <= when)).scalar_one_or_none() or when
    start = end - dt.timedelta(weeks=weeks)
    ids = [
        int(i)
        for i in conn.execute(
            select(c.c.id).join(a, a.c.id == c.c.account_id).where(and_(c.c.acquired_at > start,
                                                                        c.c.acquired_at <= end, icp_condition))
        ).scalars()
    ]  # fmt: skip
    base = base_threshold(conn)
    p = probabilities(current_model(conn).weights, inputs_of(lead_features(conn, ids, end))) if ids else np.zeros(0)
    chosen = choose_threshold(p, weeks, capacity, base)
    flow = float((p >= chosen).sum()) / weeks
    return ThresholdChoice(chosen, "capacity", base, capacity, weeks, start, end, len(ids), round(flow, 2))


def choose_threshold(probabilities: np.ndarray[Any, Any], weeks: int, capacity: float, base: float) -> float:
    """Smallest t ≥ base with #{p ≥ t} / weeks ≤ capacity (pure). Raising t to just above the k-th
    highest probability leaves k−1 leads: allowed = floor(capacity × weeks) leads may stay high."""
    allowed = math.floor(capacity * weeks)
    ranked = np.sort(np.asarray(probabilities, dtype=np.float64))[::-1]
    if int((ranked >= base).sum()) <= allowed:
        return base
    cut = float(ranked[allowed])  # the first lead that no longer fits
    return float(min(np.nextafter(cut, 1.0), 1.0 - 1e-9))


def choose_by_capacity(
    engine: Engine, *, icp_condition: Callable[[Connection], ColumnElement[bool]], actor: str,
    as_of: dt.datetime | None = None, weeks: int = DEFAULT_WEEKS, dry_run: bool = False,
) -> ThresholdChoice:  # fmt: skip
    """Choose the threshold by capacity and store it (unless ``dry_run``). ``icp_condition(conn)``
    gives the SQL condition on ``accounts`` for the current ICP (the ICP slice's version_condition)."""
    with engine.connect() as conn:
        choice = capacity_threshold(conn, icp_condition=icp_condition(conn), as_of=as_of, weeks=weeks)
    if not dry_run:
        _save(engine, choice, actor)
    return choice
