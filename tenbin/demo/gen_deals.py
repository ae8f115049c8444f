"""Opportunities (商談) with buying groups (購買グループ), decided by the planted win model.

An account's first SQL-qualified lead opens its opportunity. The buying group is drawn from the
account's contacts known by the close date; the outcome is drawn from :data:`truth.WIN_MODEL` on
the group's consensus, the budget fit and the highest offer rung the account had reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import DEPARTMENT_FUNCTION, IT_FUNCTION, Refs
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    NEVER,
    BoolArray,
    FloatArray,
    IntArray,
    Writer,
    day_strings,
    minute_strings,
    pick,
    rng_for,
)

PHASE = 5
STANCE_P = np.array([t.BEHAVIOUR[s].stance for s in (t.OTHER, t.ICP.key, t.FUTURE_ICP.key)])
ENGAGEMENT_BY_STANCE = ((2, 3), (1, 2), (1, 3), (0, 1))  # support, neutral, oppose, unknown
OPPORTUNITY_COLUMNS = (
    "id",
    "account_id",
    "contact_id",
    "name",
    "amount",
    "budget",
    "stage",
    "status",
    "lost_reason",
    "created_on",
    "closed_on",
    "owner",
)
MEMBER_COLUMNS = ("id", "contact_id", "account_id", "opportunity_id", "role", "engagement", "stance")


@dataclass
class Deals:
    """One opportunity per position, in order of creation."""

    ids: IntArray
    account: IntArray  # account position
    contact: IntArray  # lead position of the SQL lead (the primary contact)
    created: IntArray  # minute the lead became SQL (created_on is its day)
    closed_day: IntArray  # day index of the close; meaningful when not open
    open: BoolArray
    won: BoolArray
    monthly: IntArray  # the subscription's monthly fee at signature (yen)
    users: IntArray
    owners: list[str]


def open_deals(seed: int, accounts: Accounts, leads: Leads) -> Deals:
    """One opportunity per account with an SQL lead: the account's earliest one opens it."""
    rng = rng_for(seed, PHASE)
    candidate = np.flatnonzero(leads.sql_minute < NEVER)
    order = candidate[np.lexsort((leads.sql_minute[candidate], leads.account[candidate]))]
    _, first = np.unique(leads.account[order], return_index=True)
    contact = order[first]
    contact = contact[np.argsort(leads.sql_minute[contact], kind="stable")]
    account = leads.account[contact]
    created = leads.sql_minute[contact]
    closed_day = created // MINUTES_PER_DAY + sales_cycle(rng, accounts.segment[account])
    users, monthly = signature_seats(rng, accounts, account)
    return Deals(
        ids=np.zeros(len(contact), dtype=np.int64),
        account=account,
        contact=contact,
        created=created,
        closed_day=closed_day,
        open=closed_day * MINUTES_PER_DAY + 17 * 60 >= p.WINDOW_MINUTES,
        won=np.zeros(len(contact), dtype=bool),
        monthly=monthly,
        users=users,
        owners=[],
    )


def sales_cycle(rng: np.random.Generator, segment: IntArray) -> IntArray:
    """Days from opening to closing a deal (log-normal; the ICP's larger buying groups take longer)."""
    median = np.where(segment == 1, 85, 70)
    cycle = np.clip(np.round(np.exp(np.log(median) + 0.45 * rng.standard_normal(len(segment)))), 14, 300)
    return np.asarray(cycle, dtype=np.int64)


def signature_seats(rng: np.random.Generator, accounts: Accounts, account: IntArray) -> tuple[IntArray, IntArray]:
    """Users and monthly fee (yen) of a first contract: the deployed site (at most DEPLOYMENT_CAP
    employees) × the segment's adoption (× PAIN_ADOPTION_FACTOR with a pain the product solves)."""
    adoption = accounts.behaviour("adoption")[account] * np.where(accounts.pain[account], t.PAIN_ADOPTION_FACTOR, 1.0)
    site = np.minimum(accounts.employees[account], t.DEPLOYMENT_CAP)
    users = np.clip(np.round(site * adoption * np.exp(0.25 * rng.standard_normal(len(account)))), 5, 5_000)
    monthly = np.round(p.BASE_FEE + p.PRICE_PER_USER * users, -3).astype(np.int64)
    return users.astype(np.int64), monthly


@dataclass
class Group:
    """A buying group's members (lead positions, roles, stances, engagement) and its consensus."""

    members: list[int]
    roles: list[str]
    stances: list[str]
    engagement: list[int]

    def support_roles(self) -> int:
        return len({r for r, s in zip(self.roles, self.stances, strict=True) if s == "support" and r in t.KEY_ROLES})

    def any_oppose(self) -> bool:
        return "oppose" in self.stances


class ContactIndex:
    """The contacts of each account in acquisition order (leads are sorted by acquisition)."""

    def __init__(self, leads: Leads, accounts: Accounts) -> None:
        linked = np.flatnonzero(leads.account >= 0)
        self.order = linked[np.argsort(leads.account[linked], kind="stable")]
        counts = np.bincount(leads.account[linked], minlength=len(accounts))
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts

    def of(self, account: int) -> IntArray:
        return self.order[self.starts[account] : self.ends[account]]


def role_for(rng: np.random.Generator, level: int, it: bool, primary: bool) -> str:
    if it and level < 3 and rng.random() < 0.7:
        return "it_evaluator"
    if primary and level < 2:
        return "champion"
    options = (
        ("user_department", "influencer", "champion"),
        ("user_department", "champion", "budget_holder"),
        ("budget_holder", "budget_holder", "decision_maker"),
        ("decision_maker",),
    )[level]
    return options[int(rng.integers(0, len(options)))]


def draw_group(
    rng: np.random.Generator, leads: Leads, contacts: IntArray, primary: int, extra_mean: float, segment: int
) -> Group:
    others = contacts[contacts != primary]
    extra = min(int(rng.poisson(extra_mean)), len(others))
    chosen = [primary, *rng.choice(others, size=extra, replace=False).tolist()] if extra else [primary]
    roles = [
        role_for(rng, int(leads.level[c]), bool(DEPARTMENT_FUNCTION[leads.department[c]] == IT_FUNCTION), c == primary)
        for c in chosen
    ]
    stance_index = rng.choice(4, size=len(chosen), p=STANCE_P[segment]).tolist()
    engagement = [int(rng.integers(*ENGAGEMENT_BY_STANCE[s]) + rng.integers(0, 2)) for s in stance_index]
    return Group(chosen, roles, [t.STANCES[s] for s in stance_index], [min(e, 3) for e in engagement])


def highest_rung(leads: Leads, contacts: IntArray, until_minute: int) -> int:
    """The highest offer rank any of the account's contacts reached by ``until_minute``."""
    reached = (leads.reach[contacts] <= until_minute).any(axis=0)
    return int(np.flatnonzero(reached).max()) + 1 if reached.any() else 1


def decide(writer: Writer, seed: int, ctx: tuple[Accounts, Leads, Staff, Refs], deals: Deals) -> None:
    """Draw buying groups and outcomes, then write opportunities, members and SQL/won events."""
    accounts, leads, staff, refs = ctx
    rng = rng_for(seed, PHASE, 1)
    index = ContactIndex(leads, accounts)
    extra_mean = accounts.behaviour("extra_members")
    budget_median = accounts.behaviour("budget_median")
    size = len(deals.account)
    groups, rung = [], np.zeros(size, dtype=np.int64)
    for k in range(size):
        a = int(deals.account[k])
        contacts = index.of(a)
        cutoff = p.WINDOW_MINUTES if deals.open[k] else int(deals.closed_day[k]) * MINUTES_PER_DAY
        known = contacts[leads.minute[contacts] <= cutoff]
        groups.append(
            draw_group(rng, leads, known, int(deals.contact[k]), float(extra_mean[a]), int(accounts.segment[a]))
        )
        created_day_end = (int(deals.created[k]) // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY - 1
        rung[k] = highest_rung(leads, contacts, created_day_end)
    amount = deals.monthly * 12
    ratio = np.exp(np.log(budget_median[deals.account]) + 0.3 * rng.standard_normal(size))
    budget = np.maximum(np.round(amount * ratio, -5), 100_000).astype(np.int64)
    support = np.array([g.support_roles() for g in groups], dtype=np.int64)
    oppose = np.array([g.any_oppose() for g in groups], dtype=bool)
    chance = t.WIN_MODEL.probability(support, oppose, budget / amount, rung)
    deals.won = ~deals.open & (rng.random(size) < chance)
    deals.ids = writer.ids(schema.opportunities, size)
    deals.owners = deal_owners(rng, staff, accounts.named[deals.account])
    reasons = lost_reasons(rng, support, oppose, budget / amount, rung)
    _write_opportunities(writer, ctx, deals, (amount, budget, reasons))
    _write_members(writer, accounts, leads, deals, groups)
    _write_deal_events(writer, accounts, leads, refs, deals)


def deal_owners(rng: np.random.Generator, staff: Staff, named: BoolArray) -> list[str]:
    """The owner of each deal: account sales for named accounts, field sales otherwise."""
    size = len(named)
    account_sales, sales = pick(rng, staff.account_sales, size), pick(rng, staff.sales, size)
    return [a if n else s for a, s, n in zip(account_sales, sales, named.tolist(), strict=True)]


def lost_reasons(
    rng: np.random.Generator, support: IntArray, oppose: BoolArray, ratio: FloatArray, rung: IntArray
) -> list[str]:
    """価格, 他社決定, 時期尚早, 予算不足, 社内合意が取れず: weighted by what went wrong."""
    weights = np.tile(np.array([1.0, 1.2, 0.6, 0.6, 0.5]), (len(support), 1))
    weights[:, 4] *= np.where(oppose, 5.0, 1.0)
    weights[:, 3] *= np.where(ratio < 0.85, 3.0, 1.0)
    weights[:, 0] *= np.where(ratio < 0.85, 2.0, 1.0)
    weights[:, 2] *= np.where(rung <= 3, 3.0, 1.0)
    weights[:, 1] *= np.where(support >= 3, 1.6, 1.0)
    cumulative = np.cumsum(weights, axis=1)
    picked = (cumulative < (rng.random(len(support)) * cumulative[:, -1])[:, None]).sum(axis=1)
    return [p.LOST_REASONS[min(int(i), 4)] for i in picked.tolist()]


def _write_opportunities(
    writer: Writer, ctx: tuple[Accounts, Leads, Staff, Refs], deals: Deals, money: tuple[IntArray, IntArray, list[str]]
) -> None:
    accounts, leads, _, _ = ctx
    amount, budget, reasons = money
    created_on = day_strings(deals.created // MINUTES_PER_DAY)
    closed_on = day_strings(deals.closed_day)
    elapsed = (p.WINDOW_DAYS - deals.created // MINUTES_PER_DAY) / np.maximum(
        deals.closed_day - deals.created // MINUTES_PER_DAY, 1
    )
    open_stage = np.minimum((elapsed * len(p.OPEN_STAGES)).astype(np.int64), len(p.OPEN_STAGES) - 1)
    rows = []
    for k in range(len(deals.ids)):
        a = int(deals.account[k])
        is_open, won = bool(deals.open[k]), bool(deals.won[k])
        status = "open" if is_open else ("won" if won else "lost")
        stage = p.OPEN_STAGES[int(open_stage[k])] if is_open else ("受注" if won else "失注")
        rows.append(
            (
                int(deals.ids[k]),
                int(accounts.ids[a]),
                int(leads.ids[deals.contact[k]]),
                f"{accounts.bases[a]}様 {p.PRODUCT}導入",
                int(amount[k]),
                int(budget[k]),
                stage,
                status,
                reasons[k] if status == "lost" else None,
                created_on[k],
                None if is_open else closed_on[k],
                deals.owners[k],
            )
        )
    writer.write(schema.opportunities, OPPORTUNITY_COLUMNS, rows)


def _write_members(writer: Writer, accounts: Accounts, leads: Leads, deals: Deals, groups: list[Group]) -> None:
    ids = writer.ids(schema.buying_group_members, sum(len(g.members) for g in groups)).tolist()
    rows, n = [], 0
    for k, group in enumerate(groups):
        account_id, deal_id = int(accounts.ids[deals.account[k]]), int(deals.ids[k])
        for member, role, stance, engagement in zip(
            group.members, group.roles, group.stances, group.engagement, strict=True
        ):
            rows.append((ids[n], int(leads.ids[member]), account_id, deal_id, role, engagement, stance))
            n += 1
    writer.write(schema.buying_group_members, MEMBER_COLUMNS, rows)


def _write_deal_events(writer: Writer, accounts: Accounts, leads: Leads, refs: Refs, deals: Deals) -> None:
    """商談化(SQL) when the opportunity opens; 受注 at 17:00 on the close day of won deals."""
    won = np.flatnonzero(deals.won)
    contact = np.concatenate([leads.ids[deals.contact], leads.ids[deals.contact[won]]])
    account = np.concatenate([accounts.ids[deals.account], accounts.ids[deals.account[won]]])
    minute = np.concatenate([deals.created, deals.closed_day[won] * MINUTES_PER_DAY + 17 * 60])
    stage = [refs.stages["sql"]] * len(deals.ids) + [refs.stages["won"]] * len(won)
    ids = writer.ids(schema.stage_events, len(contact)).tolist()
    rows = zip(ids, contact.tolist(), account.tolist(), stage, minute_strings(minute), strict=True)
    writer.write(schema.stage_events, ("id", "contact_id", "account_id", "stage_id", "entered_at"), rows)
