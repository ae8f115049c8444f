"""The account attributes of a population as in-memory :class:`~tenbin.icp.selectors.Column` objects:
standard account columns, custom attributes and challenge categories (one flag each).

Each attribute is read for every account in one query ordered by account id (cheaper than long
IN lists of the population's ids), and placed by a binary search into the population's sorted
unique ids (:func:`slots`); values of accounts outside the population are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from tenbin.db import schema
from tenbin.icp.attributes import Attribute, Catalog
from tenbin.icp.fetch import columns_of, fetch_tuples, int_array, slots
from tenbin.icp.selectors import Column
from tenbin.imports.refdata import DEFAULT_EMPLOYEE_BANDS, DEFAULT_REVENUE_BANDS

# Attributes that identify or describe an account one by one: never a subgroup.
NOT_SEARCHED = {"name", "domain", "city", "industry_text", "customer_since", "employee_band", "revenue_band"}


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
