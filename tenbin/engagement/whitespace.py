"""Whitespace (ホワイトスペース) of customer accounts: departments, products and sites not yet engaged.

* **Customer**: an account with revenue lines or a ``customer_since`` date.
* **Departments engaged** by an account: the departments of its contacts (buying-group members are
  contacts) and of its seminar attendees, compared by
  :func:`~tenbin.engagement.departments.department_key`.
* **Departments expected**: those engaged at comparable customers — the other customers of the same
  industry (JSIC letter; every other customer when the account's industry is unknown) — at no fewer
  than ``min_share`` of them (at least one). **Department whitespace** = expected − engaged.
* **Product whitespace**: the products in revenue lines anywhere in the workspace that the account
  has not bought.
* **Sites**: read from an account custom attribute whose key or label mentions 拠点, 事業所 or
  site(s) (e.g. an imported 「拠点数」 column); the value is shown as recorded. Contacts carry no site,
  so which sites are engaged is not known; without such an attribute sites are not recorded.
* **Opportunity** = LTV so far (Σ gross profit, or revenue where the profit is unknown) × the share
  of whitespace ((missing departments + missing products) / (expected departments + products)).

The pairs (account, department) and (account, product) are distinct-selected in SQL; department names
are normalised in Python (NFKC cannot be written portably in SQL).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, or_, select, union

from tenbin.db import schema as s
from tenbin.engagement.departments import department_key, label_by_key

SITE_WORDS = re.compile(r"拠点|事業所|sites?\b", re.IGNORECASE)
MIN_SHARE = 0.2


@dataclass(frozen=True)
class Expected:
    label: str
    customers: int  # comparable customers that engage this department
    comparable: int


@dataclass(frozen=True)
class AccountWhitespace:
    account_id: int
    name: str
    industry_code: str | None
    customer_since: dt.date | None
    is_icp: bool | None  # None: no current ICP version
    ltv: int
    comparable: int  # comparable customers (same industry)
    departments_engaged: tuple[str, ...]
    departments_missing: tuple[Expected, ...]  # most common among comparable customers first
    departments_expected: int
    products_bought: tuple[str, ...]
    products_missing: tuple[tuple[str, int], ...]  # (product, customers that bought it)
    sites: str | None  # the recorded value of the sites attribute, if any
    share: float  # whitespace share 0–1
    score: float  # LTV × share


@dataclass(frozen=True)
class WhitespaceResult:
    icp_version: int | None
    customers: int  # customers considered (for one account of a known industry: that industry's)
    products: int  # distinct products in the workspace
    sites_attribute: str | None  # label of the attribute read as sites, None: sites are not recorded
    min_share: float
    rows: tuple[AccountWhitespace, ...]


def customers_query() -> Select[Any]:
    rv, a = s.revenue_lines, s.accounts
    ltv = (
        select(rv.c.account_id, func.sum(func.coalesce(rv.c.gross_profit, rv.c.amount)).label("ltv"))
        .group_by(rv.c.account_id)
        .subquery("ltv")
    )
    return (
        select(a.c.id, a.c.name, a.c.industry_code, a.c.customer_since, func.coalesce(ltv.c.ltv, 0).label("ltv"))
        .select_from(a.outerjoin(ltv, ltv.c.account_id == a.c.id))
        .where(or_(a.c.customer_since.is_not(None), ltv.c.account_id.is_not(None)))
    )


def _department_pairs(customer_ids: Select[Any]) -> Select[Any]:
    c, ss, sa = s.contacts, s.seminar_sessions, s.seminar_attendees
    contacts = select(c.c.account_id.label("account_id"), c.c.department.label("department")).where(
        c.c.account_id.in_(customer_ids), c.c.department.is_not(None)
    )
    department = func.coalesce(sa.c.department, c.c.department)
    attendees = (
        select(ss.c.account_id.label("account_id"), department.label("department"))
        .select_from(sa.join(ss, ss.c.id == sa.c.session_id).outerjoin(c, c.c.id == sa.c.contact_id))
        .where(ss.c.account_id.in_(customer_ids), department.is_not(None))
    )
    return select(union(contacts, attendees).subquery())  # UNION: distinct pairs


def _sites(conn: Connection) -> tuple[str | None, dict[int, str]]:
    d, v = s.attribute_definitions, s.custom_values
    for ident, key, label in conn.execute(
        select(d.c.id, d.c.key, d.c.label).where(d.c.entity == "accounts").order_by(d.c.id)
    ):
        if SITE_WORDS.search(unicodedata.normalize("NFKC", f"{key} {label}")):
            values = conn.execute(select(v.c.record_id, v.c.value_text).where(v.c.attribute_id == ident))
            return str(label), {int(r): str(t) for r, t in values}
    return None, {}


@dataclass(frozen=True)
class _Facts:
    departments: dict[int, set[str]]
    labels: dict[str, str]
    products: dict[int, set[str]]
    product_customers: Counter[str]


def _facts(conn: Connection, customer_ids: Select[Any]) -> _Facts:
    pairs = conn.execute(_department_pairs(customer_ids)).all()
    departments: dict[int, set[str]] = {}
    for account_id, name in pairs:
        key = department_key(name)
        if key is not None:
            departments.setdefault(int(account_id), set()).add(key)
    rv = s.revenue_lines
    products: dict[int, set[str]] = {}
    for account_id, product in conn.execute(
        select(rv.c.account_id, rv.c.product).where(rv.c.product.is_not(None)).distinct()
    ):
        products.setdefault(int(account_id), set()).add(str(product))
    counts = Counter(p for bought in products.values() for p in bought)
    return _Facts(departments, label_by_key(name for _, name in pairs), products, counts)


def compute(
    conn: Connection,
    condition: tuple[int, ColumnElement[bool]] | None,
    *,
    account_id: int | None = None,
    min_share: float = MIN_SHARE,
    icp_first: bool = False,
) -> WhitespaceResult:
    """Whitespace of every customer (or of one), ranked by opportunity (ICP customers first when asked)."""
    base = customers_query()
    if account_id is not None:  # one account: only its industry's customers are its peers
        industry = conn.execute(select(s.accounts.c.industry_code).where(s.accounts.c.id == account_id)).scalar()
        if industry is not None:
            base = base.where(s.accounts.c.industry_code == industry)
    customers = conn.execute(base.order_by(s.accounts.c.id)).all()
    ids = base.with_only_columns(s.accounts.c.id)
    facts = _facts(conn, ids)
    icp: set[int] | None = None
    if condition is not None:
        icp = set(conn.execute(ids.where(condition[1])).scalars())
    label, sites = _sites(conn)
    # department counts per industry once; an account's peers are its group minus itself (linear, not n²)
    groups: dict[str | None, list[int]] = {}
    for row in customers:
        groups.setdefault(row.industry_code, []).append(int(row.id))
    everyone = [int(r.id) for r in customers]
    counts = {ind: _department_counts(members, facts) for ind, members in groups.items() if ind is not None}
    counts_all = _department_counts(everyone, facts) if None in groups else Counter()
    rows = []
    for row in customers:
        if account_id is not None and int(row.id) != account_id:
            continue
        known = row.industry_code is not None
        group = counts[row.industry_code] if known else counts_all
        peers = (len(groups[row.industry_code]) if known else len(everyone)) - 1
        seen = group - Counter(facts.departments.get(int(row.id), set()))  # minus the account itself
        rows.append(_one(row, (peers, seen), facts, icp, sites.get(int(row.id)), min_share))
    rows.sort(key=lambda w: ((not w.is_icp) if icp_first else False, -w.score, -w.ltv, w.account_id))
    return WhitespaceResult(None if condition is None else condition[0], len(customers), len(facts.product_customers),
                            label, min_share, tuple(rows))  # fmt: skip


def _department_counts(members: list[int], facts: _Facts) -> Counter[str]:
    """How many of ``members`` engage each department key."""
    return Counter(k for m in members for k in facts.departments.get(m, set()))


def _one(
    row: Any, group: tuple[int, Counter[str]], facts: _Facts, icp: set[int] | None, sites: str | None, min_share: float
) -> AccountWhitespace:
    account = int(row.id)
    engaged = facts.departments.get(account, set())
    peers, seen = group
    needed = max(1, math.ceil(min_share * peers))
    expected = {k: n for k, n in seen.items() if n >= needed}
    missing = sorted(
        (Expected(facts.labels.get(k, k), n, peers) for k, n in expected.items() if k not in engaged),
        key=lambda x: (-x.customers, x.label),
    )
    bought = facts.products.get(account, set())
    products = sorted(
        ((p, n) for p, n in facts.product_customers.items() if p not in bought), key=lambda x: (-x[1], x[0])
    )
    whole = len(expected) + len(facts.product_customers)
    share = (len(missing) + len(products)) / whole if whole else 0.0
    ltv = int(row.ltv or 0)
    return AccountWhitespace(
        account, row.name, row.industry_code, row.customer_since, None if icp is None else account in icp, ltv,
        peers, tuple(sorted(facts.labels.get(k, k) for k in engaged)), tuple(missing), len(expected),
        tuple(sorted(bought)), tuple(products), sites, share, ltv * share,
    )  # fmt: skip
