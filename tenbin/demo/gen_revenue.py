"""Revenue (売上) of customers: monthly subscription lines with gross profit, annual renewal.

The accounting export covers the window only. A customer won in the window pays from the month
after the close, plus a one-off 導入支援 fee; at month 12 it renews with the probability of its
segment (higher with a pain the product solves) or churns. An installed customer (won before the
window) pays from the window's first month and faces one or two anniversaries inside the window.
Seats grow each month (whitespace) up to EXPANSION_CEILING × the first year's, so LTV = Σ gross
profit differs by segment through adoption, expansion and retention.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import Accounts, contract_months_before_window
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import Refs
from tenbin.demo.gen_deals import Deals
from tenbin.demo.gen_history import History
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    BoolArray,
    FloatArray,
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
WINDOW_MONTHS = 24
ENTERPRISE_USERS = 150  # plans from this many users are sold as the エンタープライズ plan


@dataclass
class Paid:
    """Monthly lines in the window: per won deal of the window, and per installed customer."""

    window_lines: IntArray
    installed: IntArray  # account positions of the installed base
    installed_lines: IntArray
    installed_renewed: BoolArray  # renewed at least once (before or inside the window)


def write_revenue(writer: Writer, seed: int, ctx: tuple[Accounts, Leads, Refs], deals: Deals, history: History) -> Paid:
    """Write the revenue lines and the 継続 stage events of all customers."""
    accounts, leads, refs = ctx
    rng = rng_for(seed, PHASE)
    won = np.flatnonzero(deals.won)
    account = deals.account[won]
    first_line = month_start_days(deals.closed_day[won], np.ones(len(won), dtype=np.int64))
    available = _months_between(first_line, _LAST_MONTH_START) + 1
    renews = rng.random(len(won)) < accounts.renewal(account)
    lines = np.where(renews, available, np.minimum(available, 12)).clip(0)
    plan = (account, first_line, lines, np.zeros(len(won), dtype=np.int64), rng.uniform(0.74, 0.84, len(won)))
    _write_lines(writer, accounts, plan, deals.monthly[won], deals.users[won])
    _write_onboarding(writer, rng, accounts, account, first_line, deals.monthly[won])
    retained = np.flatnonzero(renews & (available >= 13))
    renewal_day = month_start_days(first_line[retained], np.full(len(retained), 12, dtype=np.int64))
    contact = leads.ids[deals.contact[won[retained]]]
    _write_retained(writer, refs, accounts.ids[account[retained]], contact, renewal_day)
    installed = _write_installed(writer, rng, (accounts, refs), history)
    return Paid(np.asarray(lines, dtype=np.int64), *installed)


def _write_installed(
    writer: Writer, rng: np.random.Generator, ctx: tuple[Accounts, Refs], history: History
) -> tuple[IntArray, IntArray, BoolArray]:
    """Lines of the installed base: from the window's first month to the first anniversary it does
    not renew at; 継続 at the first anniversary (before the window for most)."""
    accounts, refs = ctx
    installed = np.flatnonzero(accounts.installed)
    deal = history.won_by_account(len(accounts))[installed]
    before = contract_months_before_window(accounts.since_day[installed])
    anniversary = 12 - before % 12  # window month of the first anniversary inside the window (1–12)
    renews = rng.random((2, len(installed))) < accounts.renewal(installed)
    second = np.where(anniversary + 12 < WINDOW_MONTHS, anniversary + 12, WINDOW_MONTHS)
    lines = np.where(renews[0], np.where(renews[1], WINDOW_MONTHS, second), anniversary)
    plan = (installed, np.zeros(len(installed), dtype=np.int64), lines, before, rng.uniform(0.74, 0.84, len(installed)))
    _write_lines(writer, accounts, plan, history.monthly[deal], history.users[deal])
    renewed = (before >= 12) | renews[0]
    first_renewal = month_start_days(accounts.since_day[installed], np.full(len(installed), 13, dtype=np.int64))
    _write_retained(
        writer, refs, accounts.ids[installed[renewed]], history.primary[deal[renewed]], first_renewal[renewed]
    )
    return installed, np.asarray(lines, dtype=np.int64), np.asarray(renewed, dtype=np.bool_)


def _write_retained(writer: Writer, refs: Refs, account_ids: IntArray, contact_ids: IntArray, days: IntArray) -> None:
    """継続(既存顧客) at 09:00 on the first day of the renewed contract year."""
    ids = writer.ids(schema.stage_events, len(days)).tolist()
    rows = zip(
        ids,
        contact_ids.tolist(),
        account_ids.tolist(),
        [refs.stages["retained"]] * len(ids),
        minute_strings(days * MINUTES_PER_DAY + 9 * 60),
        strict=True,
    )
    writer.write(schema.stage_events, ("id", "contact_id", "account_id", "stage_id", "entered_at"), rows)


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
    accounts: Accounts,
    plan: tuple[IntArray, IntArray, IntArray, IntArray, FloatArray],
    monthly: IntArray,
    users: IntArray,
) -> None:
    """Monthly lines: ``plan`` = (account, day of the first line, lines, contract months already paid
    before it, margin); the fee grows by the account's expansion up to EXPANSION_CEILING."""
    account, first_line, lines, offset, margin = plan
    growth = accounts.behaviour("expansion")[account] + t.PAIN_EXPANSION_BONUS * accounts.pain[account]
    customer = np.repeat(np.arange(len(account)), lines)
    month = np.arange(len(customer)) - (np.cumsum(lines) - lines)[customer]
    factor = np.minimum((1.0 + growth[customer]) ** (offset[customer] + month), t.EXPANSION_CEILING)
    amount = np.round(monthly[customer] * factor, -3).astype(np.int64)
    profit = np.round(amount * margin[customer]).astype(np.int64)
    dates = day_strings(month_start_days(first_line[customer], month))
    enterprise = users[customer] >= ENTERPRISE_USERS
    plan_name = np.where(enterprise, f"{p.PRODUCT} エンタープライズ", f"{p.PRODUCT} スタンダード")
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
    conn: Connection, seed: int, ctx: tuple[Accounts, Leads, Staff, History], deals: Deals, paid: Paid
) -> None:
    """Set customer_since and owners on accounts, and lifecycle stage and owner on deal contacts."""
    accounts, leads, staff, history = ctx
    rng = rng_for(seed, PHASE, 1)
    epoch = p.WINDOW_START.date()
    won = np.flatnonzero(deals.won)
    since = {int(deals.account[k]): epoch + dt.timedelta(days=int(deals.closed_day[k])) for k in won.tolist()}
    owner = {int(deals.account[k]): deals.owners[k] for k in won.tolist()}
    for k in np.flatnonzero(history.won).tolist():
        since[int(history.account[k])] = epoch + dt.timedelta(days=int(history.closed_day[k]))
        owner[int(history.account[k])] = history.owners[k]
    named = np.flatnonzero(accounts.named).tolist()
    for a, name in zip(named, pick(rng, staff.account_sales, len(named)), strict=True):
        owner.setdefault(a, name)
    rows = [{"_id": int(accounts.ids[a]), "customer_since": since.get(a), "owner": owner[a]} for a in sorted(owner)]
    update_rows(conn, schema.accounts, ("customer_since", "owner"), rows)
    retained = {int(deals.contact[k]) for k, n in zip(won.tolist(), paid.window_lines.tolist(), strict=True) if n > 12}
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
    deal = history.won_by_account(len(accounts))[paid.installed[paid.installed_renewed]]
    renewed = [{"_id": int(c), "lifecycle_stage": "retained"} for c in history.primary[deal].tolist()]
    update_rows(conn, schema.contacts, ("lifecycle_stage",), renewed)
