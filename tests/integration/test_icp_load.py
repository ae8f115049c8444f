"""The discovery loaders (population, customer table) on a workspace small enough to check by hand,
on SQLite and PostgreSQL: rows, targets, dates, standard and custom attribute columns, challenge
category flags; and the driver-tuple reader's refusals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select

from tenbin.db import schema
from tenbin.icp.attributes import load_catalog
from tenbin.icp.fetch import fetch_tuples
from tenbin.icp.population import Population, load_customers, load_population

D = dt.date
NAN = np.nan


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    """Customers 1, 2, 3, 5 (revenue lines); prospects 4 and 6."""
    accounts = [
        (1, "E", 400, 500_000_000, "13", "tse_prime", True, D(2023, 1, 15)),
        (2, "G", None, None, None, None, False, None),
        (3, "E", 30, 20_000_000, "27", "unlisted", False, D(2023, 6, 1)),
        (4, "D", 80, 90_000_000, "13", "unlisted", False, None),
        (5, "H", 150, 70_000_000, "13", "unlisted", False, D(2024, 3, 10)),
        (6, "E", 700, 80_000_000, "01", "unlisted", True, None),
    ]
    lines = [  # account, day, amount, gross profit
        (1, D(2023, 1, 31), 100, 40), (1, D(2024, 2, 29), 300, 120), (2, D(2023, 3, 1), 50, 20),
        (3, D(2023, 6, 15), 70, 30), (3, D(2023, 12, 1), 80, 30), (5, D(2024, 3, 10), 500, 200),
        (5, D(2024, 6, 30), 10, 5),
    ]  # fmt: skip
    values = [  # attribute, account, text, number
        (1, 1, "1億", 100_000_000.0), (1, 3, "500万", 5_000_000.0), (1, 4, "30億", 3_000_000_000.0),
        (2, 2, "北", None), (2, 5, "南", None), (2, 6, "北", None),
        (3, 1, "はい", None), (3, 2, "いいえ", None), (3, 5, " YES ", None),
        (4, 1, "2024-01-01", None),
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(schema.accounts), [
            {"id": i, "name": f"企業{i}", "name_key": f"企業{i}", "industry_code": ind, "employees": emp,
             "revenue": rev, "prefecture_code": pref, "listing": listing, "is_named_account": named,
             "customer_since": since}
            for i, ind, emp, rev, pref, listing, named, since in accounts
        ])  # fmt: skip
        conn.execute(insert(schema.revenue_lines), [
            {"account_id": a, "recognized_on": d, "amount": m, "gross_profit": g} for a, d, m, g in lines
        ])  # fmt: skip
        conn.execute(insert(schema.attribute_definitions), [
            {"id": 1, "entity": "accounts", "key": "資本金", "label": "資本金", "type": "number"},
            {"id": 2, "entity": "accounts", "key": "地域区分", "label": "地域区分", "type": "text"},
            {"id": 3, "entity": "accounts", "key": "上場予定", "label": "上場予定", "type": "boolean"},
            {"id": 4, "entity": "accounts", "key": "契約日", "label": "契約日", "type": "date"},
        ])  # fmt: skip
        conn.execute(insert(schema.custom_values), [
            {"attribute_id": d, "record_id": r, "value_text": t, "value_number": n} for d, r, t, n in values
        ])  # fmt: skip
        cc = schema.challenge_categories
        ids = {}
        for position, name in enumerate(("カテゴリA", "カテゴリB", "カテゴリC"), start=100):
            ids[name] = conn.execute(insert(cc).values(name=name, position=position).returning(cc.c.id)).scalar_one()
        conn.execute(insert(schema.challenges), [
            {"statement": "課題", "tags": [], "account_id": account, "category_id": ids.get(category)}
            for account, category in [(1, "カテゴリA"), (1, "カテゴリA"), (3, "カテゴリB"), (4, "カテゴリC"),
                                      (5, None), (None, "カテゴリA")]
        ])  # fmt: skip
        conn.execute(insert(schema.opportunities), [
            {"id": i, "account_id": account, "name": f"商談{i}", "status": status, "created_on": created,
             "closed_on": closed}
            for i, account, status, created, closed in [
                (1, 1, "won", D(2023, 1, 5), D(2023, 2, 1)), (2, 3, "lost", D(2023, 7, 1), None),
                (3, 5, "open", D(2024, 1, 1), None), (4, 1, "won", None, D(2024, 1, 10)),
            ]
        ])  # fmt: skip
    return engine


def _load(engine: Engine, target: str, basis: str = "cumulative") -> Population:
    with engine.connect() as conn:
        return load_population(conn, load_catalog(conn), target, ltv_basis=basis)  # type: ignore[arg-type]


def _column(pop: Population, key: str) -> list[object]:
    values: list[object] = next(c for c in pop.columns if c.key == key).values.tolist()
    return values


def _days(pop: Population) -> list[str]:
    return [str(d) for d in pop.dates]


def test_ltv_population_rows_and_every_kind_of_column(workspace: Engine) -> None:
    pop = _load(workspace, "ltv")
    with workspace.connect() as conn:  # the same population from a customer table loaded first
        shared = load_population(conn, load_catalog(conn), "ltv", customers=load_customers(conn))
    assert shared.account_ids.tolist() == pop.account_ids.tolist() and shared.values.tolist() == pop.values.tolist()
    assert pop.account_ids.tolist() == [1, 2, 3, 5] and pop.basis == "gross_profit"
    assert pop.values.tolist() == [160.0, 20.0, 60.0, 205.0]  # Σ gross profit
    assert _days(pop) == ["2023-01-15", "2023-03-01", "2023-06-01", "2024-03-10"]  # since, else first line
    keys = [c.key for c in pop.columns]
    assert keys == ["industry", "employees", "revenue", "prefecture", "listing", "named_account",
                    "資本金", "地域区分", "上場予定", "challenge:カテゴリA", "challenge:カテゴリB"]  # fmt: skip
    assert _column(pop, "industry") == ["E", "G", "E", "H"]
    assert np.array_equal(_column(pop, "employees"), [400, NAN, 30, 150], equal_nan=True)
    assert _column(pop, "prefecture") == ["13", None, "27", "13"]
    assert _column(pop, "named_account") == [True, False, False, False]
    assert np.array_equal(_column(pop, "資本金"), [1e8, NAN, 5e6, NAN], equal_nan=True)  # prospect 4 dropped
    assert _column(pop, "地域区分") == [None, "北", None, "南"]
    assert _column(pop, "上場予定") == [True, False, False, True]  # はい, いいえ, missing, " YES "
    assert _column(pop, "challenge:カテゴリA") == [True, False, False, False]  # C: prospects only, no column
    assert _column(pop, "challenge:カテゴリB") == [False, False, True, False]
    kinds = {c.key: c.kind for c in pop.columns}
    assert kinds["資本金"] == "numeric" and kinds["地域区分"] == "categorical" and kinds["上場予定"] == "flag"


def test_annualised_ltv_and_retention_count_calendar_months(workspace: Engine) -> None:
    # last revenue line 2024-06-30; months from the first line to it, plus one, at least 6
    pop = _load(workspace, "ltv", "annualised")
    assert pop.account_ids.tolist() == [1, 2, 3]  # 5: 2024-03 → 2024-06 is 4 months
    assert pop.values.tolist() == [160 * 12 / 18, 20 * 12 / 16, 60 * 12 / 13]
    retained = _load(workspace, "retained")  # first line ≥ 12 months before 2024-06-30
    assert retained.account_ids.tolist() == [1, 2, 3]
    assert retained.values.tolist() == [1.0, 0.0, 0.0]  # 2023-01 → 2024-02 = 13; 0; 2023-06 → 2023-12 = 6
    assert _days(retained) == ["2023-01-31", "2023-03-01", "2023-06-15"]


def test_won_rows_repeat_their_accounts_columns(workspace: Engine) -> None:
    pop = _load(workspace, "won")
    assert pop.account_ids.tolist() == [1, 3, 1] and pop.values.tolist() == [1.0, 0.0, 1.0] and pop.binary
    assert _days(pop) == ["2023-02-01", "2023-07-01", "2024-01-10"]  # closed, else created
    assert _column(pop, "industry") == ["E", "E", "E"]
    assert np.array_equal(_column(pop, "資本金"), [1e8, 5e6, 1e8])


def test_a_numeric_attribute_as_target_is_not_a_column(workspace: Engine) -> None:
    pop = _load(workspace, "資本金")
    assert pop.account_ids.tolist() == [1, 3] and pop.values.tolist() == [1e8, 5e6]  # customers only
    assert _days(pop) == ["2023-01-15", "2023-06-01"]
    assert "資本金" not in [c.key for c in pop.columns]
    employees = _load(workspace, "employees")
    assert employees.account_ids.tolist() == [1, 3, 5] and employees.values.tolist() == [400.0, 30.0, 150.0]


def test_customer_table_for_the_evidence(workspace: Engine) -> None:
    with workspace.connect() as conn:
        table = load_customers(conn)
    assert table.ids.tolist() == [1, 2, 3, 5] and table.ltv.tolist() == [160.0, 20.0, 60.0, 205.0]
    assert [str(d) for d in table.since] == ["2023-01-15", "2023-03-01", "2023-06-01", "2024-03-10"]
    assert [str(d) for d in table.first_on] == ["2023-01-31", "2023-03-01", "2023-06-15", "2024-03-10"]
    assert table.eligible.tolist() == [True, True, True, False]
    assert table.retained.tolist() == [True, False, False, False]
    assert (table.accounts_total, table.prospects, table.basis) == (6, 2, "gross_profit")
    flags = {name: table.has_category[:, k].tolist() for k, name in enumerate(table.categories)}
    assert flags["カテゴリA"] == [True, False, False, False]
    assert flags["カテゴリB"] == [False, False, True, False]
    assert flags["カテゴリC"] == [False] * 4  # a prospect's challenge
    assert table.categories[-3:] == ("カテゴリA", "カテゴリB", "カテゴリC")  # display order
    assert sum(map(sum, flags.values())) == 2


def test_fetch_tuples_returns_driver_rows_with_parameters_bound_like_execute(workspace: Engine) -> None:
    a = schema.accounts
    queries = [
        select(a.c.id, a.c.industry_code).where(a.c.employees >= 150),
        select(a.c.id).where(a.c.id.in_([2, 4]), a.c.industry_code.in_(("D", "G"))),
        select(a.c.id, a.c.customer_since).where(a.c.customer_since >= D(2023, 6, 1)),  # SQLite: dates as text
        select(a.c.id).where(a.c.customer_since.in_([D(2023, 1, 15), D(2024, 3, 10)])),
        select(a.c.id).where(a.c.is_named_account.is_(True)),
    ]
    with workspace.connect() as conn:
        got = [[tuple(r) for r in fetch_tuples(conn, q.order_by(a.c.id))] for q in queries]
        assert got[:2] == [[tuple(r) for r in conn.execute(q.order_by(a.c.id))] for q in queries[:2]]
    as_driver = str if workspace.dialect.name == "sqlite" else (lambda day: day)
    assert got == [
        [(1, "E"), (5, "H"), (6, "E")],
        [(2,), (4,)],
        [(3, as_driver(D(2023, 6, 1))), (5, as_driver(D(2024, 3, 10)))],
        [(1,), (5,)],
        [(1,), (6,)],
    ]
