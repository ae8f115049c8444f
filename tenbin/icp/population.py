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
population member comes to Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, Select, and_, func, select

from tenbin.db import schema
from tenbin.icp.attributes import Attribute, Catalog
from tenbin.icp.fetch import columns_of, dates, fetch_tuples, float_array, int_array, months_between, slots
from tenbin.icp.selectors import Column
from tenbin.imports.refdata import DEFAULT_EMPLOYEE_BANDS, DEFAULT_REVENUE_BANDS

LtvBasis = Literal["cumulative", "annualised"]
MIN_MONTHS = 6
RETENTION_MONTHS = 12
# Attributes that identify or describe an account one by one: never a subgroup.
NOT_SEARCHED = {"name", "domain", "city", "industry_text", "customer_since", "employee_band", "revenue_band"}


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
class _Rows:
    """The population's rows before the attribute columns: account, target value and date."""

    account_ids: np.ndarray
    values: np.ndarray
    dates: np.ndarray


def load_population(
    conn: Connection, catalog: Catalog, target: str, *, ltv_basis: LtvBasis = "cumulative"
) -> Population:
    """The population of ``target`` (``ltv``, ``won``, ``retained`` or a numeric attribute's key)."""
    rows, binary, label = _target_rows(conn, catalog, target, ltv_basis)
    skip = {target} if catalog.find(target) else set()
    columns = account_columns(conn, catalog, rows.account_ids, skip={catalog.get(t).key for t in skip})
    basis = revenue_basis(conn) if target == "ltv" else ""
    return Population(target, label, binary, rows.account_ids, rows.values, rows.dates, columns, basis)


def _target_rows(conn: Connection, catalog: Catalog, target: str, ltv_basis: LtvBasis) -> tuple[_Rows, bool, str]:
    if target == "ltv":
        return _ltv_rows(conn, ltv_basis), False, "LTV" if ltv_basis == "cumulative" else "LTV/year"
    if target == "won":
        return _won_rows(conn), True, "win rate"
    if target == "retained":
        return _retained_rows(conn), True, "12-month retention"
    attribute = catalog.find(target)
    if attribute is None or attribute.kind != "number":
        raise LookupError(target)
    return _attribute_rows(conn, attribute), False, attribute.key


def _ltv_rows(conn: Connection, basis: LtvBasis) -> _Rows:
    rev = revenue_by_account(conn)
    a = schema.accounts
    start = func.coalesce(a.c.customer_since, rev.c.first_on)
    query = select(rev.c.account_id, rev.c.ltv, start, rev.c.first_on).join(a, a.c.id == rev.c.account_id)
    ids, ltv, starts, firsts = columns_of(fetch_tuples(conn, query.order_by(rev.c.account_id)), 4)
    rows = _Rows(int_array(ids), float_array(ltv), dates(starts))
    if basis == "cumulative":
        return rows
    end = last_revenue_date(conn)
    months = months_between(dates(firsts), np.datetime64(end, "D")) + 1 if end else np.zeros(len(ids), np.int64)
    keep = months >= MIN_MONTHS
    return _Rows(rows.account_ids[keep], rows.values[keep] * 12.0 / months[keep], rows.dates[keep])


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


def _retained_rows(conn: Connection) -> _Rows:
    end = last_revenue_date(conn)
    if end is None:
        return _Rows(int_array([]), float_array([]), dates([]))
    rev = revenue_by_account(conn)
    query = select(rev.c.account_id, rev.c.first_on, rev.c.last_on).order_by(rev.c.account_id)
    ids, firsts, lasts = columns_of(fetch_tuples(conn, query), 3)
    first = dates(firsts)
    keep = months_between(first, np.datetime64(end, "D")) >= RETENTION_MONTHS
    retained = (months_between(first, dates(lasts)) >= RETENTION_MONTHS).astype(np.float64)
    return _Rows(int_array(ids)[keep], retained[keep], first[keep])


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


# ---------------------------------------------------------------------------------- attributes
#
# Each attribute is read for every account in one query ordered by account id (cheaper than long
# IN lists of the population's ids), and placed by a binary search into the population's sorted
# unique ids (:func:`slots`); values of accounts outside the population are dropped.


def account_columns(
    conn: Connection, catalog: Catalog, account_ids: np.ndarray, *, skip: set[str]
) -> tuple[Column, ...]:
    """Searchable columns for the rows' accounts (repeated accounts repeat their values)."""
    unique, inverse = np.unique(account_ids, return_inverse=True)
    columns: list[Column] = []
    standard = [x for x in catalog.attributes if x.source == "column" and x.key not in NOT_SEARCHED | skip]
    columns += _standard_columns(conn, standard, unique)
    custom = [x for x in catalog.attributes if x.source == "custom" and x.key not in skip]
    columns += _custom_columns(conn, custom, unique)
    columns += _category_columns(conn, catalog, unique)
    return tuple(Column(c.key, c.kind, c.values[inverse], c.cut_points, c.integer) for c in columns)


def _take(values: Sequence[Any], at: np.ndarray) -> np.ndarray:
    """``values[at]`` as an object array, ``None`` where ``at`` is −1."""
    source = np.empty(len(values) + 1, dtype=object)
    source[:-1] = values  # the last slot stays None: index −1 lands there
    taken: np.ndarray = source[at]
    return taken


_CUTS = {
    "employees": tuple(float(b.lower) for b in DEFAULT_EMPLOYEE_BANDS[1:]),
    "revenue": tuple(float(b.lower) for b in DEFAULT_REVENUE_BANDS[1:]),
}


def _standard_columns(conn: Connection, attributes: list[Attribute], ids: np.ndarray) -> list[Column]:
    a = schema.accounts
    names = [x.column or "" for x in attributes]
    found, *data = columns_of(
        fetch_tuples(conn, select(a.c.id, *[a.c[n] for n in names]).order_by(a.c.id)), 1 + len(names)
    )
    at = slots(ids, int_array(found))
    return [_column(x, _take(values, at), _CUTS.get(x.key)) for x, values in zip(attributes, data, strict=True)]


def _column(attribute: Attribute, values: np.ndarray, cuts: tuple[float, ...] | None) -> Column:
    """A standard column from its object array of driver values (``None`` missing)."""
    if attribute.kind == "number":
        return Column(attribute.key, "numeric", values.astype(np.float64), cuts, attribute.integer)
    if attribute.kind == "boolean":
        return Column(attribute.key, "flag", np.array([bool(v) for v in values], dtype=bool))
    return Column(attribute.key, "categorical", np.array([None if v is None else str(v) for v in values], dtype=object))


def _custom_columns(conn: Connection, attributes: list[Attribute], ids: np.ndarray) -> list[Column]:
    """One query per attribute: its values for every account, in account order."""
    cv = schema.custom_values
    columns = []
    for attribute in attributes:
        if attribute.kind not in ("number", "text", "boolean"):
            continue
        value = cv.c.value_number if attribute.kind == "number" else cv.c.value_text
        query = select(cv.c.record_id, value).where(cv.c.attribute_id == attribute.attribute_id)
        records, found = columns_of(fetch_tuples(conn, query.order_by(cv.c.record_id)), 2)
        values = _take(found, slots(ids, int_array(records)))
        if attribute.kind == "number":
            columns.append(Column(attribute.key, "numeric", values.astype(np.float64), None, attribute.integer))
        elif attribute.kind == "boolean":
            truth = {text: _custom_text(attribute.kind, text) for text in set(found)}
            flags = np.array([v is not None and truth[v] is True for v in values], dtype=bool)
            columns.append(Column(attribute.key, "flag", flags))
        else:
            columns.append(Column(attribute.key, "categorical", values))
    return columns


def _custom_text(kind: str, text: str) -> Any:
    if kind != "boolean":
        return text
    from tenbin.imports.normalize import TRUE_WORDS

    return text.strip().casefold() in TRUE_WORDS


def _category_columns(conn: Connection, catalog: Catalog, ids: np.ndarray) -> list[Column]:
    """One flag per challenge category that some account of the population has."""
    ch, cat = schema.challenges, schema.challenge_categories
    names = dict(conn.execute(select(cat.c.id, cat.c.name)).tuples().all())
    query = select(ch.c.account_id, ch.c.category_id).where(ch.c.account_id.isnot(None), ch.c.category_id.isnot(None))
    accounts, categories = (int_array(c) for c in columns_of(fetch_tuples(conn, query), 2))
    at = slots(accounts, ids)  # each challenge's account in the population, or −1
    inside = at >= 0
    has: dict[str, np.ndarray] = {}
    for category, name in names.items():
        rows = at[inside & (categories == category)]
        if len(rows):
            flags = np.zeros(len(ids), dtype=bool)
            flags[rows] = True
            has[name] = flags
    return [Column(f"challenge:{name}", "flag", has[name]) for name in catalog.categories if name in has]
