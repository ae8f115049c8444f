"""The rows discovery searches, read from the database: who is in the population, their target and
date, and their account attributes as in-memory :class:`~tenbin.icp.selectors.Column` objects.

Targets (DOMAIN.md §5):

* ``ltv`` — customers (accounts with revenue lines); LTV = Σ gross profit when every revenue line
  has one, else Σ revenue (the basis is reported). ``annualised``: LTV × 12 / months as a customer
  (from the first revenue line to the workspace's last one, at least 6 months), which removes the
  head start of early customers.
* ``won`` — closed opportunities (won or lost) with an account; target 1 when won, so the mean
  is the win rate.
* ``retained`` — customers whose first revenue line is at least 12 months before the workspace's
  last one; target 1 when they still had revenue 12 months or more after their first line.
* any numeric account attribute (standard or custom) — customers when there are any, else all
  accounts; rows where the attribute is present; the attribute itself is not a search column.

The aggregates (LTV, first/last revenue, win/closed counts) are computed in SQL; only one row per
population member comes to Python. :class:`Customers` holds every customer once (LTV, dates,
retention, challenge categories): the ``ltv`` and ``retained`` populations are read from it, and
discovery shares the same table with the evidence of every candidate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, select

from tenbin.db import schema
from tenbin.icp.attributes import Attribute, Catalog
from tenbin.icp.columns import account_columns
from tenbin.icp.fetch import columns_of, dates, fetch_tuples, float_array, int_array, months_between, slots
from tenbin.icp.selectors import Column

LtvBasis = Literal["cumulative", "annualised"]
MIN_MONTHS = 6
RETENTION_MONTHS = 12


@dataclass(frozen=True)
class Population:
    """One row per population member (customer, or closed opportunity for ``won``)."""

    target: str
    target_label: str
    binary: bool
    account_ids: np.ndarray  # int64, the account of each row
    values: np.ndarray  # float64 target
    dates: np.ndarray  # datetime64[D]; NaT when unknown (the split falls back to random)
    columns: tuple[Column, ...]
    basis: str  # "gross_profit" | "revenue" | "" (not an LTV target)


def revenue_basis(conn: Connection) -> str:
    r = schema.revenue_lines
    total, with_profit = conn.execute(select(func.count(), func.count(r.c.gross_profit))).one()
    return "gross_profit" if total and total == with_profit else "revenue"


def revenue_by_account(conn: Connection) -> Any:
    """Subquery: account_id, ltv, first_on, last_on, over accounts with revenue lines."""
    r = schema.revenue_lines
    amount = r.c.gross_profit if revenue_basis(conn) == "gross_profit" else r.c.amount
    return (
        select(
            r.c.account_id.label("account_id"),
            func.sum(amount).label("ltv"),
            func.min(r.c.recognized_on).label("first_on"),
            func.max(r.c.recognized_on).label("last_on"),
        )
        .where(r.c.account_id.isnot(None))
        .group_by(r.c.account_id)
        .subquery("revenue_by_account")
    )


def last_revenue_date(conn: Connection) -> dt.date | None:
    value: dt.date | None = conn.execute(select(func.max(schema.revenue_lines.c.recognized_on))).scalar()
    return value


@dataclass(frozen=True)
class Customers:
    """Every customer (account with revenue lines) once: for the ``ltv`` and ``retained`` populations
    and for the evidence of many conditions."""

    ids: np.ndarray  # account ids, sorted
    ltv: np.ndarray
    since: np.ndarray  # datetime64[D]: customer_since, else the first revenue line
    first_on: np.ndarray  # datetime64[D]: the first revenue line
    eligible: np.ndarray  # first revenue at least 12 months before the workspace's last line
    retained: np.ndarray  # and revenue 12 months or more after the first line
    categories: tuple[str, ...]  # every challenge category, in display order
    has_category: np.ndarray  # customers × categories, bool
    basis: str
    accounts_total: int
    prospects: int  # accounts without revenue lines: the market the evidence looks for matches in


def load_customers(conn: Connection) -> Customers:
    rev, a = revenue_by_account(conn), schema.accounts
    since = func.coalesce(a.c.customer_since, rev.c.first_on)
    query = select(rev.c.account_id, rev.c.ltv, since, rev.c.first_on, rev.c.last_on).outerjoin(
        a, a.c.id == rev.c.account_id
    )
    account_ids, ltv, starts, firsts, lasts = columns_of(fetch_tuples(conn, query.order_by(rev.c.account_id)), 5)
    ids, first = int_array(account_ids), dates(firsts)
    end = last_revenue_date(conn)
    if end is None:
        eligible = np.zeros(len(ids), dtype=bool)
    else:
        eligible = months_between(first, np.datetime64(end, "D")) >= RETENTION_MONTHS
    retained = months_between(first, dates(lasts)) >= RETENTION_MONTHS
    cat = schema.challenge_categories
    categories = conn.execute(select(cat.c.id, cat.c.name).order_by(cat.c.position, cat.c.id)).all()
    total, prospects = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((prospect(), 1), else_=0)), 0)).select_from(a)
    ).one()
    has = _has_category(conn, ids, [category for category, _ in categories])
    names = tuple(name for _, name in categories)
    return Customers(
        ids, float_array(ltv), dates(starts), first, eligible, retained, names, has, revenue_basis(conn),
        int(total), int(prospects),
    )  # fmt: skip


def prospect() -> ColumnElement[bool]:
    """An account with no revenue line (not a customer)."""
    r = schema.revenue_lines
    return schema.accounts.c.id.not_in(select(r.c.account_id).where(r.c.account_id.isnot(None)))


def _has_category(conn: Connection, ids: np.ndarray, categories: list[int]) -> np.ndarray:
    """customers × categories: whether the customer brought a challenge of that category."""
    ch = schema.challenges
    query = select(ch.c.account_id, ch.c.category_id).where(ch.c.account_id.isnot(None), ch.c.category_id.isnot(None))
    has = np.zeros((len(ids), len(categories)), dtype=bool)
    if not categories:
        return has
    accounts, found = (int_array(c) for c in columns_of(fetch_tuples(conn, query), 2))
    by_id = np.argsort(categories)  # categories come in display order; slots() needs sorted ids
    at = slots(found, int_array(categories)[by_id])
    row, column = slots(accounts, ids), np.where(at >= 0, by_id[np.maximum(at, 0)], -1)
    keep = (row >= 0) & (column >= 0)
    has[row[keep], column[keep]] = True
    return has


@dataclass(frozen=True)
class _Rows:
    """The population's rows before the attribute columns: account, target value and date."""

    account_ids: np.ndarray
    values: np.ndarray
    dates: np.ndarray


def load_population(
    conn: Connection, catalog: Catalog, target: str, *, ltv_basis: LtvBasis = "cumulative",
    customers: Customers | None = None,
) -> Population:  # fmt: skip
    """The population of ``target`` (``ltv``, ``won``, ``retained`` or a numeric attribute's key).

    ``customers`` (from :func:`load_customers`) is read when given, else loaded when needed."""
    rows, binary, label = _target_rows(conn, catalog, target, ltv_basis, customers)
    skip = {target} if catalog.find(target) else set()
    columns = account_columns(conn, catalog, rows.account_ids, skip={catalog.get(t).key for t in skip})
    basis = revenue_basis(conn) if target == "ltv" else ""
    return Population(target, label, binary, rows.account_ids, rows.values, rows.dates, columns, basis)


def _target_rows(
    conn: Connection, catalog: Catalog, target: str, ltv_basis: LtvBasis, customers: Customers | None
) -> tuple[_Rows, bool, str]:
    if target == "ltv":
        label = "LTV" if ltv_basis == "cumulative" else "LTV/year"
        return _ltv_rows(conn, ltv_basis, customers or load_customers(conn)), False, label
    if target == "won":
        return _won_rows(conn), True, "win rate"
    if target == "retained":
        return _retained_rows(customers or load_customers(conn)), True, "12-month retention"
    attribute = catalog.find(target)
    if attribute is None or attribute.kind != "number":
        raise LookupError(target)
    return _attribute_rows(conn, attribute), False, attribute.key


def _ltv_rows(conn: Connection, basis: LtvBasis, customers: Customers) -> _Rows:
    if basis == "cumulative":
        return _Rows(customers.ids, customers.ltv, customers.since)
    end = last_revenue_date(conn)
    if end is None:
        return _Rows(int_array([]), float_array([]), dates([]))
    months = months_between(customers.first_on, np.datetime64(end, "D")) + 1
    keep = months >= MIN_MONTHS
    return _Rows(customers.ids[keep], customers.ltv[keep] * 12.0 / months[keep], customers.since[keep])


def _won_rows(conn: Connection) -> _Rows:
    o = schema.opportunities
    day = func.coalesce(o.c.closed_on, o.c.created_on)
    query = (
        select(o.c.account_id, o.c.status, day)
        .where(o.c.status.in_(("won", "lost")), o.c.account_id.isnot(None))
        .order_by(o.c.id)
    )
    ids, status, days = columns_of(fetch_tuples(conn, query), 3)
    return _Rows(int_array(ids), (np.array(status, dtype=object) == "won").astype(np.float64), dates(days))


def _retained_rows(customers: Customers) -> _Rows:
    keep = customers.eligible
    return _Rows(customers.ids[keep], customers.retained[keep].astype(np.float64), customers.first_on[keep])


def _attribute_rows(conn: Connection, attribute: Attribute) -> _Rows:
    a = schema.accounts
    rev = revenue_by_account(conn)
    customers_only = conn.execute(select(func.count()).select_from(rev)).scalar_one() > 0
    if attribute.source == "custom":
        cv = schema.custom_values
        value: Any = cv.c.value_number
        query: Select[Any] = select(a.c.id, value, a.c.customer_since).join(
            cv, and_(cv.c.record_id == a.c.id, cv.c.attribute_id == attribute.attribute_id)
        )
    else:
        assert attribute.column is not None
        value = a.c[attribute.column]
        query = select(a.c.id, value, a.c.customer_since)
    if customers_only:
        query = query.where(a.c.id.in_(select(rev.c.account_id)))
    ids, values, days = columns_of(fetch_tuples(conn, query.where(value.isnot(None)).order_by(a.c.id)), 3)
    return _Rows(int_array(ids), float_array(values), dates(days))
