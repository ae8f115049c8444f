"""The leads behind a number of the dashboard: one SQL statement per page of leads, with the same
definitions as the metrics slice (:mod:`tenbin.metrics.leads`), so the count on the list equals the
number that was clicked:

* a lead is in the first funnel stage at ``contacts.acquired_at``; it reached a later stage S at its
  earliest contact-level stage event for S or any stage after S;
* its first touch is its earliest response (ties: the lowest response id); ``(none)`` = no response;
* it is an ICP lead when it has an account and the account matches the ICP version's condition
  (built by the ICP slice), else a non-ICP lead;
* a period keeps the leads that reached the stage (or were acquired) between the two days, inclusive.

Only counts and one page of rows come back from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, FromClause, Select, and_, case, exists, func, select

from tenbin.db import schema as s
from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.icp.versions import get_version, version_condition

NONE_KEY = "(none)"  # the metrics slice's group of leads without a value
PAGE_SIZE = 100
EXPORT_BATCH = 2_000

DASHBOARD_STAGE_UNKNOWN = ErrorCode(
    "DASHBOARD_STAGE_UNKNOWN",
    "There is no funnel stage '{stage}'. Choose one of: {allowed}.",
    "ファネルステージ '{stage}' はありません。次のいずれかを選んでください: {allowed}。",
)


@dataclass(frozen=True)
class LeadSet:
    """Which leads: those that reached ``stage`` (``None``: the first stage) in the period, whose first
    touch was ``campaign`` (``(none)``: no response) with ``offer`` (``(none)``: no offer), ICP or not
    (``None``: both), under an ICP version."""

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


def _stage_position(conn: Connection, stage: str | None) -> tuple[str, int, bool]:
    """(code, position, is the first stage) of the stage; unknown stages are refused."""
    f = s.funnel_stages
    stages = conn.execute(select(f.c.code, f.c.position).order_by(f.c.position)).all()
    if not stages:
        return stage or "lead", 0, True
    code = stage or str(stages[0].code)
    for index, (found, position) in enumerate(stages):
        if found == code:
            return code, int(position), index == 0
    allowed = ", ".join(str(c) for c, _ in stages)
    raise TenbinError(DASHBOARD_STAGE_UNKNOWN, {"stage": code[:100], "allowed": allowed}, Place(field="stage"))


def _period(column: ColumnElement[Any], start: dt.date | None, end: dt.date | None) -> list[ColumnElement[bool]]:
    """Inclusive days on a timestamp column, bounded by the last microsecond of the day before and of
    the last day (as the metrics slice does, so SQLite's text timestamps compare right)."""
    found = []
    if start is not None:
        found.append(column > dt.datetime.combine(start - dt.timedelta(days=1), dt.time.max))
    if end is not None:
        found.append(column <= dt.datetime.combine(end, dt.time.max))
    return found


def _first_touch() -> Select[Any]:
    r = s.responses
    order = func.row_number().over(partition_by=r.c.contact_id, order_by=(r.c.responded_at, r.c.id))
    ranked = select(r.c.contact_id, r.c.campaign_id, r.c.offer_id, order.label("touch")).subquery("ranked_responses")
    return select(ranked.c.contact_id, ranked.c.campaign_id, ranked.c.offer_id).where(ranked.c.touch == 1)


def _campaign_condition(campaign: str) -> ColumnElement[bool]:
    c, r = s.contacts, s.responses
    if campaign == NONE_KEY:
        return ~exists().where(r.c.contact_id == c.c.id)
    touch = _first_touch().subquery("first_touch")
    named = select(touch.c.contact_id).join(s.campaigns, s.campaigns.c.id == touch.c.campaign_id)
    return c.c.id.in_(named.where(s.campaigns.c.name == campaign))


def _offer_condition(offer: str) -> ColumnElement[bool]:
    """First touch with that offer; ``(none)``: a first touch without an offer, or no response."""
    c = s.contacts
    touch = _first_touch().subquery("first_offer")
    if offer == NONE_KEY:
        return ~c.c.id.in_(select(touch.c.contact_id).where(touch.c.offer_id.is_not(None)))
    named = select(touch.c.contact_id).join(s.offers, s.offers.c.id == touch.c.offer_id)
    return c.c.id.in_(named.where(s.offers.c.name == offer))


def _source(position: int, first: bool) -> tuple[FromClause, ColumnElement[Any]]:
    c, a = s.contacts, s.accounts
    if first:
        return c.outerjoin(a, a.c.id == c.c.account_id), c.c.acquired_at
    ev, entered = s.stage_events, s.funnel_stages
    reached = (
        select(ev.c.contact_id, func.min(ev.c.entered_at).label("reached_at"))
        .select_from(ev.join(entered, entered.c.id == ev.c.stage_id))
        .where(ev.c.contact_id.is_not(None), entered.c.position >= position)
        .group_by(ev.c.contact_id)
        .subquery("reached")
    )
    source = reached.join(c, c.c.id == reached.c.contact_id).outerjoin(a, a.c.id == c.c.account_id)
    return source, reached.c.reached_at


@dataclass(frozen=True)
class _Query:
    stage: str
    icp_version: int
    count: Select[Any]
    rows: Select[Any]  # newest first


def _query(conn: Connection, lead_set: LeadSet) -> _Query:
    c, a = s.contacts, s.accounts
    stage, position, first = _stage_position(conn, lead_set.stage)
    number = get_version(conn, lead_set.icp_version).version
    condition = version_condition(conn, number)
    source, reached_at = _source(position, first)
    flag = case((and_(a.c.id.is_not(None), condition), 1), else_=0)
    where = _period(reached_at, lead_set.period_from, lead_set.period_to)
    if lead_set.campaign is not None:
        where.append(_campaign_condition(lead_set.campaign))
    if lead_set.offer is not None:
        where.append(_offer_condition(lead_set.offer))
    if lead_set.icp is not None:
        where.append(flag == (1 if lead_set.icp else 0))
    columns = (c.c.id, c.c.last_name, c.c.first_name, c.c.email, c.c.department, c.c.title, c.c.owner,
               a.c.id.label("account_id"), a.c.name.label("company"), c.c.acquired_at,
               reached_at.label("reached_at"), flag.label("is_icp"))  # fmt: skip
    rows = select(*columns).select_from(source).where(*where).order_by(reached_at.desc(), c.c.id.desc())
    return _Query(stage, number, select(func.count()).select_from(source).where(*where), rows)


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
