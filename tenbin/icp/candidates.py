"""New-ICP candidates (新たなICP候補): high-value customers the current ICP does not match, grouped
into subgroups by discovery (with the same evidence and gate), each with the campaigns and the
orientation (量/質) that brought its customers in and its trend over time.

A customer is "high-value" when its LTV is at least the median LTV of the current ICP's customers.
A customer's source is the campaign of the earliest response of any contact at its company.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, not_, select

from tenbin.db import schema
from tenbin.icp.attributes import load_catalog
from tenbin.icp.compile import to_sql
from tenbin.icp.discover import Candidate, Discovery, Options, discover_icp
from tenbin.icp.population import LtvBasis, revenue_by_account
from tenbin.icp.versions import IcpVersion, definition_sql, get_version, version_definition

TOP_SOURCES = 8


@dataclass(frozen=True)
class Source:
    campaign: str
    channel: str
    orientation: str  # quantity | quality
    customers: int


@dataclass(frozen=True)
class Period:
    quarter: str  # 2025-Q3 (calendar quarter of the customer's start)
    customers: int


@dataclass(frozen=True)
class NewCandidate:
    candidate: Candidate
    customers: int  # customers outside the ICP matching the candidate
    sources: tuple[Source, ...]
    orientation: dict[str, int]  # quantity / quality / unknown → customers
    trend: tuple[Period, ...]


@dataclass(frozen=True)
class NewCandidates:
    version: IcpVersion
    customers: int  # all customers
    outside: int  # customers the ICP does not match
    high_value_outside: int  # of those, LTV ≥ the median LTV of ICP customers
    icp_median_ltv: float | None
    discovery: Discovery
    items: tuple[NewCandidate, ...]


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _counts(conn: Connection, icp: ColumnElement[bool]) -> tuple[int, int, int, float | None]:
    rev = revenue_by_account(conn)
    a = schema.accounts
    rows = conn.execute(
        select(func.coalesce(icp, False), rev.c.ltv).select_from(a.join(rev, rev.c.account_id == a.c.id))
    ).all()
    inside = [float(ltv) for m, ltv in rows if m]
    median = statistics.median(inside) if inside else None
    outside = [float(ltv) for m, ltv in rows if not m]
    high = sum(1 for v in outside if median is not None and v >= median)
    return len(rows), len(outside), high, median


def _sources(conn: Connection, condition: ColumnElement[bool]) -> list[Source]:
    r, c, camp, a = schema.responses, schema.contacts, schema.campaigns, schema.accounts
    first = (
        select(c.c.account_id.label("account_id"), func.min(r.c.responded_at).label("at"))
        .select_from(r.join(c, c.c.id == r.c.contact_id))
        .where(c.c.account_id.isnot(None))
        .group_by(c.c.account_id)
        .subquery("first_touch")
    )
    query = (
        select(camp.c.name, camp.c.channel, camp.c.orientation, func.count(func.distinct(a.c.id)))
        .select_from(
            first.join(a, a.c.id == first.c.account_id)
            .join(c, c.c.account_id == a.c.id)
            .join(r, and_(r.c.contact_id == c.c.id, r.c.responded_at == first.c.at))
            .join(camp, camp.c.id == r.c.campaign_id)
        )
        .where(condition)
        .group_by(camp.c.name, camp.c.channel, camp.c.orientation)
        .order_by(func.count(func.distinct(a.c.id)).desc(), camp.c.name)
    )
    return [Source(name, channel, orientation, int(n)) for name, channel, orientation, n in conn.execute(query)]


def _trend(conn: Connection, condition: ColumnElement[bool]) -> list[Period]:
    rev = revenue_by_account(conn)
    a = schema.accounts
    start = func.coalesce(a.c.customer_since, rev.c.first_on)
    query = select(start).select_from(a.join(rev, rev.c.account_id == a.c.id)).where(condition)
    days = conn.execute(query).scalars()
    counts = Counter(_quarter(d) for d in days if d is not None)
    return [Period(q, counts[q]) for q in sorted(counts)]


def _customers(conn: Connection, condition: ColumnElement[bool]) -> int:
    rev = revenue_by_account(conn)
    a = schema.accounts
    query = select(func.count()).select_from(a.join(rev, rev.c.account_id == a.c.id)).where(condition)
    return int(conn.execute(query).scalar_one())


def find_new_candidates(
    conn: Connection, *, version: int | None = None, top_k: int = 10, seed: int = 0,
    ltv_basis: LtvBasis = "cumulative",
) -> NewCandidates:  # fmt: skip
    """Discovery among customers outside ICP ``version`` (current by default), with sources and trend."""
    catalog = load_catalog(conn)
    chosen = get_version(conn, version)
    definition = version_definition(conn, chosen, catalog)
    icp = definition_sql(definition)
    total, outside, high, median = _counts(conn, icp)
    options = Options(target="ltv", top_k=top_k, seed=seed, ltv_basis=ltv_basis, exclude=icp)
    discovery = discover_icp(conn, catalog, options)
    lines = schema.revenue_lines
    is_customer = schema.accounts.c.id.in_(select(lines.c.account_id).where(lines.c.account_id.isnot(None)))
    items = []
    for cand in discovery.candidates:
        condition = and_(to_sql(cand.node), not_(func.coalesce(icp, False)), is_customer)
        sources = _sources(conn, condition)
        orientation = Counter({"quantity": 0, "quality": 0})
        for s in sources:
            orientation[s.orientation if s.orientation in ("quantity", "quality") else "unknown"] += s.customers
        items.append(NewCandidate(cand, _customers(conn, condition), tuple(sources[:TOP_SOURCES]),
                                  dict(orientation), tuple(_trend(conn, condition))))  # fmt: skip
    return NewCandidates(chosen, total, outside, high, median, discovery, tuple(items))
