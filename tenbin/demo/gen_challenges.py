"""Challenges (課題DB): notes by sales, IS, marketing and CS about leads' and customers' problems.

The category of a note follows its account's pains, so 属人化・ナレッジ継承 is over-represented in
the ICP and, with データ活用・可視化, among the customers with the highest LTV (the pains drive
renewal and expansion in :mod:`tenbin.demo.gen_revenue`). Notes come from the window's leads and,
for the installed base (which has no leads in the window), from the people on their won deal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import DEPARTMENT_NAMES, Refs
from tenbin.demo.gen_deals import Deals
from tenbin.demo.gen_history import History
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_revenue import Paid
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    IntArray,
    Writer,
    choice_rows,
    day_strings,
    month_start_days,
    rng_for,
)

PHASE = 7
CATEGORIES: tuple[str, ...] = text.CHALLENGE_CATEGORIES
_BASE_CATEGORY_WEIGHTS = np.array([0.12, 0.16, 0.07, 0.13, 0.08, 0.10, 0.05, 0.08, 0.07, 0.08])
PAIN_WEIGHT = 4.0  # added to a category's weight when the account has that pain
CUSTOMER_NOTES = 2.0  # mean notes per installed customer in the window
CUSTOMER_CHUNK = 10_000  # generator chunk of those notes (the lead-based parts count up from 1)
SOURCES: tuple[str, ...] = text.SOURCE_TYPES  # 商談記録 IS通話 問い合わせ セミナー質問 アンケート CS記録 開発要望
_SOURCE_P = np.array(
    [
        [0.0, 0.15, 0.25, 0.25, 0.35, 0.0, 0.0],  # lead
        [0.0, 0.35, 0.2, 0.25, 0.2, 0.0, 0.0],  # MQL
        [0.45, 0.2, 0.1, 0.1, 0.15, 0.0, 0.0],  # account in a deal
        [0.2, 0.05, 0.05, 0.05, 0.15, 0.35, 0.15],  # customer
    ]
)
# 商談記録 IS通話 問い合わせ セミナー質問 アンケート CS記録 開発要望, for notes about installed customers
_CUSTOMER_SOURCE_P = np.array([0.1, 0.0, 0.1, 0.0, 0.15, 0.45, 0.2])
CHALLENGE_COLUMNS = (
    "id",
    "statement",
    "detail",
    "category_id",
    "tags",
    "source_type",
    "account_id",
    "contact_id",
    "department",
    "level",
    "observed_on",
    "author",
    "status",
)


class DealDays:
    """Per account: the day its opportunity opened and closed, and whether it became a customer."""

    def __init__(self, accounts: Accounts, deals: Deals) -> None:
        size = len(accounts)
        self.created = np.full(size, -1, dtype=np.int64)
        self.closed = np.full(size, p.WINDOW_DAYS - 1, dtype=np.int64)
        self.customer = np.zeros(size, dtype=bool)
        self.deal = np.full(size, -1, dtype=np.int64)
        self.created[deals.account] = deals.created // MINUTES_PER_DAY
        self.closed[deals.account] = np.where(deals.open, p.WINDOW_DAYS - 1, deals.closed_day)
        self.customer[deals.account] = deals.won
        self.deal[deals.account] = deals.ids


def write_challenges(
    writer: Writer, seed: int, scale: float, ctx: tuple[Accounts, Leads, Staff, Refs], deals: Deals
) -> None:
    accounts, leads, staff, refs = ctx
    rng = rng_for(seed, PHASE)
    total = max(100, round(p.BASE_CHALLENGES * scale))
    days = DealDays(accounts, deals)
    account = np.maximum(leads.account, 0)
    linked = leads.account >= 0
    status = np.where(
        linked & days.customer[account],
        3,
        np.where(linked & (days.created[account] >= 0), 2, leads.mql.astype(np.int64)),
    )
    weight = (1.0 + 1.5 * leads.mql + 2.0 * (status >= 2) + 3.0 * (status == 3)) * np.where(linked, 1.0, 0.3)
    chosen = np.sort(rng.choice(len(leads), size=total, p=weight / weight.sum()))
    for part, start in enumerate(range(0, total, p.LEAD_CHUNK)):
        picked = chosen[start : start + p.LEAD_CHUNK]
        _write_part(
            writer, rng_for(seed, PHASE, part + 1), (accounts, leads, staff, refs), days, (picked, status[picked])
        )


def _categories(rng: np.random.Generator, accounts: Accounts, account: IntArray, linked: np.ndarray) -> IntArray:
    weights = np.tile(_BASE_CATEGORY_WEIGHTS, (len(account), 1))
    weights[:, CATEGORIES.index(t.KNOWLEDGE)] += PAIN_WEIGHT * (linked & accounts.pain_knowledge[account])
    weights[:, CATEGORIES.index(t.DATA)] += PAIN_WEIGHT * (linked & accounts.pain_data[account])
    return choice_rows(rng, weights)


def _observed_days(
    rng: np.random.Generator, leads: Leads, days: DealDays, picked: IntArray, source: IntArray
) -> IntArray:
    """CS notes after the close, deal notes during the deal, the rest soon after acquisition."""
    account = np.maximum(leads.account[picked], 0)
    acquired = leads.minute[picked] // MINUTES_PER_DAY
    u = rng.random(len(picked))
    last = p.WINDOW_DAYS - 1
    after_close = days.closed[account] + u * (last - days.closed[account])
    during = np.maximum(days.created[account], acquired) + u * (
        days.closed[account] - np.maximum(days.created[account], acquired)
    )
    soon = acquired + u * 60
    name = np.array(SOURCES)[source]
    chosen = np.where(np.isin(name, ("CS記録", "開発要望")), after_close, np.where(name == "商談記録", during, soon))
    return np.clip(np.floor(chosen), acquired, last).astype(np.int64)


def _authors(rng: np.random.Generator, staff: Staff, source: IntArray) -> list[str]:
    teams = {
        "商談記録": staff.sales,
        "IS通話": staff.inside_sales,
        "CS記録": staff.account_sales,
        "開発要望": staff.account_sales,
    }
    u = rng.random(len(source)).tolist()
    return [
        (pool := teams.get(SOURCES[s], staff.marketing))[int(x * len(pool))]
        for s, x in zip(source.tolist(), u, strict=True)
    ]


@dataclass
class Notes:
    """A batch of notes as columns: who wrote what, where and when (account −1: company unknown)."""

    account: IntArray
    contact_id: IntArray
    department: IntArray  # index into DEPARTMENT_NAMES
    level: IntArray  # index into gen_params.LEVELS
    source: IntArray  # index into SOURCES
    observed: IntArray  # day index


def _write_part(
    writer: Writer,
    rng: np.random.Generator,
    ctx: tuple[Accounts, Leads, Staff, Refs],
    days: DealDays,
    part: tuple[IntArray, IntArray],
) -> None:
    accounts, leads, staff, refs = ctx
    picked, status = part
    account = np.where(leads.account[picked] >= 0, leads.account[picked], -1)
    source = choice_rows(rng, _SOURCE_P[status])
    observed = _observed_days(rng, leads, days, picked, source)
    notes = Notes(account, leads.ids[picked], leads.department[picked], leads.level[picked], source, observed)
    links = _write_notes(writer, rng, (accounts, staff, refs), notes)
    _write_links(writer, [(c, int(days.deal[a])) for c, a in links if days.deal[a] >= 0])


def _write_notes(
    writer: Writer, rng: np.random.Generator, ctx: tuple[Accounts, Staff, Refs], notes: Notes
) -> list[tuple[int, int]]:
    """Write the notes (category from the account's pains, text, author, status); returns
    (challenge id, account position) of the deal notes (商談記録) at known companies."""
    accounts, staff, refs = ctx
    account, source = notes.account, notes.source
    category = _categories(rng, accounts, np.maximum(account, 0), account >= 0)
    age = (p.WINDOW_DAYS - notes.observed) / p.WINDOW_DAYS
    u = rng.random(len(account))
    state = np.where(u < 0.1 + 0.45 * age, "addressed", np.where(u < 0.3 + 0.45 * age, "in_progress", "open"))
    ids = writer.ids(schema.challenges, len(account)).tolist()
    columns = (ids, account.tolist(), category.tolist(), source.tolist(), notes.department.tolist())
    extra = (notes.contact_id.tolist(), notes.level.tolist(), day_strings(notes.observed))
    more = (_authors(rng, staff, source), state.tolist())
    rows, links = [], []
    for ident, a, cat, src, dep, contact, level, observed_on, author, state_k in zip(
        *columns, *extra, *more, strict=True
    ):
        department = DEPARTMENT_NAMES[dep]
        industry = str(accounts.industry[a]) if a >= 0 else "T"  # T: 分類不能 (company unknown)
        note = text.challenge_note(
            rng, category=CATEGORIES[cat], source_type=SOURCES[src], industry=industry, department=department
        )
        rows.append((
            ident, note.statement, note.detail, refs.categories[CATEGORIES[cat]],
            json.dumps(list(note.tags), ensure_ascii=False), SOURCES[src], int(accounts.ids[a]) if a >= 0 else None,
            contact, department, p.LEVELS[level], observed_on, author, state_k,
        ))  # fmt: skip
        if a >= 0 and SOURCES[src] == "商談記録":
            links.append((ident, a))
    writer.write(schema.challenges, CHALLENGE_COLUMNS, rows)
    return links


def write_customer_notes(
    writer: Writer, seed: int, ctx: tuple[Accounts, Staff, Refs], history: History, paid: Paid
) -> None:
    """Notes about the installed base in the window (CS, 開発要望, surveys, upsell talks), by the
    people on their won deal, while they are customers."""
    accounts, _, _ = ctx
    rng = rng_for(seed, PHASE, CUSTOMER_CHUNK)
    count = rng.poisson(CUSTOMER_NOTES, len(paid.installed))
    customer = np.repeat(np.arange(len(paid.installed)), count)
    account = paid.installed[customer]
    deal = history.won_by_account(len(accounts))[account]
    first = np.searchsorted(history.contact_deal, deal, side="left")
    people = np.searchsorted(history.contact_deal, deal, side="right") - first
    person = first + np.floor(rng.random(len(deal)) * people).astype(np.int64)
    paid_until = month_start_days(np.zeros(len(customer), dtype=np.int64), paid.installed_lines[customer])
    source = choice_rows(rng, np.tile(_CUSTOMER_SOURCE_P, (len(customer), 1)))
    notes = Notes(
        account,
        history.contact_ids[person],
        history.contact_department[person],
        history.contact_level[person],
        source,
        np.floor(rng.random(len(customer)) * np.minimum(paid_until, p.WINDOW_DAYS)).astype(np.int64),
    )
    _write_notes(writer, rng, ctx, notes)


def _write_links(writer: Writer, links: list[tuple[int, int]]) -> None:
    link_ids = writer.ids(schema.challenge_links, len(links)).tolist()
    writer.write(
        schema.challenge_links,
        ("id", "challenge_id", "target_type", "target_id", "label"),
        [(i, c, "opportunity", d, "商談") for i, (c, d) in zip(link_ids, links, strict=True)],
    )
