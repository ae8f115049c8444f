"""Deals before the window, as migrated from the previous SFA: the won deal of every installed
customer and the lost deals of those years, with the people on them and their buying groups.

Who won is fixed by the installed base (:data:`truth.HISTORY`); the lost deals of each segment are
as many as its history win rate implies, at prospects of that segment. Each deal's buying group,
budget and offer rung are then drawn *given* its outcome under :data:`truth.WIN_MODEL` (importance
resampling over candidate draws), so consensus, budget fit and outcome relate as in the window.
The rung itself is not stored: responses exist only since the MA tool went live with the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenbin.db import schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo import truth as t
from tenbin.demo.gen_accounts import SEGMENT_CODES, SIZE_REACH, Accounts, by_segment
from tenbin.demo.gen_campaigns import Staff
from tenbin.demo.gen_contacts import (
    CONTACT_COLUMNS,
    DEPARTMENT_FUNCTION,
    DEPARTMENT_NAMES,
    EVENT_COLUMNS,
    IT_FUNCTION,
    MANAGER_LEVELS,
    EmailBook,
    Refs,
    contact_phones,
    departments,
    email_for,
)
from tenbin.demo.gen_deals import (
    ENGAGEMENT_BY_STANCE,
    MEMBER_COLUMNS,
    OPPORTUNITY_COLUMNS,
    STANCE_P,
    deal_owners,
    lost_reasons,
    role_for,
    sales_cycle,
    signature_seats,
)
from tenbin.demo.gen_util import (
    MINUTES_PER_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    Writer,
    choice_rows,
    day_strings,
    minute_strings,
    rng_for,
)

PHASE = 8
CANDIDATES = 8  # outcome-conditioned draws: candidates per deal
RUNG_P = np.array([0.0, 0.06, 0.34, 0.36, 0.24])  # highest offer rung reached before an old deal opened
MAX_MEMBERS = 6


@dataclass
class History:
    """The migrated deals (position k, in order of closing) and the people on them."""

    ids: IntArray
    account: IntArray  # account position
    won: BoolArray
    created_day: IntArray  # days since the window start (negative)
    closed_day: IntArray
    monthly: IntArray  # monthly fee at signature (yen)
    users: IntArray
    owners: list[str]
    primary: IntArray  # contact id of each deal's first contact
    contact_ids: IntArray  # every person on a deal, grouped by deal
    contact_deal: IntArray  # the deal position of each person
    contact_level: IntArray
    contact_department: IntArray

    def won_by_account(self, size: int) -> IntArray:
        """Per account position, its won deal's position (−1: none)."""
        result = np.full(size, -1, dtype=np.int64)
        won = np.flatnonzero(self.won)
        result[self.account[won]] = won
        return result


def _lost_accounts(rng: np.random.Generator, accounts: Accounts) -> IntArray:
    """Prospects that lost a deal before the window: per segment, lost = won × (1 − w) / w."""
    parts = []
    for key, code in SEGMENT_CODES.items():
        rate = t.HISTORY[key].win_rate
        won = int((accounts.installed & (accounts.segment == code)).sum())
        prospects = np.flatnonzero(~accounts.installed & (accounts.segment == code))
        lost = round(won * (1 - rate) / rate)
        if lost and len(prospects):
            weight = accounts.employees[prospects] ** SIZE_REACH
            parts.append(rng.choice(prospects, size=lost, p=weight / weight.sum()))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _lost_days(rng: np.random.Generator, account: IntArray) -> IntArray:
    """Close days of lost deals; an account that lost k times did so in k successive stretches."""
    order = np.argsort(account, kind="stable")
    sorted_accounts = account[order]
    starts = np.searchsorted(sorted_accounts, sorted_accounts, side="left")
    counts = np.searchsorted(sorted_accounts, sorted_accounts, side="right") - starts
    nth = np.arange(len(account)) - starts
    share = (nth + rng.uniform(0.05, 0.95, len(account))) / counts
    days = np.zeros(len(account), dtype=np.int64)
    days[order] = np.floor(-p.HISTORY_DAYS + share * (p.HISTORY_DAYS - 1)).astype(np.int64)
    return days


def _people(
    rng: np.random.Generator, accounts: Accounts, account: IntArray
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """Deal position, level and department of each person on the deals, and who is the first contact."""
    extra = np.minimum(rng.poisson(accounts.behaviour("extra_members")[account]), MAX_MEMBERS - 1)
    deal = np.repeat(np.arange(len(account)), 1 + extra)
    first = np.zeros(len(deal), dtype=bool)
    first[np.cumsum(1 + extra) - (1 + extra)] = True
    level_p = np.where(first[:, None], [p.LEVEL_WEIGHTS], [MANAGER_LEVELS])
    level = choice_rows(rng, level_p)
    department = departments(rng, accounts.industry[account[deal]])
    return deal, level, department, first


def _stances(
    rng: np.random.Generator, segment: IntArray, deal: IntArray, roles: list[str], won: BoolArray
) -> tuple[IntArray, IntArray, BoolArray, FloatArray, IntArray]:
    """Stances (per person), support roles, any oppose, budget ratio and rung (per deal), drawn given
    the outcome: CANDIDATES draws each, one kept with weight P(outcome | draw) under WIN_MODEL."""
    deals, k = len(won), CANDIDATES
    starts = np.flatnonzero(np.r_[True, deal[1:] != deal[:-1]])
    cumulative = np.cumsum(STANCE_P, axis=1)[segment[deal]]  # (people, 4)
    u = rng.random((len(deal), k))
    stance = np.minimum((u[:, :, None] >= cumulative[:, None, :]).sum(axis=2), 3)
    role = np.array(roles)
    support = np.zeros((deals, k), dtype=np.int64)
    for key_role in t.KEY_ROLES:
        backed = (stance == 0) & (role == key_role)[:, None]
        support += np.logical_or.reduceat(backed, starts, axis=0)
    oppose = np.logical_or.reduceat(stance == 2, starts, axis=0)
    median = by_segment(t.BEHAVIOUR, "budget_median", segment)[:, None]
    ratio = np.exp(np.log(median) + 0.3 * rng.standard_normal((deals, k)))
    rung = 1 + rng.choice(len(RUNG_P), size=(deals, k), p=RUNG_P)
    chance = t.WIN_MODEL.probability(support, oppose, ratio, rung)
    kept = choice_rows(rng, np.where(won[:, None], chance, 1.0 - chance))
    at = (np.arange(deals), kept)
    return stance[np.arange(len(deal)), kept[deal]], support[at], oppose[at], ratio[at], rung[at]


def _deals(rng: np.random.Generator, accounts: Accounts) -> tuple[IntArray, IntArray, BoolArray]:
    """Account, close day and outcome of every migrated deal, in order of closing: the installed
    base's won deals (closed on their customer_since) and the lost ones."""
    won_accounts = np.flatnonzero(accounts.installed)
    lost_accounts = _lost_accounts(rng, accounts)
    account = np.concatenate([won_accounts, lost_accounts])
    closed = np.concatenate([accounts.since_day[won_accounts], _lost_days(rng, lost_accounts)])
    order = np.argsort(closed, kind="stable")
    return account[order], closed[order], np.asarray(order < len(won_accounts), dtype=np.bool_)


def write_history(writer: Writer, seed: int, ctx: tuple[Accounts, Staff, Refs], emails: EmailBook) -> History:
    """Draw and write the migrated deals, their people, buying groups and stage events."""
    accounts, staff, refs = ctx
    rng = rng_for(seed, PHASE)
    account, closed, won = _deals(rng, accounts)
    created = closed - sales_cycle(rng, accounts.segment[account])
    users, monthly = signature_seats(rng, accounts, account)
    deal, level, department, first = _people(rng, accounts, account)
    roles = [
        role_for(rng, int(lv), bool(DEPARTMENT_FUNCTION[d] == IT_FUNCTION), bool(f))
        for lv, d, f in zip(level.tolist(), department.tolist(), first.tolist(), strict=True)
    ]
    stance, support, oppose, ratio, rung = _stances(rng, accounts.segment[account], deal, roles, won)
    owners = deal_owners(rng, staff, accounts.named[account])
    history = History(
        ids=writer.ids(schema.opportunities, len(account)),
        account=account,
        won=won,
        created_day=created,
        closed_day=closed,
        monthly=monthly,
        users=users,
        owners=owners,
        primary=np.zeros(len(account), dtype=np.int64),
        contact_ids=writer.ids(schema.contacts, len(deal)),
        contact_deal=deal,
        contact_level=level,
        contact_department=department,
    )
    history.primary = history.contact_ids[first]
    acquired = _write_people(writer, rng, (accounts, emails), history, first)
    amount = monthly * 12
    budget = np.maximum(np.round(amount * ratio, -5), 100_000).astype(np.int64)
    reasons = lost_reasons(rng, support, oppose, ratio, rung)
    _write_deals(writer, accounts, history, (amount, budget, reasons))
    _write_members(writer, rng, accounts, history, (roles, stance))
    _write_events(writer, accounts, refs, history, acquired)
    return history


def _write_people(
    writer: Writer, rng: np.random.Generator, ctx: tuple[Accounts, EmailBook], history: History, first: BoolArray
) -> IntArray:
    """Contacts (source MIGRATED_SOURCE, no responses), in chunks; returns their acquired minute."""
    accounts, emails = ctx
    size = len(history.contact_ids)
    acquired_day = history.created_day[history.contact_deal] - rng.integers(1, 90, size)
    acquired = acquired_day * MINUTES_PER_DAY + rng.integers(9 * 60, 18 * 60, size)
    for start in range(0, size, p.LEAD_CHUNK):
        rows = range(start, min(start + p.LEAD_CHUNK, size))
        people = text.person_names(rng, len(rows))
        phones = contact_phones(rng, len(rows))
        stamps = minute_strings(acquired[start : rows.stop])
        out = []
        for k, i in enumerate(rows):
            deal, ident, person = int(history.contact_deal[i]), int(history.contact_ids[i]), people[k]
            a = int(history.account[deal])
            level = p.LEVELS[int(history.contact_level[i])]
            titles = text.TITLES_BY_LEVEL[level]
            stage = ("won" if history.won[deal] else "sql") if first[i] else "lead"
            out.append((
                ident, int(accounts.ids[a]), person.last, person.first, person.last_kana, person.first_kana,
                email_for(emails, person, accounts.domains[a], int(accounts.ids[a])), phones[k],
                DEPARTMENT_NAMES[int(history.contact_department[i])], titles[ident % len(titles)], level,
                p.MIGRATED_SOURCE, stage, history.owners[deal] if first[i] else None, stamps[k],
            ))  # fmt: skip
        writer.write(schema.contacts, CONTACT_COLUMNS, out)
    return np.asarray(acquired, dtype=np.int64)


def _write_deals(
    writer: Writer, accounts: Accounts, history: History, money: tuple[IntArray, IntArray, list[str]]
) -> None:
    amount, budget, reasons = money
    created_on, closed_on = day_strings(history.created_day), day_strings(history.closed_day)
    rows = []
    for k in range(len(history.ids)):
        a, won = int(history.account[k]), bool(history.won[k])
        rows.append((
            int(history.ids[k]), int(accounts.ids[a]), int(history.primary[k]),
            f"{accounts.bases[a]}様 {p.PRODUCT}導入", int(amount[k]), int(budget[k]),
            "受注" if won else "失注", "won" if won else "lost", None if won else reasons[k],
            created_on[k], closed_on[k], history.owners[k],
        ))  # fmt: skip
    writer.write(schema.opportunities, OPPORTUNITY_COLUMNS, rows)


def _write_members(
    writer: Writer, rng: np.random.Generator, accounts: Accounts, history: History, group: tuple[list[str], IntArray]
) -> None:
    roles, stance = group
    bounds = np.array(ENGAGEMENT_BY_STANCE)[stance]
    engagement = np.minimum(rng.integers(bounds[:, 0], bounds[:, 1]) + rng.integers(0, 2, len(stance)), 3)
    ids = writer.ids(schema.buying_group_members, len(stance)).tolist()
    deal = history.contact_deal
    rows = zip(
        ids,
        history.contact_ids.tolist(),
        accounts.ids[history.account[deal]].tolist(),
        history.ids[deal].tolist(),
        roles,
        engagement.tolist(),
        [t.STANCES[s] for s in stance.tolist()],
        strict=True,
    )
    writer.write(schema.buying_group_members, MEMBER_COLUMNS, rows)


def _write_events(writer: Writer, accounts: Accounts, refs: Refs, history: History, acquired: IntArray) -> None:
    """リード獲得 when a person was met; 商談化 when the deal opened (10:00); 受注 at 17:00 on the close."""
    won = np.flatnonzero(history.won)
    contact = np.concatenate([history.contact_ids, history.primary, history.primary[won]])
    deal = np.concatenate([history.contact_deal, np.arange(len(history.ids)), won])
    minute = np.concatenate(
        [acquired, history.created_day * MINUTES_PER_DAY + 10 * 60, history.closed_day[won] * MINUTES_PER_DAY + 17 * 60]
    )
    stage = (
        [refs.stages["lead"]] * len(acquired)
        + [refs.stages["sql"]] * len(history.ids)
        + [refs.stages["won"]] * len(won)
    )
    ids = writer.ids(schema.stage_events, len(contact)).tolist()
    account = accounts.ids[history.account[deal]].tolist()
    rows = zip(ids, contact.tolist(), account, stage, minute_strings(minute), strict=True)
    writer.write(schema.stage_events, EVENT_COLUMNS, rows)
