"""Contacts (リード), their responses and their lead/MQL stage events, written chunk by chunk.

Per chunk only the rows being written live in Python lists; what later phases need (level,
department, highest rung, MQL, SQL time) goes into the numpy columns of :class:`Leads`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo.gen_accounts import Accounts
from tenbin.demo.gen_campaigns import Campaigns, Staff
from tenbin.demo.gen_leads import Leads
from tenbin.demo.gen_responses import CampaignSampler, Ladder, climb
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    NEVER,
    IntArray,
    Writer,
    choice_rows,
    minute_strings,
    pick,
    rng_for,
)

PHASE = 4
FUNCTIONS: tuple[str, ...] = tuple(text.DEPARTMENTS)
DEPARTMENT_NAMES: tuple[str, ...] = tuple(d for f in FUNCTIONS for d in text.DEPARTMENTS[f])
DEPARTMENT_FUNCTION = np.array([FUNCTIONS.index(f) for f in FUNCTIONS for _ in text.DEPARTMENTS[f]])
IT_FUNCTION = FUNCTIONS.index("it")
_BASE_FUNCTION_WEIGHTS = {
    "sales": 0.2,
    "it": 0.13,
    "manufacturing": 0.04,
    "admin": 0.15,
    "executive": 0.12,
    "logistics": 0.04,
    "marketing": 0.1,
    "store": 0.02,
    "service": 0.07,
}
_INDUSTRY_FUNCTIONS = {"E": "manufacturing", "D": "manufacturing", "H": "logistics", "I": "store"}
MANAGER_LEVELS = (0.3, 0.33, 0.24, 0.13)  # quality campaigns and buying groups reach more managers
SQL_CHANCE = np.array([0.0, 0.0, 0.02, 0.24, 0.5, 0.65])  # by highest rung
SQL_SEGMENT_FACTOR = np.array([1.0, 1.35, 1.25])
CONTACT_COLUMNS = (
    "id",
    "account_id",
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "email",
    "phone",
    "department",
    "title",
    "level",
    "source",
    "lifecycle_stage",
    "owner",
    "acquired_at",
)
RESPONSE_COLUMNS = ("id", "contact_id", "campaign_id", "offer_id", "responded_at", "status")
EVENT_COLUMNS = ("id", "contact_id", "account_id", "stage_id", "entered_at")


@dataclass(frozen=True)
class Refs:
    """Ids of the reference rows the migration inserted."""

    offers: IntArray  # offer id by rung - 1
    stages: dict[str, int]  # stage id by code
    categories: dict[str, int]  # challenge category id by name


def _function_weights() -> dict[str, np.ndarray]:
    weights = {}
    for letter in ("E", "D", "H", "I", ""):
        w = dict(_BASE_FUNCTION_WEIGHTS)
        if letter:
            w[_INDUSTRY_FUNCTIONS[letter]] += 0.3
        weights[letter] = np.array([w[f] for f in FUNCTIONS])
    return weights


_FUNCTION_WEIGHTS = _function_weights()


class EmailBook:
    """Hands out unique addresses: a clash gets the next free number (yamada.taro2@…)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, local: str, domain: str) -> str:
        address, k = f"{local}@{domain}", 2
        while address in self.taken:
            address, k = f"{local}{k}@{domain}", k + 1
        self.taken.add(address)
        return address


def write_contacts(writer: Writer, seed: int, ctx: tuple[Accounts, Campaigns, Leads, Staff, Refs]) -> EmailBook:
    """Write the leads of the window; returns the address book, for the people of older deals."""
    accounts, campaigns, leads, _, _ = ctx
    leads.prepare()
    sampler = CampaignSampler(campaigns)
    emails = EmailBook()
    for chunk, start in enumerate(range(0, len(leads), p.LEAD_CHUNK)):
        rows = slice(start, min(start + p.LEAD_CHUNK, len(leads)))
        rng = rng_for(seed, PHASE, chunk)
        leads.ids[rows] = writer.ids(schema.contacts, rows.stop - rows.start)
        segment = leads.segment(accounts)[rows]
        ladder = climb(
            rng,
            campaigns=campaigns,
            sampler=sampler,
            first_campaign=leads.campaign[rows],
            start=leads.minute[rows],
            segment=segment,
        )
        _qualify(rng, leads, rows, ladder, segment)
        _write_contact_rows(writer, rng, ctx, rows, emails)
        _write_responses(writer, ctx, rows, ladder)
        _write_lead_events(writer, ctx, rows)
    return emails


def _qualify(rng: np.random.Generator, leads: Leads, rows: slice, ladder: Ladder, segment: IntArray) -> None:
    """MQL at the first response at セミナー申込 or above (rank 3+ always, rank 2 half the time);
    SQL candidates (IS-qualified, sent to sales) some days after reaching their highest rung."""
    top = ladder.top
    leads.rung[rows], leads.reach[rows] = top, ladder.reach
    mql = (top >= 3) | ((top == 2) & (rng.random(len(top)) < 0.5))
    leads.mql[rows] = mql
    chance = np.minimum(SQL_CHANCE[top] * SQL_SEGMENT_FACTOR[segment], 0.95)
    linked = leads.account[rows] >= 0
    candidate = mql & linked & (rng.random(len(top)) < chance)
    reached = ladder.reach[np.arange(len(top)), top - 1]
    when = reached + rng.integers(1, 10, len(top)) * MINUTES_PER_DAY + rng.integers(0, 240, len(top))
    leads.sql_minute[rows] = np.where(candidate & (when < p.WINDOW_MINUTES - MINUTES_PER_DAY), when, NEVER)


def _people(rng: np.random.Generator, accounts: Accounts, leads: Leads, rows: slice, quality: IntArray) -> None:
    """Level and department of each lead (quality campaigns reach more managers and directors)."""
    level_p = np.where(quality[:, None] == 1, [MANAGER_LEVELS], [p.LEVEL_WEIGHTS])
    leads.level[rows] = choice_rows(rng, level_p)
    account = leads.account[rows]
    letters = np.where(account >= 0, accounts.industry[np.maximum(account, 0)], "")
    if rows.stop > rows.start:
        leads.department[rows] = departments(rng, letters)


def departments(rng: np.random.Generator, letters: np.ndarray) -> IntArray:
    """A department (index into DEPARTMENT_NAMES) per person, by the industry letter of the company
    ("" when unknown): 製造業 has more 製造・品質 people, 運輸業 more 物流 people."""
    if not len(letters):
        return np.zeros(0, dtype=np.int64)
    weights = np.stack([_FUNCTION_WEIGHTS.get(str(x), _FUNCTION_WEIGHTS[""]) for x in letters.tolist()])
    function = choice_rows(rng, weights)
    sizes = np.array([len(text.DEPARTMENTS[f]) for f in FUNCTIONS])
    offsets = np.cumsum(sizes) - sizes
    return np.asarray(offsets[function] + np.floor(rng.random(len(letters)) * sizes[function]), dtype=np.int64)


def email_for(emails: EmailBook, person: text.PersonName, domain: str | None, style: int) -> str:
    """Company address in the company's own convention, or a free-mail address (no domain)."""
    first, last = person.first_romaji, person.last_romaji
    if domain is None:
        return emails.claim(f"{last}.{first}{style % 97:02d}", p.FREE_MAIL[style % len(p.FREE_MAIL)])
    local = (f"{first}.{last}", f"{first[0]}-{last}", f"{last}.{first}")[style % 3]
    return emails.claim(local, domain)


def _write_contact_rows(
    writer: Writer,
    rng: np.random.Generator,
    ctx: tuple[Accounts, Campaigns, Leads, Staff, Refs],
    rows: slice,
    emails: EmailBook,
) -> None:
    accounts, campaigns, leads, staff, _ = ctx
    size = rows.stop - rows.start
    _people(rng, accounts, leads, rows, campaigns.orientation[leads.campaign[rows]])
    people = text.person_names(rng, size)
    free = (rng.random(size) < p.FREE_MAIL_SHARE) | (leads.account[rows] < 0)
    free_style = rng.integers(0, 10_000, size)
    phones = contact_phones(rng, size)
    owners = pick(rng, staff.inside_sales, size)
    stamps = minute_strings(leads.minute[rows])
    out = []
    for k in range(size):
        i, person, account = rows.start + k, people[k], int(leads.account[k + rows.start])
        domain = None if free[k] else accounts.domains[account]
        style = int(free_style[k]) if free[k] else int(accounts.ids[account])
        level, mql = p.LEVELS[int(leads.level[i])], bool(leads.mql[i])
        titles = text.TITLES_BY_LEVEL[level]
        out.append((
            int(leads.ids[i]), int(accounts.ids[account]) if account >= 0 else None, person.last, person.first,
            person.last_kana, person.first_kana, email_for(emails, person, domain, style), phones[k],
            DEPARTMENT_NAMES[int(leads.department[i])], titles[int(leads.ids[i]) % len(titles)], level,
            campaigns.channels[int(leads.campaign[i])], "mql" if mql else "lead", owners[k] if mql else None,
            stamps[k],
        ))  # fmt: skip
    writer.write(schema.contacts, CONTACT_COLUMNS, out)


def contact_phones(rng: np.random.Generator, size: int) -> list[str | None]:
    kind = rng.random(size)
    digits = rng.integers(0, 10**8, size).tolist()
    prefixes = pick(rng, ("090", "080", "070"), size)
    return [
        f"{prefixes[k]}{digits[k]:08d}" if kind[k] < 0.35 else (f"03{digits[k]:08d}" if kind[k] < 0.55 else None)
        for k in range(size)
    ]


def _write_responses(
    writer: Writer, ctx: tuple[Accounts, Campaigns, Leads, Staff, Refs], rows: slice, ladder: Ladder
) -> None:
    _, campaigns, leads, _, refs = ctx
    ids = writer.ids(schema.responses, len(ladder.lead)).tolist()
    contact = leads.ids[rows][ladder.lead].tolist()
    campaign = campaigns.ids[ladder.campaign].tolist()
    offer = refs.offers[ladder.rung - 1].tolist()
    stamps = minute_strings(ladder.minute)
    writer.write(
        schema.responses, RESPONSE_COLUMNS, zip(ids, contact, campaign, offer, stamps, ladder.status, strict=True)
    )


def _write_lead_events(writer: Writer, ctx: tuple[Accounts, Campaigns, Leads, Staff, Refs], rows: slice) -> None:
    """リード獲得 at acquisition; MQL half an hour after the first response at rank 2 or above."""
    accounts, _, leads, _, refs = ctx
    mql = np.flatnonzero(leads.mql[rows]) + rows.start
    mql_minute = np.minimum(leads.reach[mql, 1] + 30, p.WINDOW_MINUTES - 1)
    contact = np.concatenate([leads.ids[rows], leads.ids[mql]])
    account_pos = np.concatenate([leads.account[rows], leads.account[mql]])
    stage = [refs.stages["lead"]] * (rows.stop - rows.start) + [refs.stages["mql"]] * len(mql)
    minute = np.concatenate([leads.minute[rows], mql_minute])
    ids = writer.ids(schema.stage_events, len(contact)).tolist()
    account = [int(accounts.ids[a]) if a >= 0 else None for a in account_pos.tolist()]
    writer.write(
        schema.stage_events,
        EVENT_COLUMNS,
        zip(ids, contact.tolist(), account, stage, minute_strings(minute), strict=True),
    )
