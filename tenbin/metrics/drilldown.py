"""The leads behind a number: the leads a metric counted, listed one page at a time or streamed for
an export, built from the same relations as the metrics (:mod:`tenbin.metrics.leads`: stage reached,
first touch, ICP flag, inclusive days), so the count of a list equals the number it was opened from.

Only the count and one page of rows come back from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from tenbin.db import schema as s
from tenbin.icp.versions import get_version, version_condition
from tenbin.metrics import leads as lq
from tenbin.metrics.model import NONE_KEY

__all__ = ["EXPORT_BATCH", "NONE_KEY", "PAGE_SIZE", "LeadPage", "LeadSet", "all_leads", "list_leads"]

PAGE_SIZE = 100
EXPORT_BATCH = 2_000


@dataclass(frozen=True)
class LeadSet:
    """Which leads: those that reached ``stage`` (``None``: the first stage) in the period, whose first
    touch was ``campaign`` (``(none)``: no response) with ``offer`` (``(none)``: no offer), ICP or not
    (``None``: both), under an ICP version (``None``: the current one)."""

    stage: str | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    campaign: str | None = None
    offer: str | None = None
    icp: bool | None = None
    icp_version: int | None = None


@dataclass(frozen=True)
class LeadPage:
    lead_set: LeadSet
    stage: str
    icp_version: int
    total: int
    offset: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class _Query:
    stage: str
    icp_version: int
    count: Select[Any]
    rows: Select[Any]  # newest first


def _query(conn: Connection, lead_set: LeadSet) -> _Query:
    c, a = s.contacts, s.accounts
    funnel = lq.load_funnel(conn)
    stage = lead_set.stage or funnel.first
    funnel.position(stage)  # an unknown stage is METRICS_UNKNOWN_STAGE
    number = get_version(conn, lead_set.icp_version).version
    chosen = {"campaign": lead_set.campaign, "offer": lead_set.offer}
    wanted: dict[str, tuple[str, ...]] = {name: (value,) for name, value in chosen.items() if value is not None}
    leads = lq.lead_source(set(wanted), lq.reach(funnel, only=stage))
    flag = lq.icp_flag(version_condition(conn, number))
    where = lq.period_conditions(leads.date, lead_set.period_from, lead_set.period_to)
    where += lq.filter_conditions(leads.columns, wanted)
    if lead_set.icp is not None:
        where.append(flag == (1 if lead_set.icp else 0))
    columns = (c.c.id, c.c.last_name, c.c.first_name, c.c.email, c.c.department, c.c.title, c.c.owner,
               a.c.id.label("account_id"), a.c.name.label("company"), c.c.acquired_at,
               leads.date.label("reached_at"), flag.label("is_icp"))  # fmt: skip
    rows = select(*columns).select_from(leads.source).where(*where).order_by(leads.date.desc(), c.c.id.desc())
    return _Query(stage, number, select(func.count()).select_from(leads.source).where(*where), rows)


def list_leads(engine: Engine, lead_set: LeadSet, *, offset: int = 0, limit: int = PAGE_SIZE) -> LeadPage:
    """The number of leads in ``lead_set`` and one page of them (newest first)."""
    with engine.connect() as conn:
        query = _query(conn, lead_set)
        total = int(conn.execute(query.count).scalar_one())
        rows = [dict(row._mapping) for row in conn.execute(query.rows.offset(offset).limit(limit))]
        _add_first_touch(conn, rows)
    return LeadPage(lead_set, query.stage, query.icp_version, total, offset, rows)


@contextmanager
def all_leads(engine: Engine, lead_set: LeadSet) -> Iterator[Iterator[dict[str, Any]]]:
    """Every lead of ``lead_set`` (newest first), streamed in batches for an export; each batch gets
    its first-touch campaigns with one statement."""
    with engine.connect() as conn:
        query = _query(conn, lead_set)
        result = conn.execution_options(yield_per=EXPORT_BATCH).execute(query.rows)

        def batches() -> Iterator[dict[str, Any]]:
            for part in result.partitions():
                rows = [dict(row._mapping) for row in part]
                _add_first_touch(conn, rows)
                yield from rows

        yield batches()


def _add_first_touch(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Each shown lead's first-touch campaign (only for the page's leads)."""
    ids = [row["id"] for row in rows]
    for row in rows:
        row["campaign"] = None
    if not ids:
        return
    r = s.responses
    order = func.row_number().over(partition_by=r.c.contact_id, order_by=(r.c.responded_at, r.c.id))
    ranked = select(r.c.contact_id, r.c.campaign_id, order.label("touch")).where(r.c.contact_id.in_(ids)).subquery()
    found = select(ranked.c.contact_id, s.campaigns.c.id, s.campaigns.c.name).join(
        s.campaigns, s.campaigns.c.id == ranked.c.campaign_id
    )
    names = {int(cid): (int(mid), str(name)) for cid, mid, name in conn.execute(found.where(ranked.c.touch == 1))}
    for row in rows:
        row["campaign"] = names.get(row["id"])
