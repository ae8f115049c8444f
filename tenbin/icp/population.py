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
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, Select, and_, func, select

from tenbin.db import schema
from tenbin.icp.attributes import Attribute, Catalog
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


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def last_revenue_date(conn: Connection) -> dt.date | None:
    value: dt.date | None = conn.execute(select(func.max(schema.revenue_lines.c.recognized_on))).scalar()
    return value


def load_population(
    conn: Connection, catalog: Catalog, target: str, *, ltv_basis: LtvBasis = "cumulative"
) -> Population:
    """The population of ``target`` (``ltv``, ``won``, ``retained`` or a numeric attribute's key)."""
    rows, binary, label = _target_rows(conn, catalog, target, ltv_basis)
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    values = np.array([row[1] for row in rows], dtype=np.float64)
    dates = np.array([np.datetime64(row[2], "D") if row[2] else np.datetime64("NaT") for row in rows])
    skip = {target} if catalog.find(target) else set()
    columns = account_columns(conn, catalog, ids, skip={catalog.get(t).key for t in skip})
    basis = revenue_basis(conn) if target == "ltv" else ""
    return Population(target, label, binary, ids, values, dates.astype("datetime64[D]"), columns, basis)


def _target_rows(
    conn: Connection, catalog: Catalog, target: str, ltv_basis: LtvBasis
) -> tuple[list[tuple[int, float, dt.date | None]], bool, str]:
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


def _ltv_rows(conn: Connection, basis: LtvBasis) -> list[tuple[int, float, dt.date | None]]:
    rev = revenue_by_account(conn)
    a = schema.accounts
    start = func.coalesce(a.c.customer_since, rev.c.first_on)
    query = select(rev.c.account_id, rev.c.ltv, start, rev.c.first_on).join(a, a.c.id == rev.c.account_id)
    rows = conn.execute(query.order_by(rev.c.account_id)).all()
    if basis == "cumulative":
        return [(int(i), float(v), s) for i, v, s, _ in rows]
    end = last_revenue_date(conn)
    result = []
    for i, v, s, first in rows:
        months = months_between(first, end) + 1 if end else 0
        if months >= MIN_MONTHS:
            result.append((int(i), float(v) * 12.0 / months, s))
    return result


def _won_rows(conn: Connection) -> list[tuple[int, float, dt.date | None]]:
    o = schema.opportunities
    day = func.coalesce(o.c.closed_on, o.c.created_on)
    query = (
        select(o.c.account_id, o.c.status, day)
        .where(o.c.status.in_(("won", "lost")), o.c.account_id.isnot(None))
        .order_by(o.c.id)
    )
    return [(int(i), 1.0 if status == "won" else 0.0, d) for i, status, d in conn.execute(query)]


def _retained_rows(conn: Connection) -> list[tuple[int, float, dt.date | None]]:
    end = last_revenue_date(conn)
    if end is None:
        return []
    rev = revenue_by_account(conn)
    rows = conn.execute(select(rev.c.account_id, rev.c.first_on, rev.c.last_on).order_by(rev.c.account_id))
    return [
        (int(i), 1.0 if months_between(first, last) >= RETENTION_MONTHS else 0.0, first)
        for i, first, last in rows
        if months_between(first, end) >= RETENTION_MONTHS
    ]


def _attribute_rows(conn: Connection, attribute: Attribute) -> list[tuple[int, float, dt.date | None]]:
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
    query = query.where(value.isnot(None)).order_by(a.c.id)
    return [(int(i), float(v), d) for i, v, d in conn.execute(query)]


# ---------------------------------------------------------------------------------- attributes


def account_columns(
    conn: Connection, catalog: Catalog, account_ids: np.ndarray, *, skip: set[str]
) -> tuple[Column, ...]:
    """Searchable columns for the rows' accounts (repeated accounts repeat their values)."""
    unique, inverse = np.unique(account_ids, return_inverse=True)
    position = {int(i): k for k, i in enumerate(unique)}
    columns: list[Column] = []
    standard = [x for x in catalog.attributes if x.source == "column" and x.key not in NOT_SEARCHED | skip]
    columns += _standard_columns(conn, standard, unique, position)
    custom = [x for x in catalog.attributes if x.source == "custom" and x.key not in skip]
    columns += _custom_columns(conn, custom, unique, position)
    columns += _category_columns(conn, catalog, unique, position)
    return tuple(Column(c.key, c.kind, c.values[inverse], c.cut_points, c.integer) for c in columns)


def _chunks(ids: np.ndarray, size: int = 5000) -> list[list[int]]:
    return [ids[i : i + size].tolist() for i in range(0, len(ids), size)]


_CUTS = {
    "employees": tuple(float(b.lower) for b in DEFAULT_EMPLOYEE_BANDS[1:]),
    "revenue": tuple(float(b.lower) for b in DEFAULT_REVENUE_BANDS[1:]),
}


def _standard_columns(
    conn: Connection, attributes: list[Attribute], ids: np.ndarray, position: dict[int, int]
) -> list[Column]:
    a = schema.accounts
    names = [x.column for x in attributes if x.column]
    data: dict[str, list[Any]] = {name: [None] * len(ids) for name in names}
    for chunk in _chunks(ids):
        for row in conn.execute(select(a.c.id, *[a.c[n] for n in names]).where(a.c.id.in_(chunk))):
            k = position[int(row[0])]
            for name, v in zip(names, row[1:], strict=True):
                data[name][k] = v
    return [_column(x, data[x.column or ""], _CUTS.get(x.key)) for x in attributes]


def _column(attribute: Attribute, values: list[Any], cuts: tuple[float, ...] | None) -> Column:
    if attribute.kind == "number":
        array = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        return Column(attribute.key, "numeric", array, cuts, attribute.integer)
    if attribute.kind == "boolean":
        return Column(attribute.key, "flag", np.array([bool(v) for v in values], dtype=bool))
    return Column(attribute.key, "categorical", np.array([None if v is None else str(v) for v in values], dtype=object))


def _custom_columns(
    conn: Connection, attributes: list[Attribute], ids: np.ndarray, position: dict[int, int]
) -> list[Column]:
    """One query per attribute (all its values: cheaper than long IN lists), placed with a vectorised
    lookup into the population's sorted unique ids; values of other accounts are dropped."""
    cv = schema.custom_values
    columns = []
    for attribute in attributes:
        if attribute.kind not in ("number", "text", "boolean"):
            continue
        number = attribute.kind == "number"
        values = np.full(len(ids), np.nan) if number else np.full(len(ids), None, dtype=object)
        value = cv.c.value_number if number else cv.c.value_text
        rows = conn.execute(select(cv.c.record_id, value).where(cv.c.attribute_id == attribute.attribute_id)).all()
        if rows and len(ids):
            records = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            slots = np.minimum(np.searchsorted(ids, records), len(ids) - 1)
            keep = ids[slots] == records
            found = np.empty(len(rows), dtype=np.float64 if number else object)
            if number:
                found[:] = [np.nan if r[1] is None else float(r[1]) for r in rows]
            else:
                found[:] = [_custom_text(attribute.kind, r[1]) for r in rows]
            values[slots[keep]] = found[keep]
        if number:
            columns.append(Column(attribute.key, "numeric", values, None, attribute.integer))
        elif attribute.kind == "boolean":
            columns.append(Column(attribute.key, "flag", np.array([v is True for v in values], dtype=bool)))
        else:
            columns.append(Column(attribute.key, "categorical", values))
    return columns


def _custom_text(kind: str, text: str) -> Any:
    if kind != "boolean":
        return text
    from tenbin.imports.normalize import TRUE_WORDS

    return text.strip().casefold() in TRUE_WORDS


def _category_columns(conn: Connection, catalog: Catalog, ids: np.ndarray, position: dict[int, int]) -> list[Column]:
    ch, cat = schema.challenges, schema.challenge_categories
    has: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(ids), dtype=bool))
    for chunk in _chunks(ids):
        query = (
            select(ch.c.account_id, cat.c.name)
            .distinct()
            .select_from(ch.join(cat, cat.c.id == ch.c.category_id))
            .where(ch.c.account_id.in_(chunk))
        )
        for account, name in conn.execute(query):
            has[name][position[int(account)]] = True
    return [Column(f"challenge:{name}", "flag", has[name]) for name in catalog.categories if name in has]
