"""A declared ICP workspace: 320 customers and 180 prospects whose LTV is planted 3× for
industry E with 300–999 employees (tests of the ICP service, API and pages)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import Engine, insert

from tenbin.db import schema

PLANTED = 'industry = "E" and employees between 300 and 999'
N_CUSTOMERS, N_PROSPECTS = 320, 180


def _declare(seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = N_CUSTOMERS + N_PROSPECTS
    industry = rng.choice(np.array(list("DEGHI")), n, p=[0.1, 0.4, 0.2, 0.15, 0.15])
    employees = rng.choice(np.array([30, 80, 150, 400, 700, 2000]), n)
    planted = (industry == "E") & (employees >= 300) & (employees <= 999)
    monthly = np.round(rng.lognormal(11.5, 0.5, n) * np.where(planted, 3.0, 1.0), -3).astype(np.int64)
    months = rng.integers(1, 13, n)
    start = rng.integers(0, 365, n)  # days after 2024-01-01 the customer started
    return {"industry": industry, "employees": employees, "planted": planted, "monthly": monthly,
            "months": months, "start": start}  # fmt: skip


def declare_workspace(engine: Engine) -> tuple[Engine, dict[str, np.ndarray]]:
    data = _declare()
    day0 = dt.date(2024, 1, 1)
    accounts, lines, opps, contacts = [], [], [], []
    for i in range(N_CUSTOMERS + N_PROSPECTS):
        customer = i < N_CUSTOMERS
        since = day0 + dt.timedelta(days=int(data["start"][i]))
        accounts.append({"id": i + 1, "name": f"企業{i + 1}", "name_key": f"企業{i + 1}",
                         "industry_code": str(data["industry"][i]), "employees": int(data["employees"][i]),
                         "customer_since": since if customer else None})  # fmt: skip
        if customer:
            for m in range(int(data["months"][i])):
                on = dt.date(since.year + (since.month - 1 + m) // 12, (since.month - 1 + m) % 12 + 1, 1)
                lines.append({"account_id": i + 1, "recognized_on": on, "amount": int(data["monthly"][i]),
                              "gross_profit": int(data["monthly"][i]) // 2})  # fmt: skip
            opps.append({"account_id": i + 1, "name": f"商談{i}", "status": "won", "closed_on": since})
        else:
            contacts.append({"account_id": i + 1, "last_name": "見込", "email": f"lead{i}@example.jp"})
    with engine.begin() as conn:
        conn.execute(insert(schema.accounts), accounts)
        conn.execute(insert(schema.revenue_lines), lines)
        conn.execute(insert(schema.opportunities), opps)
        conn.execute(insert(schema.contacts), contacts)
    return engine, data
