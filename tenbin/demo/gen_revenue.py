"""Revenue (売上) of won customers: monthly subscription lines with gross profit, annual renewal.

A customer pays from the month after the close; at month 12 it renews with the probability of its
segment (higher with a pain the product solves) or churns. Seats grow each month (whitespace), so
LTV = Σ gross profit differs by segment through size, expansion and retention.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import Connection

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import Refs
from tenbin.demo.gen_deals import Deals
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    IntArray,
    Writer,
    day_strings,
    minute_strings,
    month_start_days,
    pick,
    rng_for,
)
from tenbin.imports.dbio import update_rows

PHASE = 6
REVENUE_COLUMNS = ("id", "account_id", "recognized_on", "amount", "gross_profit", "product")
_LAST_MONTH_START = month_start_days(np.array([p.WINDOW_DAYS - 1]), np.array([0]))[0]


def write_revenue(writer: Writer, seed: int, ctx: tuple[Accounts, Leads, Refs], deals: Deals) -> IntArray:
    """Write the revenue lines of won deals; returns, per won deal, its number of monthly lines."""
    accounts, leads, refs = ctx
    rng = rng_for(seed, PHASE)
    won = np.flatnonzero(deals.won)
    account = deals.account[won]
    pain = accounts.pain_knowledge[account] | accounts.pain_data[account]
    renewal = np.minimum(accounts.behaviour("renewal")[account] + t.PAIN_RENEWAL_BONUS * pain, 0.97)
    growth = accounts.behaviour("expansion")[account] + t.PAIN_EXPANSION_BONUS * pain
    first_line = month_start_days(deals.closed_day[won], np.ones(len(won), dtype=np.int64))
    available = _months_between(first_line, _LAST_MONTH_START) + 1
    renews = rng.random(len(won)) < renewal
    lines = np.where(renews, available, np.minimum(available, 12)).clip(0)
    margin = rng.uniform(0.74, 0.84, len(won))
    _write_lines(writer, (account, first_line, lines, growth, margin), deals.monthly[won], deals.users[won], accounts)
    _write_onboarding(writer, rng, accounts, account, first_line, deals.monthly[won])
    retained = np.flatnonzero(renews & (available >= 13))
    renewal_day = month_start_days(first_line[retained], np.full(len(retained), 12, dtype=np.int64))
    contact = leads.ids[deals.contact[won[retained]]]
    ids = writer.ids(schema.stage_events, len(retained)).tolist()
    rows = zip(
        ids,
        contact.tolist(),
        accounts.ids[account[retained]].tolist(),
        [refs.stages["retained"]] * len(ids),
        minute_strings(renewal_day * MINUTES_PER_DAY + 9 * 60),
        strict=True,
    )
    writer.write(schema.stage_events, ("id", "contact_id", "account_id", "stage_id", "entered_at"), rows)
    return np.asarray(lines, dtype=np.int64)


def _months_between(first_days: IntArray, last_day: int) -> IntArray:
    start = (np.datetime64(p.WINDOW_START.date().isoformat(), "D") + first_days.astype("timedelta64[D]")).astype(
        "datetime64[M]"
    )
    end = (np.datetime64(p.WINDOW_START.date().isoformat(), "D") + np.timedelta64(int(last_day), "D")).astype(
        "datetime64[M]"
    )
    return np.asarray((end - start).astype(np.int64), dtype=np.int64)


def _write_lines(
    writer: Writer,
    plan: tuple[IntArray, IntArray, IntArray, np.ndarray, np.ndarray],
    monthly: IntArray,
    users: IntArray,
    accounts: Accounts,
) -> None:
    account, first_line, lines, growth, margin = plan
    customer = np.repeat(np.arange(len(account)), lines)
    month = np.arange(len(customer)) - (np.cumsum(lines) - lines)[customer]
    amount = np.round(monthly[customer] * (1.0 + growth[customer]) ** month, -3).astype(np.int64)
    profit = np.round(amount * margin[customer]).astype(np.int64)
    dates = day_strings(month_start_days(first_line[customer], month))
    plan_name = np.where(users[customer] >= 300, f"{p.PRODUCT} エンタープライズ", f"{p.PRODUCT} スタンダード")
    ids = writer.ids(schema.revenue_lines, len(customer)).tolist()
    rows = zip(
        ids,
        accounts.ids[account[customer]].tolist(),
        dates,
        amount.tolist(),
        profit.tolist(),
        plan_name.tolist(),
        strict=True,
    )
    writer.write(schema.revenue_lines, REVENUE_COLUMNS, rows)


def _write_onboarding(
    writer: Writer,
    rng: np.random.Generator,
    accounts: Accounts,
    account: IntArray,
    first_line: IntArray,
    monthly: IntArray,
) -> None:
    """A one-off 導入支援 fee in the first month (lower margin: it is consultants' time)."""
    amount = np.round(monthly * rng.uniform(1.5, 3.0, len(account)), -4).astype(np.int64)
    ids = writer.ids(schema.revenue_lines, len(account)).tolist()
    rows = zip(
        ids,
        accounts.ids[account].tolist(),
        day_strings(first_line),
        amount.tolist(),
        np.round(amount * 0.45).astype(np.int64).tolist(),
        [f"{p.PRODUCT} 導入支援"] * len(ids),
        strict=True,
    )
    writer.write(schema.revenue_lines, REVENUE_COLUMNS, rows)


def update_owners(
    conn: Connection, seed: int, ctx: tuple[Accounts, Leads, Staff], deals: Deals, lines: IntArray
) -> None:
    """Set customer_since and owners on accounts, and lifecycle stage and owner on SQL contacts."""
    accounts, leads, staff = ctx
    rng = rng_for(seed, PHASE, 1)
    epoch = p.WINDOW_START.date()
    won = np.flatnonzero(deals.won)
    since = {int(deals.account[k]): epoch + dt.timedelta(days=int(deals.closed_day[k])) for k in won.tolist()}
    owner = {int(deals.account[k]): deals.owners[k] for k in won.tolist()}
    named = np.flatnonzero(accounts.named).tolist()
    for a, name in zip(named, pick(rng, staff.account_sales, len(named)), strict=True):
        owner.setdefault(a, name)
    rows = [{"_id": int(accounts.ids[a]), "customer_since": since.get(a), "owner": owner[a]} for a in sorted(owner)]
    update_rows(conn, schema.accounts, ("customer_since", "owner"), rows)
    retained = {int(deals.contact[k]) for k, n in zip(won.tolist(), lines.tolist(), strict=True) if n > 12}
    stage = ["won" if deals.won[k] else "sql" for k in range(len(deals.ids))]
    contacts = [
        {
            "_id": int(leads.ids[c]),
            "lifecycle_stage": "retained" if c in retained else stage[k],
            "owner": deals.owners[k],
        }
        for k, c in enumerate(deals.contact.tolist())
    ]
    update_rows(conn, schema.contacts, ("lifecycle_stage", "owner"), contacts)
