"""Challenges (課題DB): notes by sales, IS, marketing and CS about leads' and customers' problems.

The category of a note follows its account's pains, so 属人化・ナレッジ継承 is over-represented in
the ICP and, with データ活用・可視化, among the customers with the highest LTV (the pains drive
renewal and expansion in :mod:`tenbin.demo.gen_revenue`).
"""

from __future__ import annotations

import json

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import DEPARTMENT_NAMES, Refs
from tenbin.demo.gen_deals import Deals
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_util import MINUTES_PER_DAY, IntArray, Writer, choice_rows, day_strings, rng_for

PHASE = 7
CATEGORIES: tuple[str, ...] = text.CHALLENGE_CATEGORIES
_BASE_CATEGORY_WEIGHTS = np.array([0.12, 0.16, 0.07, 0.13, 0.08, 0.10, 0.05, 0.08, 0.07, 0.08])
PAIN_WEIGHT = 4.0  # added to a category's weight when the account has that pain
SOURCES: tuple[str, ...] = text.SOURCE_TYPES  # 商談記録 IS通話 問い合わせ セミナー質問 アンケート CS記録 開発要望
_SOURCE_P = np.array(
    [
        [0.0, 0.15, 0.25, 0.25, 0.35, 0.0, 0.0],  # lead
        [0.0, 0.35, 0.2, 0.25, 0.2, 0.0, 0.0],  # MQL
        [0.45, 0.2, 0.1, 0.1, 0.15, 0.0, 0.0],  # account in a deal
        [0.2, 0.05, 0.05, 0.05, 0.15, 0.35, 0.15],  # customer
    ]
)
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
    category = _categories(rng, accounts, np.maximum(account, 0), account >= 0)
    observed = _observed_days(rng, leads, days, picked, source)
    age = (p.WINDOW_DAYS - observed) / p.WINDOW_DAYS
    u = rng.random(len(picked))
    state = np.where(u < 0.1 + 0.45 * age, "addressed", np.where(u < 0.3 + 0.45 * age, "in_progress", "open"))
    ids = writer.ids(schema.challenges, len(picked)).tolist()
    columns = (ids, picked.tolist(), account.tolist(), category.tolist(), source.tolist())
    extra = (day_strings(observed), _authors(rng, staff, source), state.tolist())
    rows, links = [], []
    for ident, lead, a, cat, src, observed_on, author, state_k in zip(*columns, *extra, strict=True):
        department = DEPARTMENT_NAMES[int(leads.department[lead])]
        industry = str(accounts.industry[a]) if a >= 0 else "T"  # T: 分類不能 (company unknown)
        note = text.challenge_note(
            rng, category=CATEGORIES[cat], source_type=SOURCES[src], industry=industry, department=department
        )
        rows.append((
            ident, note.statement, note.detail, refs.categories[CATEGORIES[cat]],
            json.dumps(list(note.tags), ensure_ascii=False), SOURCES[src], int(accounts.ids[a]) if a >= 0 else None,
            int(leads.ids[lead]), department, p.LEVELS[int(leads.level[lead])], observed_on, author, state_k,
        ))  # fmt: skip
        if a >= 0 and SOURCES[src] == "商談記録" and days.deal[a] >= 0:
            links.append((ident, int(days.deal[a])))  # a deal note points at its opportunity
    writer.write(schema.challenges, CHALLENGE_COLUMNS, rows)
    _write_links(writer, links)


def _write_links(writer: Writer, links: list[tuple[int, int]]) -> None:
    link_ids = writer.ids(schema.challenge_links, len(links)).tolist()
    writer.write(
        schema.challenge_links,
        ("id", "challenge_id", "target_type", "target_id", "label"),
        [(i, c, "opportunity", d, "商談") for i, (c, d) in zip(link_ids, links, strict=True)],
    )
