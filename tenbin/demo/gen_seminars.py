"""Individual seminars (個別セミナー) for the accounts whose people took the 個別セミナー offer.

Runs after everything else and reads what was written (responses, contacts, buying groups), so the
sessions agree with the rest of the workspace:

* an account whose contacts responded with the 個別セミナー offer holds a first session within two
  weeks of the first such response with probability FIRST_P, a second one 1–4 months later with
  SECOND_P, a third with THIRD_P (sessions after the window are not held);
* attendees are the account's contacts known by the session day — buying-group members more
  likely (with their buying-group role), decision makers and budget holders more likely in later
  sessions (the seminar is repeated to reach the whole buying group) — plus, sometimes, a colleague
  who is not a contact (a typed name and department, 利用部門);
* the session's campaign is that first response's campaign when its channel is 個別セミナー.

Deterministic: one seeded generator, accounts and people in id order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from tenbin.db import defaults, schema
from tenbin.demo import gen_params as p
from tenbin.demo import text
from tenbin.demo.gen_util import Writer, rng_for

PHASE = 21
FIRST_P, SECOND_P, THIRD_P = 0.45, 0.35, 0.2
SEMINAR_OFFER = defaults.OFFER_LADDER[2]  # 個別セミナー
THEMES = ("現場DX", "ナレッジ共有", "業務可視化", "ゲンバノート活用", "品質改善", "情報共有基盤", "働き方改革")
SURNAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
SENIOR = ("decision_maker", "budget_holder")
SESSION_COLUMNS = ("id", "account_id", "campaign_id", "title", "held_on", "notes")
ATTENDEE_COLUMNS = ("id", "session_id", "contact_id", "name", "department", "role", "level")
DEPARTMENTS = tuple(d for names in text.DEPARTMENTS.values() for d in names)


@dataclass
class _Account:
    first: dt.date
    campaign: int | None
    people: list[tuple[int, dt.date, str | None]] = field(default_factory=list)  # contact, known from, department


def _accounts(conn: Connection) -> dict[int, _Account]:
    r, c, o, camp = schema.responses, schema.contacts, schema.offers, schema.campaigns
    rows = conn.execute(
        select(c.c.account_id, r.c.responded_at, r.c.campaign_id, camp.c.channel)
        .select_from(
            r.join(o, o.c.id == r.c.offer_id).join(c, c.c.id == r.c.contact_id).join(camp, camp.c.id == r.c.campaign_id)
        )
        .where(o.c.name == SEMINAR_OFFER, c.c.account_id.is_not(None))
        .order_by(c.c.account_id, r.c.responded_at, r.c.id)
    )
    found: dict[int, _Account] = {}
    for account_id, at, campaign_id, channel in rows:
        if int(account_id) not in found:
            campaign = int(campaign_id) if channel == SEMINAR_OFFER else None
            found[int(account_id)] = _Account(_day(at), campaign)
    return found


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _people(conn: Connection, accounts: dict[int, _Account]) -> dict[int, str]:
    """Fill each account's contacts; returns contact → buying-group role (the first recorded)."""
    c, bg = schema.contacts, schema.buying_group_members
    r, o = schema.responses, schema.offers
    wanted = (
        select(c.c.account_id)
        .select_from(r.join(o, o.c.id == r.c.offer_id).join(c, c.c.id == r.c.contact_id))
        .where(o.c.name == SEMINAR_OFFER, c.c.account_id.is_not(None))
        .distinct()
    )
    for contact_id, account_id, acquired, department in conn.execute(
        select(c.c.id, c.c.account_id, c.c.acquired_at, c.c.department)
        .where(c.c.account_id.in_(wanted))
        .order_by(c.c.account_id, c.c.id)
    ):
        known = _day(acquired) if acquired is not None else p.WINDOW_START.date()
        accounts[int(account_id)].people.append((int(contact_id), known, department))
    roles: dict[int, str] = {}
    for contact_id, role in conn.execute(
        select(bg.c.contact_id, bg.c.role).where(bg.c.account_id.in_(wanted)).order_by(bg.c.id)
    ):
        roles.setdefault(int(contact_id), str(role))
    return roles


def _session_days(rng: np.random.Generator, first: dt.date) -> list[dt.date]:
    end = p.WINDOW_END.date()
    days: list[dt.date] = []
    day = first + dt.timedelta(days=int(rng.integers(0, 15)))
    for chance in (FIRST_P, SECOND_P, THIRD_P):
        if rng.random() >= chance or day > end:
            break
        days.append(day)
        day = day + dt.timedelta(days=int(rng.integers(30, 121)))
    return days


def _attendees(
    rng: np.random.Generator, account: _Account, roles: dict[int, str], day: dt.date, number: int
) -> list[tuple[int | None, str | None, str | None, str | None, str | None]]:
    pool = [(cid, dep) for cid, known, dep in account.people if known <= day]
    chosen: list[tuple[int | None, str | None, str | None, str | None, str | None]] = []
    if pool:
        weights = np.array([(3.0 if cid in roles else 1.0) * (4.0 if number > 0 and roles.get(cid) in SENIOR else 1.0)
                            for cid, _ in pool])  # fmt: skip
        size = min(len(pool), 1 + int(rng.poisson(1.6)))
        keys = np.log(weights) - np.log(-np.log(rng.random(len(pool))))
        for index in np.argsort(-keys, kind="stable")[:size].tolist():
            cid, _ = pool[index]
            chosen.append((cid, None, None, roles.get(cid), None))
    if not chosen or rng.random() < 0.3:
        name = f"{SURNAMES[int(rng.integers(0, len(SURNAMES)))]} 様"
        departments = [dep for _, _, dep in account.people if dep] or list(DEPARTMENTS)
        chosen.append((None, name, departments[int(rng.integers(0, len(departments)))], "user_department", "staff"))
    return chosen


def write_seminars(writer: Writer, seed: int) -> None:
    """Write the sessions and attendees (a few hundred sessions at scale 1)."""
    rng = rng_for(seed, PHASE)
    accounts = _accounts(writer.conn)
    roles = _people(writer.conn, accounts)
    sessions: list[tuple[Any, ...]] = []
    attendees: list[tuple[int, list[tuple[Any, ...]]]] = []
    for account_id in sorted(accounts):
        account = accounts[account_id]
        for number, day in enumerate(_session_days(rng, account.first)):
            theme = THEMES[int(rng.integers(0, len(THEMES)))]
            title = f"{theme}勉強会" + (f"(第{number + 1}回)" if number else "")
            sessions.append((account_id, account.campaign if number == 0 else None, title, day.isoformat(), None))
            attendees.append((len(sessions) - 1, _attendees(rng, account, roles, day, number)))
    ids = writer.ids(schema.seminar_sessions, len(sessions)).tolist()
    writer.write(schema.seminar_sessions, SESSION_COLUMNS, [(ids[i], *row) for i, row in enumerate(sessions)])
    people = [(ids[i], *person) for i, group in attendees for person in group]
    person_ids = writer.ids(schema.seminar_attendees, len(people)).tolist()
    rows = [(pid, *row) for pid, row in zip(person_ids, people, strict=True)]
    writer.write(schema.seminar_attendees, ATTENDEE_COLUMNS, rows)
